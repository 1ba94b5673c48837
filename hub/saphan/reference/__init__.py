"""Reference data wrapped from well-kept packages: DOPA area codes (geothai), Thai citizen
IDs (python-stdnum), Thai holidays and working days (holidays), phone numbers, Thai digits
and Buddhist-Era dates. Nothing here is hand-typed data."""

"""One router per resource of the hub's HTTP API."""

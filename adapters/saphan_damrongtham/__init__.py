"""Damrongtham Center exchange XML 1.2 adapter (placeholder until the parser lands)."""

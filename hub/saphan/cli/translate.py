"""``saphan translate`` and ``saphan validate`` (placeholder until the adapters land)."""

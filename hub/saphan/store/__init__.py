"""Durable state: tables, engines, migrations, claims, the vault and the transfer log."""

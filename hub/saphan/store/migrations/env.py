"""Alembic environment: the target metadata is the SQLModel tables of the hub."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine
from sqlmodel import SQLModel

import saphan.store.tables  # noqa: F401 - registers the tables on SQLModel.metadata

config = context.config
target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine: Engine = config.attributes["engine"]
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


run_migrations_online()

"""Database engines: embedded SQLite by default, PostgreSQL by URL.

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit is on disk when it returns) and
``BEGIN IMMEDIATE`` transactions, so that claims and log appends serialise on the one writer
lock instead of failing with "database is locked" half-way. PostgreSQL uses ``FOR UPDATE SKIP
LOCKED`` for claims and a row lock on the log sequencer (see :mod:`saphan.store.claims` and
:mod:`saphan.store.log`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from saphan.errors import ConfigError
from saphan.store.group import GroupCommitter


def make_engine(
    url: str, *, echo: bool = False, writer: bool = True, durable: bool = True
) -> Engine:
    """An engine for ``url`` with the hub's durability settings.

    On SQLite a *writer* engine starts every transaction with ``BEGIN IMMEDIATE``; a reader
    engine (``writer=False``) uses deferred transactions so reads never wait for writers.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=8,
        )
        _configure_sqlite(engine, immediate=writer, durable=durable)
        return engine
    if url.startswith(("postgresql", "postgres")):
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://") :]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        # Not durable: commits return before the WAL reaches the disk (what SQLite's
        # synchronous=NORMAL gives below); for data whose loss in a crash is harmless.
        options = {} if durable else {"options": "-c synchronous_commit=off"}
        return create_engine(
            url,
            echo=echo,
            pool_size=10,
            max_overflow=10,
            pool_pre_ping=True,
            connect_args=options,
        )
    raise ConfigError(f"unsupported database URL scheme: {url.split(':', 1)[0]!r}")


def _configure_sqlite(engine: Engine, *, immediate: bool, durable: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # The driver's own transaction handling is turned off so that SQLAlchemy's BEGIN
        # below is the only one; see the SQLAlchemy docs on pysqlite serializable isolation.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The engines of one hub process: a writer and a reader (the same on PostgreSQL)."""

    def __init__(self, url: str, *, echo: bool = False, group_commit: bool = True) -> None:
        self.url = url
        self.writer = make_engine(url, echo=echo, writer=True)
        self.reader = (
            make_engine(url, echo=echo, writer=False) if url.startswith("sqlite") else self.writer
        )
        # Shared transactions for the hot write paths (intake, delivery), on both
        # databases: one commit (one WAL flush) for every unit queued while a group runs,
        # and on PostgreSQL the log's sequencer row is taken once per group rather than
        # once per message. Measured end to end on PostgreSQL, in alternating runs: 85-93
        # cases/s each on its caller's thread, 125-127 grouped (bench_e2e; ADR 7).
        self.group = GroupCommitter(self.writer, enabled=group_commit)

    @property
    def dialect(self) -> str:
        return self.writer.dialect.name

    def dispose(self) -> None:
        self.group.close()
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()

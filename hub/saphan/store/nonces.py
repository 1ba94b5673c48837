"""The replay store shared by every hub process: ``(keyid, nonce)`` pairs in a table.

The primary key makes "seen or record" one atomic insert: the second process to insert a
pair fails and so knows it is a replay. Expired pairs are purged now and then.

Where the table lives (:func:`replay_url`): on PostgreSQL in the hub's database; on SQLite
in a file of its own beside the database. SQLite has one writer lock per file, and intakes
hold the main file's through their commits (a group commit holds it almost without pause
under load); a nonce recorded there waited for it in SQLite's busy handler, which sleeps in
growing steps, so every signed request queued behind the intakes before its own intake had
begun. This module does not check signatures (``saphan.auth``) nor decide what a replay
answers (``api/deps.py``).
"""

from __future__ import annotations

import random
import threading
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from saphan.store.db import make_engine
from saphan.store.prepared import Prepared
from saphan.store.tables import NonceRow

NONCES = NonceRow.__table__  # type: ignore[attr-defined]


def _record_stmt(ins: Any) -> Prepared:
    # RETURNING, not rowcount: psycopg reports -1 rows for INSERT ... ON CONFLICT.
    return Prepared(
        ins.values(
            keyid=bindparam("keyid"), nonce=bindparam("nonce"), expires_at=bindparam("expires_at")
        )
        .on_conflict_do_nothing(index_elements=["keyid", "nonce"])
        .returning(NONCES.c.nonce)
    )


# Compiled once: building this statement per request cost more than the insert itself.
_RECORD = {
    "postgresql": _record_stmt(pg_insert(NONCES)),
    "sqlite": _record_stmt(sqlite_insert(NONCES)),
}
_PURGE = Prepared(delete(NONCES).where(NONCES.c.expires_at < bindparam("now")))


def replay_url(database_url: str) -> str:
    """The database URL of the replay store of a hub whose database is *database_url*.

    A SQLite file ``NAME.db`` keeps its replay records in ``NAME-replay.db`` beside it
    (every process of the hub opens the same file); PostgreSQL and in-memory SQLite keep
    them in the database itself.
    """
    if database_url.startswith("sqlite"):
        head, sep, path = database_url.partition("///")
        if sep and path and path != ":memory:" and not path.startswith("file:"):
            file = Path(path)
            return f"{head}///{file.with_name(f'{file.stem}-replay{file.suffix}')}"
    return database_url


def open_replay_store(database_url: str) -> SqlNonceStore:
    """The replay store of a hub on *database_url*, its table created if it has its own file.

    Replay records are not made durable one by one: a crash may forget the last few, and a
    request replayed then finds its intake's stored answer (idempotency) or, if the intake
    was lost too, is taken as the first time it came (``docs/security.md``).
    """
    url = replay_url(database_url)
    engine = make_engine(url, durable=False)
    if url != database_url:
        NONCES.create(engine, checkfirst=True)
    return SqlNonceStore(engine, owns_engine=True)


class SqlNonceStore:
    def __init__(
        self, engine: Engine, *, purge_every: int = 500, owns_engine: bool = False
    ) -> None:
        self._engine = engine
        self._purge_every = purge_every
        self._owns_engine = owns_engine
        self._record = _RECORD[engine.dialect.name]
        self._raw: Any = None
        self._turn: AbstractContextManager[Any] = nullcontext()
        if engine.dialect.name == "sqlite":
            # One driver connection, in autocommit (the engine's connect hook turns the
            # driver's own transactions off): the insert is one atomic statement, and
            # SQLAlchemy's checkout, BEGIN and COMMIT around it cost more than it does.
            # The threads of one process take turns on it here rather than in SQLite's
            # busy handler, whose first sleep is longer than an insert; other processes
            # still meet in SQLite, rarely (an insert holds the lock for microseconds).
            self._raw = engine.raw_connection()
            self._turn = threading.Lock()

    def seen_or_record(self, keyid: str, nonce: str, expires_at: datetime) -> bool:
        values = {"keyid": keyid, "nonce": nonce, "expires_at": expires_at}
        purge = random.randrange(self._purge_every) == 0  # noqa: S311 - housekeeping cadence
        if self._raw is None:
            with self._engine.begin() as conn:
                inserted = self._record.first(conn, values) is not None
                if purge:
                    _PURGE.run(conn, {"now": datetime.now(UTC)})
            return not inserted
        dialect = self._engine.dialect
        with self._turn:
            cursor = self._raw.cursor()
            try:
                cursor.execute(*self._record.bind(dialect, values))
                inserted = cursor.fetchone() is not None
                if purge:
                    cursor.execute(*_PURGE.bind(dialect, {"now": datetime.now(UTC)}))
            finally:
                cursor.close()
        return not inserted

    def close(self) -> None:
        """Close what this store opened: its driver connection, and its engine if it
        made it."""
        if self._raw is not None:
            with self._turn:
                self._raw.close()
                self._raw = None
        if self._owns_engine:
            self._engine.dispose()

"""The replay store shared by every hub process: ``(keyid, nonce)`` pairs in a table.

The primary key makes "seen or record" one atomic insert: the second process to insert a
pair fails and so knows it is a replay. Expired pairs are purged now and then.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

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


class SqlNonceStore:
    def __init__(self, engine: Engine, *, purge_every: int = 500) -> None:
        self._engine = engine
        self._purge_every = purge_every
        self._record = _RECORD[engine.dialect.name]

    def seen_or_record(self, keyid: str, nonce: str, expires_at: datetime) -> bool:
        values = {"keyid": keyid, "nonce": nonce, "expires_at": expires_at}
        with self._engine.begin() as conn:
            inserted = self._record.first(conn, values) is not None
            if random.randrange(self._purge_every) == 0:  # noqa: S311 - housekeeping cadence
                conn.execute(delete(NONCES).where(NONCES.c.expires_at < datetime.now(UTC)))
        return not inserted

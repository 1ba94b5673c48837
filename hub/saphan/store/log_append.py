"""Appending to the transfer log: the one log sequencer, on SQLite and on PostgreSQL.

An append takes the single ``log_state`` row (``SELECT ... FOR UPDATE`` on PostgreSQL; the
writer lock on SQLite) inside the caller's transaction, so indexes are gap-free and in
commit order across every hub process sharing the database. It writes the entries, the
complete subtree hashes they make (:mod:`saphan.ledger.nodes`) and the new compact range in
that same transaction: a crash loses or keeps the whole append. On SQLite the sequencer row
is not read when the connection's own last append left it as it is: the row is advanced
with a compare-and-set on its whole content instead, so a guess made stale by a rollback or
another writer is detected and never written (see :func:`_append_sqlite`).

Reading the log (heads, proofs, checkpoints) is :mod:`saphan.store.log`, which also offers
:func:`append` as ``log.append``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

from sqlalchemy import ColumnElement, Connection, Integer, insert, literal_column, select

from saphan.ledger.merkle import leaf_hash
from saphan.ledger.nodes import (
    Appended,
    append_leaves,
    decode_compact_range,
    encode_compact_range,
)
from saphan.store.prepared import Prepared, execute_sql
from saphan.store.tables import LogStateRow

S = LogStateRow.__table__  # type: ignore[attr-defined]
#: the sequencer row's key, written into the SQL (the statements take no parameter for it)
_ONE: ColumnElement[int] = literal_column("1", Integer)
# The append path's statement on PostgreSQL, compiled once (see saphan.store.prepared).
_SEQUENCER_FOR_UPDATE = Prepared(
    select(S.c.size, S.c.compact_range).where(S.c.id == _ONE).with_for_update()
)


def ensure_state(conn: Connection) -> None:
    """Create the sequencer row when the log is new (idempotent)."""
    if conn.execute(select(S.c.id).where(S.c.id == 1)).first() is None:
        conn.execute(insert(S).values(id=1, size=0, compact_range=b""))


def append(conn: Connection, entries: Sequence[bytes]) -> int:
    """Append ``entries`` (exact RFC 8785 bytes) in the caller's transaction; returns the
    index of the first one."""
    if not entries:
        raise ValueError("nothing to append")
    if conn.dialect.name == "sqlite":
        return _append_sqlite(conn, entries)
    # PostgreSQL, the other database the hub runs on: the row lock is the sequencer.
    row = _SEQUENCER_FOR_UPDATE.first(conn, {})
    if row is None:
        ensure_state(conn)
        row = _SEQUENCER_FOR_UPDATE.first(conn, {})
        assert row is not None
    size, packed = int(row[0]), bytes(row[1])
    leaves = [leaf_hash(e) for e in entries]
    grown = append_leaves(size, decode_compact_range(packed, size), leaves)
    # One round trip instead of three: the sequencer row is locked until the commit,
    # so every statement after the lock is time every other appender waits.
    _append_pg(conn, size, entries, leaves, grown.nodes, grown.size, grown.compact_range)
    return size


#: ``Connection.info`` key: the sequencer state ``(size, compact range, packed range)``
#: this connection's last append on SQLite wrote. Only a guess: see :func:`_append_sqlite`.
_WROTE = "saphan.log.wrote"
_State = tuple[int, tuple[bytes, ...], bytes]
_READ_SQLITE = "SELECT size, compact_range FROM log_state WHERE id = 1"
#: A compare-and-set: the row moves to the new state only from the state it was computed from.
_ADVANCE_SQLITE = (
    "UPDATE log_state SET size = ?, compact_range = ?"
    " WHERE id = 1 AND size = ? AND compact_range = ?"
)
#: Rows per multi-row INSERT (3 parameters each, within SQLite's oldest limit of 999).
_ROWS_SQLITE = 256


@lru_cache(maxsize=64)
def _rows_sql(table: str, count: int) -> str:
    """A multi-row INSERT of ``count`` rows of three columns: one statement step for all of
    them, where ``executemany`` steps the statement once per row."""
    columns = "(idx, entry, leaf_hash)" if table == "log_entries" else "(level, idx, hash)"
    values = ", ".join(["(?, ?, ?)"] * count)
    return f"INSERT INTO {table} {columns} VALUES {values}"  # noqa: S608 - fixed names only


def _insert_rows(
    conn: Connection, table: str, rows: Sequence[tuple[int, int | bytes, bytes]]
) -> None:
    for start in range(0, len(rows), _ROWS_SQLITE):
        part = rows[start : start + _ROWS_SQLITE]
        execute_sql(conn, _rows_sql(table, len(part)), tuple(chain.from_iterable(part))).close()


def _append_sqlite(conn: Connection, entries: Sequence[bytes]) -> int:
    """The append on SQLite: three statements when this connection made the last append.

    The state this connection wrote last (kept in ``Connection.info``) is taken as a guess
    of the sequencer row, and the row is advanced with a compare-and-set on its whole
    content (size and every byte of the compact range). The new nodes are a function of
    that state and the leaves only, so when the compare-and-set matches they are exactly
    what reading the row first would have given; when it does not (a savepoint or a
    transaction rolled back, another connection appended, nothing known yet), nothing was
    written and the row is read as before. A stale guess therefore costs one statement and
    can never reach the log, whatever rollback made it stale.
    """
    info = conn.info
    leaves = [leaf_hash(e) for e in entries]
    # Taken out now and put back only when this append has succeeded: one that fails
    # part way leaves no guess behind.
    guess: _State | None = info.pop(_WROTE, None)
    state = None
    if guess is not None:
        size, compact_range, packed = guess
        state = _advance(conn, size, compact_range, packed, leaves)
    if state is None:
        cursor = execute_sql(conn, _READ_SQLITE, ())
        row = cursor.fetchone()
        cursor.close()
        if row is None:
            ensure_state(conn)
            size, packed = 0, b""
        else:
            size, packed = int(row[0]), bytes(row[1])
        state = _advance(conn, size, decode_compact_range(packed, size), packed, leaves)
        if state is None:  # cannot happen: the row was read in this very transaction
            raise RuntimeError("the log's sequencer row changed during an append")
    grown, new_state = state
    _insert_rows(
        conn,
        "log_entries",
        [(size + i, e, h) for i, (e, h) in enumerate(zip(entries, leaves, strict=True))],
    )
    _insert_rows(conn, "log_nodes", grown.nodes)
    info[_WROTE] = new_state
    return size


def _advance(
    conn: Connection,
    size: int,
    compact_range: tuple[bytes, ...],
    packed: bytes,
    leaves: Sequence[bytes],
) -> tuple[Appended, _State] | None:
    """Append ``leaves`` to the state given and move the sequencer row to the result if,
    and only if, the row holds exactly that state; ``None`` (and nothing written) if not."""
    grown = append_leaves(size, compact_range, leaves)
    new_packed = encode_compact_range(grown.compact_range)
    cursor = execute_sql(conn, _ADVANCE_SQLITE, (grown.size, new_packed, size, packed))
    try:
        if cursor.rowcount != 1:
            return None
    finally:
        cursor.close()
    return grown, (grown.size, grown.compact_range, new_packed)


_APPEND_PG = """
WITH entries AS (
    INSERT INTO log_entries (idx, entry, leaf_hash)
    SELECT * FROM unnest(%s::bigint[], %s::bytea[], %s::bytea[])
), nodes AS (
    INSERT INTO log_nodes (level, idx, hash)
    SELECT * FROM unnest(%s::int[], %s::bigint[], %s::bytea[])
)
UPDATE log_state SET size = %s, compact_range = %s WHERE id = 1
"""


def _append_pg(
    conn: Connection,
    size: int,
    entries: Sequence[bytes],
    leaves: Sequence[bytes],
    nodes: Sequence[tuple[int, int, bytes]],
    new_size: int,
    compact_range: Sequence[bytes],
) -> None:
    params = (
        list(range(size, size + len(entries))),
        list(entries),
        list(leaves),
        [lv for lv, _ix, _hv in nodes],
        [ix for _lv, ix, _hv in nodes],
        [hv for _lv, _ix, hv in nodes],
        new_size,
        encode_compact_range(compact_range),
    )
    execute_sql(conn, _APPEND_PG, params).close()

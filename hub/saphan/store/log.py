"""The transfer log kept in the database: a sequencer, the complete-node table, checkpoints.

Appends (:func:`append`, written in :mod:`saphan.store.log_append`) take the one log
sequencer inside the caller's transaction and write the entries, the complete subtree
hashes they make and the new compact range together: a crash loses or keeps the whole
append.

Checkpoints are signed from the persisted compact range only, and only for a size larger
than the last one, so two checkpoints are always consistent with each other.

Reads (heads, roots, proofs) fetch the nodes they need and the sequencer row in one plain
SQL statement; upper nodes read by transactions that wrote nothing are kept in a small
per-engine cache, as committed complete nodes never change (see :class:`_Prefetched`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import chain

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import (
    Connection,
    Engine,
    event,
    insert,
    select,
)

from saphan.errors import InputError, Problem
from saphan.ledger.checkpoint import Checkpoint, sign_checkpoint
from saphan.ledger.nodes import (
    NodeId,
    compact_range_root,
    consistency_plan,
    decode_compact_range,
    inclusion_plan,
    plan_nodes,
    proof_from_nodes,
    root_from,
    root_nodes,
)

# The write side, offered here too as ``log.append`` and ``log.ensure_state``.
from saphan.store.log_append import append as append
from saphan.store.log_append import ensure_state as ensure_state
from saphan.store.prepared import execute_sql
from saphan.store.tables import CheckpointRow, LogEntryRow, LogStateRow

E = LogEntryRow.__table__  # type: ignore[attr-defined]
S = LogStateRow.__table__  # type: ignore[attr-defined]
C = CheckpointRow.__table__  # type: ignore[attr-defined]
MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class LogHead:
    size: int
    root: bytes


class _Prefetched:
    """A NodeReader over the nodes a proof needs, read with the log's state in one statement.

    The statement is plain SQL on the driver's cursor: building, compiling and executing a
    Core ``select`` per proof cost several times the database's own work (about 20
    primary-key probes). Its text depends only on the number of nodes, so the driver's
    statement cache (sqlite3) or its prepared statements (psycopg) serve every proof of the
    same shape. Driver errors are raised as SQLAlchemy's, as ``Connection.execute`` would.
    Upper nodes already known to be committed come from :class:`_NodeCache` instead.
    """

    __slots__ = ("compact_range", "nodes", "size")

    def __init__(self, conn: Connection, ids: Sequence[NodeId]) -> None:
        #: the nodes found, by ``(level, index)``
        self.nodes: dict[NodeId, bytes] = {}
        #: the log's size and packed compact range, from the same snapshot as the nodes
        self.size = 0
        self.compact_range = b""
        cache = _cache_for(conn)  # first: on SQLite it must see the transaction begin
        if cache is not None and ids:
            known, missing = cache.nodes, []
            for node in ids:
                value = known.get(node)
                if value is None:
                    missing.append(node)
                else:
                    self.nodes[node] = value
            ids = missing
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        pg = conn.dialect.name == "postgresql"
        found: dict[NodeId, bytes] = {}
        clean = False
        for start in range(0, max(len(ids), 1), _CHUNK):
            part = ids[start : start + _CHUNK]
            cursor = execute_sql(conn, _node_sql(mark, len(part), not start, pg), _flat(part))
            try:
                rows = cursor.fetchall()
            finally:
                cursor.close()
            for level, idx, value in rows:
                if level < 0:
                    self.size, self.compact_range = int(idx), bytes(value)
                    clean = level == -1
                else:
                    found[(level, idx)] = bytes(value)
        self.nodes.update(found)
        if cache is not None and clean and _wrote_nothing(conn, pg):
            cache.add(self.size, self.compact_range, found)

    def get(self, level: int, index: int) -> bytes:
        return self.nodes[(level, index)]

    def check_size(self, size: int, what: str) -> None:
        """Refuse a size beyond the log, as :func:`_check_size` does."""
        if size < 0 or size > self.size:
            raise _outside(size, self.size, what)


#: Nodes per statement: proofs need about 2 log2(size) nodes, so one statement serves any
#: proof of a log below 2**32 entries and the number of distinct statement texts stays small.
_CHUNK = 64


def _flat(ids: Sequence[NodeId]) -> tuple[int, ...]:
    return tuple(chain.from_iterable(ids))


@lru_cache(maxsize=4 * _CHUNK + 4)
def _node_sql(mark: str, count: int, with_state: bool, pg: bool) -> str:
    """``count`` nodes by primary key and, with ``with_state``, the sequencer row as a row of
    level -1 (so that the size check and the nodes come from one snapshot, one round trip).

    On PostgreSQL that row has level -2 instead when the transaction has written anything:
    then it may see rows not yet committed, and nothing it reads may enter the node cache.
    """
    # OR of (level, idx) pairs, not a row-value IN: SQLite answers the latter with a full
    # scan of log_nodes, the former with one primary-key probe per node.
    # Only the placeholder style and the count vary; every value is a bound parameter.
    parts = []
    if count:
        pair = f"(level = {mark} AND idx = {mark})"
        where = " OR ".join([pair] * count)
        parts.append(f"SELECT level, idx, hash FROM log_nodes WHERE {where}")  # noqa: S608
    if with_state:
        level = (
            "CASE WHEN pg_current_xact_id_if_assigned() IS NULL THEN -1 ELSE -2 END" if pg else "-1"
        )
        parts.append(f"SELECT {level}, size, compact_range FROM log_state WHERE id = 1")  # noqa: S608
    return " UNION ALL ".join(parts)


#: Nodes from this level up (each the head of 16 leaves or more) are cached: a proof reads
#: one node per level, so the few upper ones are shared by every proof and the many lower
#: ones rarely; at 100,000 entries all of them fit, and a proof then reads about 5 nodes.
_CACHE_LEVEL = 4
#: At most this many cached nodes per engine (about 200 bytes each); the oldest go first.
_CACHE_LIMIT = 1 << 15
#: ``Connection.info`` key: SQLite's count of changed rows when the transaction began.
_CHANGES_AT_BEGIN = "saphan.log.changes_at_begin"


class _NodeCache:
    """Committed complete nodes of one engine's log, kept across transactions.

    Correct because a committed complete node never changes (the log only grows), and only
    nodes read by a transaction that has written nothing are added: such a transaction sees
    committed rows only. A transaction that appended (and might still roll back, or roll
    back a savepoint) sees its own nodes, so what it reads is never cached. As a guard
    against a database replaced under a running process, the cache empties itself when it
    sees a different compact range at the largest size it has seen.
    """

    def __init__(self) -> None:
        self.nodes: dict[NodeId, bytes] = {}
        self._size = 0
        self._compact_range = b""
        self._lock = threading.Lock()

    def add(self, size: int, compact_range: bytes, found: dict[NodeId, bytes]) -> None:
        with self._lock:
            if size == self._size and compact_range != self._compact_range:
                self.nodes = {}
            if size >= self._size:
                self._size, self._compact_range = size, compact_range
            nodes = self.nodes
            for node, value in found.items():
                if node[0] >= _CACHE_LEVEL:
                    if len(nodes) >= _CACHE_LIMIT:
                        del nodes[next(iter(nodes))]
                    nodes[node] = value


_caches: weakref.WeakKeyDictionary[Engine, _NodeCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache_for(conn: Connection) -> _NodeCache | None:
    """The node cache of the connection's engine (SQLite and PostgreSQL only)."""
    engine = conn.engine
    cache = _caches.get(engine)
    if cache is None and conn.dialect.name in ("sqlite", "postgresql"):
        with _caches_lock:
            cache = _caches.get(engine)
            if cache is None:
                if conn.dialect.name == "sqlite":
                    event.listen(engine, "begin", _note_begin)
                cache = _caches[engine] = _NodeCache()
    return cache


def _note_begin(conn: Connection) -> None:
    conn.info[_CHANGES_AT_BEGIN] = conn.connection.driver_connection.total_changes  # type: ignore[union-attr]


def _wrote_nothing(conn: Connection, pg: bool) -> bool:
    """Whether the connection's transaction has changed no row, so all it sees is committed.

    PostgreSQL said so in the statement itself (no transaction id assigned yet). SQLite's
    connection counts the rows it ever changed; the count must not have moved since the
    transaction began (a transaction begun before the cache existed has no count: no).
    """
    if pg:
        return True
    at_begin = conn.info.get(_CHANGES_AT_BEGIN)
    return at_begin is not None and at_begin == conn.connection.driver_connection.total_changes  # type: ignore[union-attr]


def head(conn: Connection) -> LogHead:
    """The persisted size and root (from the compact range: no node is read)."""
    state = _Prefetched(conn, ())
    size = state.size
    return LogHead(size, compact_range_root(decode_compact_range(state.compact_range, size)))


def entries(conn: Connection, start: int, end: int) -> list[tuple[int, bytes]]:
    """Entries ``start..end-1`` (at most :data:`MAX_PAGE`)."""
    end = min(end, start + MAX_PAGE)
    rows = conn.execute(
        select(E.c.idx, E.c.entry).where(E.c.idx >= start, E.c.idx < end).order_by(E.c.idx)
    )
    return [(int(i), bytes(e)) for i, e in rows]


def _outside(size: int, current: int, what: str) -> InputError:
    return InputError(
        f"{what} {size} is outside the log (size {current})",
        [Problem(f"/{what}", f"must be between 0 and {current}")],
    )


def _check_size(conn: Connection, size: int, what: str) -> None:
    current = head(conn).size
    if size < 0 or size > current:
        raise _outside(size, current, what)


def root_at(conn: Connection, size: int) -> bytes:
    reader = _Prefetched(conn, root_nodes(size))
    reader.check_size(size, "tree_size")
    return root_from(reader, size)


def inclusion_proof(conn: Connection, index: int, size: int) -> list[bytes]:
    if not 0 <= index < size:
        # The size is checked first, as the caller asked about that tree.
        _check_size(conn, size, "tree_size")
        raise InputError(
            f"index {index} is not in a tree of {size}",
            [Problem("/index", f"must be between 0 and {size - 1}")],
        )
    plan = inclusion_plan(index, size)
    reader = _Prefetched(conn, plan_nodes(plan))
    reader.check_size(size, "tree_size")
    return proof_from_nodes(reader.nodes, plan)


def consistency_proof(conn: Connection, first: int, second: int) -> list[bytes]:
    if not 0 <= first <= second:
        _check_size(conn, second, "second")
        raise InputError(
            f"first {first} must be between 0 and second {second}",
            [Problem("/first", f"must be between 0 and {second}")],
        )
    try:
        plan = consistency_plan(first, second)
    except InputError:
        _check_size(conn, second, "second")  # a size beyond the log is the first error
        raise
    reader = _Prefetched(conn, plan_nodes(plan))
    reader.check_size(second, "second")
    return proof_from_nodes(reader.nodes, plan)


def latest_checkpoint(conn: Connection) -> tuple[int, str, datetime] | None:
    row = conn.execute(
        select(C.c.size, C.c.text, C.c.created_at).order_by(C.c.size.desc()).limit(1)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]), row[2])


def sign_new_checkpoint(
    conn: Connection, *, origin: str, key: Ed25519PrivateKey, now: datetime
) -> str | None:
    """Sign a checkpoint of the current head when the log grew since the last one.

    Runs in the caller's (writer) transaction holding the sequencer lock, so the size it
    signs is persisted and no other process signs a different head of the same size.
    """
    stmt = select(S.c.size, S.c.compact_range).where(S.c.id == 1)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    size = 0 if row is None else int(row[0])
    last = latest_checkpoint(conn)
    if last is not None and last[0] >= size:
        return None
    root = (
        compact_range_root(decode_compact_range(bytes(row[1]), size))
        if row
        else compact_range_root(())
    )
    text = sign_checkpoint(Checkpoint(origin, size, root), key)
    conn.execute(insert(C).values(size=size, root=root, text=text, created_at=now))
    return text

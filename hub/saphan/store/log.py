"""The transfer log kept in the database: a sequencer, the complete-node table, checkpoints.

Appends lock the single ``log_state`` row (``SELECT ... FOR UPDATE`` on PostgreSQL; the
writer lock on SQLite) inside the caller's transaction, so indexes are gap-free and in
commit order across every hub process sharing the database: one log sequencer. Each append
writes the entries, the complete subtree hashes they make (:mod:`saphan.ledger.nodes`) and
the new compact range in that same transaction: a crash loses or keeps the whole append.

Checkpoints are signed from the persisted compact range only, and only for a size larger
than the last one, so two checkpoints are always consistent with each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, and_, insert, or_, select, update

from saphan.errors import InputError, Problem
from saphan.ledger.checkpoint import Checkpoint, sign_checkpoint
from saphan.ledger.merkle import leaf_hash
from saphan.ledger.nodes import (
    NodeId,
    append_leaves,
    compact_range_root,
    consistency_nodes,
    consistency_proof_from,
    decode_compact_range,
    encode_compact_range,
    inclusion_nodes,
    inclusion_proof_from,
    root_from,
    root_nodes,
)
from saphan.store.tables import CheckpointRow, LogEntryRow, LogNodeRow, LogStateRow

E = LogEntryRow.__table__  # type: ignore[attr-defined]
N = LogNodeRow.__table__  # type: ignore[attr-defined]
S = LogStateRow.__table__  # type: ignore[attr-defined]
C = CheckpointRow.__table__  # type: ignore[attr-defined]

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class LogHead:
    size: int
    root: bytes


class _Prefetched:
    """A NodeReader over nodes fetched in one query."""

    def __init__(self, conn: Connection, ids: Sequence[NodeId]) -> None:
        self._nodes: dict[NodeId, bytes] = {}
        wanted = sorted(set(ids))
        for chunk in range(0, len(wanted), 200):
            part = wanted[chunk : chunk + 200]
            # OR of (level, idx) pairs, not a row-value IN: SQLite answers the latter with a
            # full scan of log_nodes, the former with one primary-key probe per node.
            rows = conn.execute(
                select(N.c.level, N.c.idx, N.c.hash).where(
                    or_(*(and_(N.c.level == lv, N.c.idx == ix) for lv, ix in part))
                )
            )
            for level, idx, value in rows:
                self._nodes[(level, idx)] = bytes(value)

    def get(self, level: int, index: int) -> bytes:
        return self._nodes[(level, index)]


def ensure_state(conn: Connection) -> None:
    """Create the sequencer row when the log is new (idempotent)."""
    if conn.execute(select(S.c.id).where(S.c.id == 1)).first() is None:
        conn.execute(insert(S).values(id=1, size=0, compact_range=b""))


def append(conn: Connection, entries: Sequence[bytes]) -> int:
    """Append ``entries`` (exact RFC 8785 bytes) in the caller's transaction; returns the
    index of the first one."""
    if not entries:
        raise ValueError("nothing to append")
    stmt = select(S.c.size, S.c.compact_range).where(S.c.id == 1)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is None:
        ensure_state(conn)
        row = conn.execute(stmt).first()
        assert row is not None
    size, packed = int(row[0]), bytes(row[1])
    leaves = [leaf_hash(e) for e in entries]
    grown = append_leaves(size, decode_compact_range(packed, size), leaves)
    conn.execute(
        insert(E),
        [
            {"idx": size + i, "entry": e, "leaf_hash": h}
            for i, (e, h) in enumerate(zip(entries, leaves, strict=True))
        ],
    )
    conn.execute(insert(N), [{"level": lv, "idx": ix, "hash": hv} for lv, ix, hv in grown.nodes])
    conn.execute(
        update(S)
        .where(S.c.id == 1)
        .values(size=grown.size, compact_range=encode_compact_range(grown.compact_range))
    )
    return size


def head(conn: Connection) -> LogHead:
    row = conn.execute(select(S.c.size, S.c.compact_range).where(S.c.id == 1)).first()
    if row is None:
        return LogHead(0, compact_range_root(()))
    size = int(row[0])
    return LogHead(size, compact_range_root(decode_compact_range(bytes(row[1]), size)))


def entries(conn: Connection, start: int, end: int) -> list[tuple[int, bytes]]:
    """Entries ``start..end-1`` (at most :data:`MAX_PAGE`)."""
    end = min(end, start + MAX_PAGE)
    rows = conn.execute(
        select(E.c.idx, E.c.entry).where(E.c.idx >= start, E.c.idx < end).order_by(E.c.idx)
    )
    return [(int(i), bytes(e)) for i, e in rows]


def _check_size(conn: Connection, size: int, what: str) -> None:
    current = head(conn).size
    if size < 0 or size > current:
        raise InputError(
            f"{what} {size} is outside the log (size {current})",
            [Problem(f"/{what}", f"must be between 0 and {current}")],
        )


def root_at(conn: Connection, size: int) -> bytes:
    _check_size(conn, size, "tree_size")
    return root_from(_Prefetched(conn, root_nodes(size)), size)


def inclusion_proof(conn: Connection, index: int, size: int) -> list[bytes]:
    _check_size(conn, size, "tree_size")
    if not 0 <= index < size:
        raise InputError(
            f"index {index} is not in a tree of {size}",
            [Problem("/index", f"must be between 0 and {size - 1}")],
        )
    reader = _Prefetched(conn, inclusion_nodes(index, size))
    return inclusion_proof_from(reader, index, size)


def consistency_proof(conn: Connection, first: int, second: int) -> list[bytes]:
    _check_size(conn, second, "second")
    if not 0 <= first <= second:
        raise InputError(
            f"first {first} must be between 0 and second {second}",
            [Problem("/first", f"must be between 0 and {second}")],
        )
    reader = _Prefetched(conn, consistency_nodes(first, second))
    return consistency_proof_from(reader, first, second)


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

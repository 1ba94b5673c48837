"""The durable outbox: claiming transfers for delivery and recording outcomes.

A claim marks transfers ``in_flight`` with a lease (``claimed_by``, ``claimed_until``) in one
statement. On PostgreSQL the candidate rows are picked with ``FOR UPDATE SKIP LOCKED`` so
several hub processes claim disjoint sets without waiting on each other; on SQLite the single
writer lock (``BEGIN IMMEDIATE``) gives the same exclusivity. A lease that runs out (the
process died mid-delivery) makes the transfer claimable again: it is redelivered with the
same transfer id, and receivers drop the duplicate. Outcomes are fenced by the claim: a
worker whose lease was taken over records nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)

from saphan.store.prepared import Prepared
from saphan.store.tables import TransferRow

T = TransferRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Claimed:
    id: str
    case_id: str
    to_agency: str
    format: str
    kind: str
    sealed_payload: bytes
    payload_sha256: str
    attempts: int
    created_at: datetime


def _claimable(now: datetime, mode: str, agency: str | None = None) -> object:
    cond = and_(
        T.c.mode == mode,
        or_(
            and_(T.c.state == "pending", T.c.next_attempt_at <= now),
            and_(T.c.state == "in_flight", T.c.claimed_until < now),
        ),
    )
    if agency is not None:
        cond = and_(cond, T.c.to_agency == agency)
    return cond


def _sqlite_pick(now: datetime, mode: str, agency: str | None, limit: int) -> Any:
    """Due ids as two index-ordered selects joined with UNION ALL.

    SQLite answers the single OR query by sorting every due row (67 ms with 100,000 queued);
    each branch here walks the (state, next_attempt_at) index and stops at ``limit``.
    """
    extra = [T.c.to_agency == agency] if agency is not None else []
    due = (
        select(T.c.id)
        .where(T.c.state == "pending", T.c.next_attempt_at <= now, T.c.mode == mode, *extra)
        .order_by(T.c.next_attempt_at)
        .limit(limit)
        .subquery()
    )
    expired = (
        select(T.c.id)
        .where(T.c.state == "in_flight", T.c.claimed_until < now, T.c.mode == mode, *extra)
        .order_by(T.c.claimed_until)
        .limit(limit)
        .subquery()
    )
    both = union_all(select(expired.c.id), select(due.c.id)).subquery()
    return select(both.c.id).limit(limit).scalar_subquery()


def claim(
    conn: Connection,
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    mode: str = "push",
    agency: str | None = None,
) -> list[Claimed]:
    """Claim up to ``limit`` due transfers for ``worker`` (in the caller's transaction)."""
    if conn.dialect.name == "postgresql":
        pick = (
            select(T.c.id)
            .where(_claimable(now, mode, agency))  # type: ignore[arg-type]
            .order_by(T.c.next_attempt_at, T.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).scalar_subquery()
    else:
        pick = _sqlite_pick(now, mode, agency, limit)
    stmt = (
        update(T)
        .where(T.c.id.in_(pick))
        .values(state="in_flight", claimed_by=worker, claimed_until=now + lease)
        .returning(
            T.c.id,
            T.c.case_id,
            T.c.to_agency,
            T.c.format,
            T.c.kind,
            T.c.sealed_payload,
            T.c.payload_sha256,
            T.c.attempts,
            T.c.created_at,
        )
    )
    rows = conn.execute(stmt).all()
    return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)


def _delivered_stmt(fenced: bool) -> Prepared:
    cond = [T.c.id == bindparam("transfer_id"), T.c.state == literal_column("'in_flight'")]
    if fenced:
        cond.append(T.c.claimed_by == bindparam("worker"))
    return Prepared(
        update(T)
        .where(*cond)
        .values(
            state=literal_column("'delivered'"),
            delivered_at=bindparam("now"),
            receipt=bindparam("receipt"),
            claimed_by=null(),
            claimed_until=null(),
            last_error=null(),
        )
    )


_DELIVERED = {True: _delivered_stmt(True), False: _delivered_stmt(False)}


def mark_delivered(
    conn: Connection, transfer_id: str, *, worker: str | None, now: datetime, receipt: str
) -> bool:
    """Record a verified delivery; False when the claim was lost (nothing recorded)."""
    values = {"transfer_id": transfer_id, "now": now, "receipt": receipt}
    if worker is not None:
        values["worker"] = worker
    return _DELIVERED[worker is not None].run(conn, values) > 0


def mark_failed(
    conn: Connection,
    transfer_id: str,
    *,
    worker: str | None,
    error: str,
    next_attempt_at: datetime | None,
) -> bool:
    """Record a failed attempt: back to ``pending`` at ``next_attempt_at``, or ``dead``."""
    cond = [T.c.id == transfer_id, T.c.state == "in_flight"]
    if worker is not None:
        cond.append(T.c.claimed_by == worker)
    values: dict[str, object] = {
        "attempts": T.c.attempts + 1,
        "last_error": error[:500],
        "claimed_by": None,
        "claimed_until": None,
    }
    if next_attempt_at is None:
        values["state"] = "dead"
    else:
        values["state"] = "pending"
        values["next_attempt_at"] = next_attempt_at
    result = conn.execute(update(T).where(*cond).values(**values))
    return bool(result.rowcount)


def replay(conn: Connection, transfer_ids: Sequence[str], *, now: datetime) -> list[str]:
    """Put dead-lettered transfers back in the queue (same transfer ids); returns those moved."""
    rows = conn.execute(
        update(T)
        .where(T.c.id.in_(list(transfer_ids)), T.c.state == "dead")
        .values(state="pending", next_attempt_at=now, attempts=0, last_error=None)
        .returning(T.c.id)
    ).all()
    return [r[0] for r in rows]

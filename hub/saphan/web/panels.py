"""What the operator console reads: queues, retries, overdue work, the log's checkpoint,
daily volumes, delivery latency, recent operator actions, one transfer or quarantined record.

Read-only queries on the shared store, so every hub process shows the same picture.
Operators see codes, ids, agencies, times, error texts and counts. The only sealed data
opened here are a quarantined record's problems (they may quote the sender), as
:func:`saphan.engine.operations.list_quarantine` does; the record's raw bytes are opened only
through :func:`saphan.engine.operations.quarantined_raw`, which records the read.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select

from saphan.engine.cases import CASES, EVENTS, TRANSFERS
from saphan.engine.intake import QUARANTINE
from saphan.engine.operations import ACTIONS
from saphan.engine.ratings import CLOSED
from saphan.engine.services import Services
from saphan.errors import HubError
from saphan.reference.calendar import thai_date
from saphan.store import log as transfer_log

VOLUME_DAYS = 14
LATENCY_DAYS = 7
LATENCY_SAMPLE = 5000
LIST_LIMIT = 100


@dataclass
class Queue:
    agency: str
    pending: int = 0
    in_flight: int = 0
    retrying: int = 0
    dead: int = 0
    overdue: int = 0


@dataclass
class Overview:
    queues: list[Queue]
    retrying: list[dict[str, Any]]
    overdue: list[dict[str, Any]]
    log_size: int
    checkpoint: dict[str, Any] | None
    volumes: list[tuple[date, int]]
    latency: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    now: datetime
    overdue_by_agency: list[tuple[str, int]] = field(default_factory=list)


def _open_case() -> Any:
    return CASES.c.status.not_in(sorted(CLOSED))


def queues(conn: Connection) -> list[Queue]:
    rows: dict[str, Queue] = {}

    def q(agency: str) -> Queue:
        return rows.setdefault(agency, Queue(agency))

    for agency, state, retried, n in conn.execute(
        select(
            TRANSFERS.c.to_agency,
            TRANSFERS.c.state,
            TRANSFERS.c.attempts > 0,
            func.count(),
        )
        .where(TRANSFERS.c.state.in_(["pending", "in_flight", "dead"]))
        .group_by(TRANSFERS.c.to_agency, TRANSFERS.c.state, TRANSFERS.c.attempts > 0)
    ):
        entry = q(agency)
        if state == "dead":
            entry.dead += n
            continue
        if state == "pending":
            entry.pending += n
        else:
            entry.in_flight += n
        if retried:
            entry.retrying += n
    for agency, n in conn.execute(
        select(TRANSFERS.c.to_agency, func.count())
        .join(CASES, CASES.c.id == TRANSFERS.c.case_id)
        .where(TRANSFERS.c.overdue_at.is_not(None), _open_case())
        .group_by(TRANSFERS.c.to_agency)
    ):
        q(agency).overdue += n
    return sorted(rows.values(), key=lambda r: r.agency)


def retrying(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            TRANSFERS.c.id,
            TRANSFERS.c.case_id,
            TRANSFERS.c.to_agency,
            TRANSFERS.c.kind,
            TRANSFERS.c.attempts,
            TRANSFERS.c.last_error,
            TRANSFERS.c.next_attempt_at,
            TRANSFERS.c.state,
        )
        .where(TRANSFERS.c.state.in_(["pending", "in_flight"]), TRANSFERS.c.attempts > 0)
        .order_by(TRANSFERS.c.next_attempt_at, TRANSFERS.c.id)
        .limit(LIST_LIMIT)
    ).all()
    return [
        {
            "transfer_id": r[0],
            "case_id": r[1],
            "to": r[2],
            "kind": r[3],
            "attempts": r[4],
            "last_error": r[5],
            "next_attempt_at": r[6],
            "state": r[7],
        }
        for r in rows
    ]


def overdue(conn: Connection, today: date) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            TRANSFERS.c.id,
            TRANSFERS.c.to_agency,
            TRANSFERS.c.deadline,
            CASES.c.origin_ref,
            CASES.c.status,
        )
        .join(CASES, CASES.c.id == TRANSFERS.c.case_id)
        .where(TRANSFERS.c.overdue_at.is_not(None), _open_case())
        .order_by(TRANSFERS.c.deadline, TRANSFERS.c.id)
        .limit(LIST_LIMIT)
    ).all()
    return [
        {
            "transfer_id": r[0],
            "to": r[1],
            "deadline": r[2],
            "days_late": (today - r[2]).days if r[2] else None,
            "tracking_no": r[3],
            "status": r[4],
        }
        for r in rows
    ]


def _thai_day(conn: Connection, column: Any) -> Any:
    if conn.dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Bangkok", column))
    return func.date(column, "+7 hours")


def volumes(conn: Connection, now: datetime) -> list[tuple[date, int]]:
    """Cases received per Thai calendar day over the last :data:`VOLUME_DAYS` days."""
    today = thai_date(now)
    first = today - timedelta(days=VOLUME_DAYS - 1)
    day = _thai_day(conn, CASES.c.created_at)
    counts: dict[date, int] = {}
    for value, n in conn.execute(
        select(day, func.count())
        .where(CASES.c.created_at >= now - timedelta(days=VOLUME_DAYS + 1))
        .group_by(day)
    ):
        d = value if isinstance(value, date) else date.fromisoformat(str(value))
        counts[d] = int(n)
    return [
        (first + timedelta(days=i), counts.get(first + timedelta(days=i), 0))
        for i in range(VOLUME_DAYS)
    ]


def latency(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """Median and 90th percentile of queue-to-receipt time per receiving agency, over the
    latest :data:`LATENCY_SAMPLE` deliveries of the last :data:`LATENCY_DAYS` days."""
    rows = conn.execute(
        select(TRANSFERS.c.to_agency, TRANSFERS.c.created_at, TRANSFERS.c.delivered_at)
        .where(
            TRANSFERS.c.state == "delivered",
            TRANSFERS.c.delivered_at >= now - timedelta(days=LATENCY_DAYS),
        )
        .order_by(TRANSFERS.c.delivered_at.desc())
        .limit(LATENCY_SAMPLE)
    ).all()
    waits: dict[str, list[float]] = defaultdict(list)
    for agency, created, delivered in rows:
        waits[agency].append(max(0.0, (delivered - created).total_seconds()))
    out = []
    for agency, values in sorted(waits.items()):
        values.sort()
        p90 = values[-1] if len(values) < 2 else statistics.quantiles(values, n=10)[-1]
        out.append(
            {
                "agency": agency,
                "median_s": statistics.median(values),
                "p90_s": min(p90, values[-1]),
                "n": len(values),
            }
        )
    return out


def actions(conn: Connection, limit: int = 20) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            ACTIONS.c.at, ACTIONS.c.operator, ACTIONS.c.action, ACTIONS.c.target, ACTIONS.c.outcome
        )
        .order_by(ACTIONS.c.id.desc())
        .limit(limit)
    ).all()
    return [
        {"at": r[0], "operator": r[1], "action": r[2], "target": r[3], "outcome": r[4]}
        for r in rows
    ]


def checkpoint(conn: Connection, now: datetime) -> dict[str, Any] | None:
    latest = transfer_log.latest_checkpoint(conn)
    if latest is None:
        return None
    size, text, created = latest
    return {
        "size": size,
        "text": text,
        "created_at": created,
        "age_s": (now - created).total_seconds(),
    }


def overview(svc: Services) -> Overview:
    now = svc.clock.now()
    with svc.db.reader.connect() as conn:
        q = queues(conn)
        return Overview(
            queues=q,
            retrying=retrying(conn),
            overdue=overdue(conn, thai_date(now)),
            log_size=transfer_log.head(conn).size,
            checkpoint=checkpoint(conn, now),
            volumes=volumes(conn, now),
            latency=latency(conn, now),
            actions=actions(conn),
            now=now,
            overdue_by_agency=[(r.agency, r.overdue) for r in q if r.overdue],
        )


def transfer(svc: Services, transfer_id: str) -> dict[str, Any] | None:
    """One transfer's delivery state and history (no payload)."""
    with svc.db.reader.connect() as conn:
        row = (
            conn.execute(
                select(
                    TRANSFERS.c.id,
                    TRANSFERS.c.case_id,
                    TRANSFERS.c.kind,
                    TRANSFERS.c.from_agency,
                    TRANSFERS.c.to_agency,
                    TRANSFERS.c.format,
                    TRANSFERS.c.mode,
                    TRANSFERS.c.state,
                    TRANSFERS.c.attempts,
                    TRANSFERS.c.last_error,
                    TRANSFERS.c.created_at,
                    TRANSFERS.c.next_attempt_at,
                    TRANSFERS.c.delivered_at,
                    TRANSFERS.c.deadline,
                    TRANSFERS.c.overdue_at,
                ).where(TRANSFERS.c.id == transfer_id)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        history = conn.execute(
            select(EVENTS.c.at, EVENTS.c.kind, EVENTS.c.agency, EVENTS.c.code, EVENTS.c.log_index)
            .where(EVENTS.c.transfer_id == transfer_id)
            .order_by(EVENTS.c.id)
        ).all()
    return {
        **dict(row),
        "history": [
            {"at": h[0], "kind": h[1], "agency": h[2], "code": h[3], "log_index": h[4]}
            for h in history
        ],
    }


def quarantined(svc: Services, qid: str) -> dict[str, Any] | None:
    """One quarantined record (without its bytes) and, once replayed, where its case went."""
    with svc.db.reader.connect() as conn:
        row = (
            conn.execute(
                select(
                    QUARANTINE.c.id,
                    QUARANTINE.c.sender,
                    QUARANTINE.c.format,
                    QUARANTINE.c.created_at,
                    QUARANTINE.c.record_index,
                    QUARANTINE.c.problems,
                    QUARANTINE.c.sealed_problems,
                    QUARANTINE.c.state,
                    QUARANTINE.c.case_id,
                    QUARANTINE.c.resolved_by,
                    QUARANTINE.c.resolved_at,
                ).where(QUARANTINE.c.id == qid)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        item = dict(row)
        paths, sealed = json.loads(item.pop("problems")), item.pop("sealed_problems")
        try:
            item["errors"] = json.loads(svc.vault.open(conn, qid, bytes(sealed))) if sealed else []
        except HubError:  # erased: only the paths remain
            item["errors"] = [{"path": path, "message": ""} for path in paths]
        item["transfers"] = []
        item["tracking_no"] = None
        if item["case_id"]:
            item["tracking_no"] = conn.execute(
                select(CASES.c.origin_ref).where(CASES.c.id == item["case_id"])
            ).scalar()
            item["transfers"] = [
                {"transfer_id": t[0], "to": t[1], "kind": t[2], "state": t[3]}
                for t in conn.execute(
                    select(
                        TRANSFERS.c.id, TRANSFERS.c.to_agency, TRANSFERS.c.kind, TRANSFERS.c.state
                    )
                    .where(and_(TRANSFERS.c.case_id == item["case_id"]))
                    .order_by(TRANSFERS.c.created_at, TRANSFERS.c.id)
                )
            ]
    return item

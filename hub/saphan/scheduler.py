"""Scheduled jobs of a hub process (APScheduler), each idempotent across processes.

* ``checkpoint``: signs a checkpoint when the log grew (every few seconds while entries
  arrive). It runs under the log's sequencer lock and only for a larger size, so two
  processes never sign two different heads, and never two inconsistent checkpoints.
* ``overdue``: marks transfers whose working-day deadline passed while the case is still
  open. One ``UPDATE ... WHERE overdue_at IS NULL`` claims each transfer exactly once, so
  every overdue transfer is recorded, logged and notified once, whichever process runs it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import and_, insert, select, update

from saphan.engine import cases as store_cases
from saphan.engine.cases import CASES, TRANSFERS
from saphan.engine.services import Services
from saphan.ledger.entries import OverdueEntry, case_commitment
from saphan.logs import bind
from saphan.reference.calendar import THAI_TZ, thai_date
from saphan.store import log as transfer_log
from saphan.store.tables import AlertRow

log = logging.getLogger("saphan.scheduler")
ALERTS = AlertRow.__table__  # type: ignore[attr-defined]
OPEN = ("received", "forwarded", "accepted", "in_progress", "escalated")


def sign_checkpoint(svc: Services) -> str | None:
    with svc.db.writer.begin() as conn:
        return transfer_log.sign_new_checkpoint(
            conn, origin=svc.settings.log_origin, key=svc.keys.current.private, now=svc.clock.now()
        )


OVERDUE_BATCH = 500


def mark_overdue(svc: Services) -> int:
    """Mark every transfer past its deadline on an open case; returns how many.

    In batches of :data:`OVERDUE_BATCH`, one transaction each, so a large sweep never holds
    the writer lock long enough to stall deliveries.
    """
    total = 0
    while True:
        marked = _mark_overdue_batch(svc)
        total += marked
        if marked < OVERDUE_BATCH:
            return total


def _mark_overdue_batch(svc: Services) -> int:
    now = svc.clock.now()
    today = thai_date(now)
    marked = 0
    due = (
        select(TRANSFERS.c.id)
        .where(
            and_(
                TRANSFERS.c.overdue_at.is_(None),
                TRANSFERS.c.deadline.is_not(None),
                TRANSFERS.c.deadline < today,
                TRANSFERS.c.kind == "forward",
                TRANSFERS.c.case_id.in_(select(CASES.c.id).where(CASES.c.status.in_(OPEN))),
            )
        )
        .limit(OVERDUE_BATCH)
        .scalar_subquery()
    )
    with svc.db.writer.begin() as conn:
        rows = conn.execute(
            update(TRANSFERS)
            .where(TRANSFERS.c.id.in_(due), TRANSFERS.c.overdue_at.is_(None))
            .values(overdue_at=now)
            .returning(
                TRANSFERS.c.id, TRANSFERS.c.case_id, TRANSFERS.c.to_agency, TRANSFERS.c.deadline
            )
        ).all()
        for transfer_id, case_id, agency, deadline in rows:
            with bind(case_id=case_id, transfer_id=transfer_id):
                commitment = case_commitment(case_id, store_cases.salt_of(conn, case_id))
                end_of_day = datetime.combine(deadline, datetime.max.time(), THAI_TZ).astimezone(
                    UTC
                )
                entry = OverdueEntry(
                    case=commitment,
                    time=now,
                    agency=agency,
                    deadline=end_of_day.replace(microsecond=0),
                    transfer_id=transfer_id,
                )
                index = transfer_log.append(conn, [entry.to_bytes()])
                store_cases.add_event(
                    conn,
                    case_id,
                    now,
                    "overdue",
                    agency=agency,
                    transfer_id=transfer_id,
                    log_index=index,
                )
                conn.execute(
                    insert(ALERTS).values(
                        at=now,
                        kind="overdue",
                        case_id=case_id,
                        transfer_id=transfer_id,
                        agency=agency,
                        message=f"{agency} passed its deadline {deadline.isoformat()}",
                    )
                )
                svc.metrics.overdue_marked.labels(agency).inc()
                log.warning("transfer to %s is overdue (deadline %s)", agency, deadline.isoformat())
                marked += 1
    return marked


def _guarded(name: str, job: Any, svc: Services) -> None:
    try:
        job(svc)
        svc.job_status[name] = ("ok", svc.clock.now())
    except Exception as exc:  # a failed run is reported; the next run tries again
        svc.job_status[name] = (f"error: {type(exc).__name__}", svc.clock.now())
        log.exception("scheduled job %s failed", name)


def _every(
    scheduler: AsyncIOScheduler,
    seconds: float,
    name: str,
    job: Any,
    svc: Services,
    *,
    run_now: bool = False,
) -> None:
    """Run ``job`` every ``seconds``, one run at a time, missed runs merged into one."""
    # Without next_run_time the first run waits one interval; passing None instead would
    # add the job paused.
    first = {"next_run_time": datetime.now(UTC)} if run_now else {}
    scheduler.add_job(
        _guarded,
        "interval",
        seconds=seconds,
        args=[name, job, svc],
        id=name,
        max_instances=1,
        coalesce=True,
        **first,
    )


def start(svc: Services) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=UTC)
    s = svc.settings
    _every(scheduler, s.checkpoint_interval_s, "checkpoint", sign_checkpoint, svc)
    _every(scheduler, s.overdue_interval_s, "overdue", mark_overdue, svc, run_now=True)
    scheduler.start()
    return scheduler

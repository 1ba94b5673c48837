"""Counts read from the store for metrics and the console (shared truth of all processes)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select

from saphan.engine.cases import TRANSFERS
from saphan.engine.intake import QUARANTINE
from saphan.engine.services import Services
from saphan.store.tables import LogStateRow

STATE = LogStateRow.__table__  # type: ignore[attr-defined]


def store_counts(svc: Services) -> Mapping[str, Mapping[tuple[str, ...], float]]:
    with svc.db.reader.connect() as conn:
        queue: dict[tuple[str, ...], float] = {
            (agency, state): float(n)
            for agency, state, n in conn.execute(
                select(TRANSFERS.c.to_agency, TRANSFERS.c.state, func.count())
                .where(TRANSFERS.c.state.in_(["pending", "in_flight"]))
                .group_by(TRANSFERS.c.to_agency, TRANSFERS.c.state)
            )
        }
        dead: dict[tuple[str, ...], float] = {
            (agency,): float(n)
            for agency, n in conn.execute(
                select(TRANSFERS.c.to_agency, func.count())
                .where(TRANSFERS.c.state == "dead")
                .group_by(TRANSFERS.c.to_agency)
            )
        }
        overdue: dict[tuple[str, ...], float] = {
            (agency,): float(n)
            for agency, n in conn.execute(
                select(TRANSFERS.c.to_agency, func.count())
                .where(TRANSFERS.c.overdue_at.is_not(None))
                .group_by(TRANSFERS.c.to_agency)
            )
        }
        quarantined = conn.execute(
            select(func.count()).select_from(QUARANTINE).where(QUARANTINE.c.state == "open")
        ).scalar_one()
        size = conn.execute(select(STATE.c.size).where(STATE.c.id == 1)).scalar() or 0
    return {
        "queue": queue,
        "dead": dead,
        "overdue": overdue,
        "quarantine": {(): float(quarantined)},
        "log": {(): float(size)},
    }

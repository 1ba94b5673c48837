"""Erasure of a complainant's personal data (PDPA), keeping the log verifiable.

Erasing a case destroys every data key that sealed its personal data: the case's own (its
document, every rendered payload, rating comments), the keys of the messages that brought it
in (a 1111 batch message goes as a whole: its other records live on in their own cases) and
of quarantined records that became it. Sealed bytes without a key are noise; they are also
overwritten where the column allows. The case's salt is replaced, so its log entries can no
longer be linked to it. The log itself is untouched and still verifies; an ``erasure``
entry records that the erasure happened (codes only).
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import select, update

from saphan.engine import cases as store_cases
from saphan.engine.cases import CASES, EVENTS, TRANSFERS
from saphan.engine.intake import INBOUND, QUARANTINE
from saphan.engine.operations import record_action
from saphan.engine.services import Services
from saphan.errors import ConflictError, NotFoundError, Problem
from saphan.ledger.entries import ErasureEntry, case_commitment
from saphan.logs import bind
from saphan.store import log as transfer_log
from saphan.store.tables import RatingRow

RATINGS = RatingRow.__table__  # type: ignore[attr-defined]


def erase_case(
    svc: Services, case_id: str, operator: str, basis: str = "pdpa-request"
) -> dict[str, Any]:
    now = svc.clock.now()
    with svc.db.writer.begin() as conn, bind(case_id=case_id):
        row = conn.execute(select(CASES.c.erased_at).where(CASES.c.id == case_id)).first()
        if row is None:
            raise NotFoundError(f"no case {case_id}", [Problem("/case_id", "no such case")])
        if row[0] is not None:
            raise ConflictError(
                f"case {case_id} is already erased", [Problem("/case_id", "erased")]
            )
        commitment = case_commitment(case_id, store_cases.salt_of(conn, case_id))
        messages = [
            r[0]
            for r in conn.execute(
                select(EVENTS.c.message_id).where(
                    EVENTS.c.case_id == case_id, EVENTS.c.message_id.is_not(None)
                )
            )
        ]
        quarantined = [
            r[0]
            for r in conn.execute(select(QUARANTINE.c.id).where(QUARANTINE.c.case_id == case_id))
        ]
        owners = [case_id, *messages, *quarantined]
        for owner in owners:
            svc.vault.erase(conn, owner)
        conn.execute(
            update(CASES)
            .where(CASES.c.id == case_id)
            .values(sealed_doc=None, erased_at=now, salt=os.urandom(32), rating_token_hash=None)
        )
        conn.execute(
            update(TRANSFERS).where(TRANSFERS.c.case_id == case_id).values(sealed_payload=b"")
        )
        # Undelivered transfers cannot go out any more: their bytes no longer exist.
        conn.execute(
            update(TRANSFERS)
            .where(
                TRANSFERS.c.case_id == case_id,
                TRANSFERS.c.state.in_(["pending", "in_flight", "dead"]),
            )
            .values(state="erased", claimed_by=None, claimed_until=None)
        )
        conn.execute(
            update(RATINGS).where(RATINGS.c.case_id == case_id).values(sealed_comment=None)
        )
        if messages:
            conn.execute(update(INBOUND).where(INBOUND.c.id.in_(messages)).values(sealed_body=b""))
        if quarantined:
            conn.execute(
                update(QUARANTINE)
                .where(QUARANTINE.c.id.in_(quarantined))
                .values(sealed_raw=b"", sealed_problems=None)
            )
        entry = ErasureEntry(case=commitment, time=now, scope=("personal-data",), basis=basis)
        index = transfer_log.append(conn, [entry.to_bytes()])
        store_cases.add_event(conn, case_id, now, "erasure", code=basis, log_index=index)
        record_action(conn, svc, operator, "case.erase", case_id, "erased")
    return {
        "case_id": case_id,
        "erased_at": now.isoformat(),
        "log_index": index,
        "keys_destroyed": len(owners),
    }

"""Accepting one routable case: stored (or merged into the case the hub already knows),
routed, handed on as transfers, written to the transfer log, and receipted.

:func:`accept_case` runs inside the caller's transaction (an intake's, or an operator's
replay of a quarantined record) and returns what the answer says about the case. It does
not read messages, decide what is refused or store answers: that is
:mod:`saphan.engine.intake`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, update

from saphan.canonical import Case
from saphan.engine import cases as store_cases
from saphan.engine import transfers
from saphan.engine.cases import CASES, INSERT_CASE, new_id
from saphan.engine.services import HUB_CODE, Services
from saphan.ledger.entries import (
    EscalationEntry,
    IntakeEntry,
    RouteDecision,
    RouteEntry,
    case_commitment,
    new_case_salt,
)
from saphan.ledger.receipts import ReceiptPayload, issue_receipt
from saphan.logs import bind
from saphan.reference.calendar import thai_date
from saphan.store import log as transfer_log
from saphan.store.prepared import Prepared

_HANDED_ON = Prepared(
    update(CASES)
    .where(CASES.c.id == bindparam("case_id"))
    .values(holder=bindparam("holder"), deadline=bindparam("deadline"))
)


def accept_case(
    conn: Connection,
    svc: Services,
    fmt: str,
    sender: str,
    case: Case,
    now: datetime,
    *,
    message_sha: str,
    record: int | None = None,
    message_id: str | None = None,
) -> dict[str, Any]:
    """Store (or merge), route, queue and log one valid case; return its answer part."""
    existing = store_cases.find_by_ref(conn, case.origin.system.value, case.origin.ref)
    rating_token: str | None = None
    if existing is None:
        case_id = new_id()
        salt = new_case_salt()
        data_key = svc.vault.new_owner(conn, case_id)
        rating_token = secrets.token_urlsafe(18)
        INSERT_CASE.run(
            conn,
            dict(
                id=case_id,
                created_at=now,
                origin_system=case.origin.system.value,
                origin_ref=case.origin.ref,
                sender=sender,
                source_format=fmt,
                status=case.status.code.value,
                status_at=case.status.at,
                holder=sender,
                complexity=case.complexity.value,
                protected=case.identity_protected,
                salt=salt,
                sealed_doc=svc.vault.seal(conn, case_id, case.model_dump_json().encode(), data_key),
                rating_token_hash=hashlib.sha256(rating_token.encode()).hexdigest(),
            ),
        )
        store_cases.add_refs(conn, case_id, [case.origin, *case.references])
        already: set[str] = {sender}
    else:
        case_id = existing
        data_key = None
        salt = store_cases.salt_of(conn, case_id)
        case = store_cases.merge(store_cases.load_case(conn, svc.vault, case_id), case)
        store_cases.save_case(conn, svc.vault, case_id, case)
        store_cases.add_refs(conn, case_id, case.references)
        already = set(store_cases.holders(conn, case_id))
    commitment = case_commitment(case_id, salt)
    with bind(case_id=case_id):
        decisions = svc.policy.route(case, fmt, sender, svc.directory, thai_date(now))
        entries: list[Any] = [
            IntakeEntry(
                case=commitment,
                time=now,
                sender=sender,
                format=fmt,
                message_sha256=message_sha,
                record=record,
            )
        ]
        fresh = [d for d in decisions if d.agency not in already]
        if fresh:
            entries.append(
                RouteEntry(
                    case=commitment,
                    time=now,
                    destinations=tuple(
                        RouteDecision(agency=d.agency, rule=d.rule, deadline=d.deadline)
                        for d in fresh
                    ),
                )
            )
        created = [
            transfers.create(
                conn,
                svc.vault,
                case_id=case_id,
                case=case,
                commitment=commitment,
                agency=svc.directory.get(d.agency),
                from_agency=sender,
                kind="copy" if d.copy else "forward",
                rule=d.rule,
                deadline=d.deadline,
                now=now,
                data_key=data_key,
            )
            for d in fresh
        ]
        entries.extend(t.entry for t in created)
        forwards = [t for t in created if t.kind == "forward"]
        if case.escalation is not None and forwards:
            entries.append(
                EscalationEntry(
                    case=commitment,
                    time=now,
                    from_agency=sender,
                    to_agency=forwards[0].to_agency,
                    reason=case.escalation.reason,
                )
            )
        if forwards:
            _HANDED_ON.run(
                conn,
                {
                    "case_id": case_id,
                    "holder": forwards[0].to_agency,
                    "deadline": forwards[0].deadline,
                },
            )
        # The log's sequencer is held from here to the commit (on PostgreSQL, a row lock
        # every other intake waits for): only what needs the log index comes after it.
        first = transfer_log.append(conn, [e.to_bytes() for e in entries])
        receipt = issue_receipt(
            ReceiptPayload(
                case_id=case_id,
                transfer_id=None,
                sender=sender,
                receiver=HUB_CODE,
                sha256=message_sha,
                time=now,
                log_index=first,
            ),
            svc.keys.current,
        )
        store_cases.add_events(
            conn,
            [
                store_cases.event_row(
                    case_id,
                    now,
                    "intake",
                    agency=sender,
                    status=case.status.code.value,
                    log_index=first,
                    receipt=receipt,
                    message_id=message_id,
                ),
                *(
                    store_cases.event_row(
                        case_id,
                        now,
                        "transfer",
                        agency=sender,
                        to_agency=t.to_agency,
                        transfer_id=t.id,
                        code=t.kind,
                        log_index=first + entries.index(t.entry),
                    )
                    for t in created
                ),
            ],
        )
    out: dict[str, Any] = {
        "case_id": case_id,
        "tracking_no": case.origin.ref,
        "transfers": [t.answer() for t in created],
        "receipt": receipt,
        "log_index": first,
        "warnings": [w.model_dump() for w in case.warnings],
    }
    if rating_token is not None:
        out["rating_token"] = rating_token
    return out

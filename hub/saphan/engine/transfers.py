"""Turning routing decisions and status changes into durable transfers (the outbox).

A transfer is created with its exact payload bytes, rendered for its receiver at the time
of the hand-over and sealed with the case's data key; every delivery attempt and every
redelivery sends those same bytes under the same transfer id, and the receipt names
their SHA-256. Each new transfer is recorded in the transfer log in the same transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import Connection

from saphan.canonical import Case
from saphan.directory.model import Agency, PushDelivery
from saphan.engine.cases import INSERT_TRANSFER, new_id
from saphan.engine.render import render_for
from saphan.ledger.entries import TransferEntry
from saphan.store.vault import Vault


@dataclass(frozen=True, slots=True)
class NewTransfer:
    id: str
    to_agency: str
    kind: str
    rule: str | None
    deadline: date | None
    mode: str
    payload_sha256: str
    entry: TransferEntry

    def answer(self) -> dict[str, object]:
        return {
            "transfer_id": self.id,
            "to": self.to_agency,
            "kind": self.kind,
            "rule": self.rule,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "mode": self.mode,
        }


def create(
    conn: Connection,
    vault: Vault,
    *,
    case_id: str,
    case: Case,
    commitment: str,
    agency: Agency,
    from_agency: str,
    kind: str,
    rule: str | None,
    deadline: date | None,
    now: datetime,
    data_key: bytes | None = None,
    copy_holder: bool = False,
) -> NewTransfer:
    """Render, seal and queue one transfer (in the caller's transaction).

    ``copy_holder``: the receiver holds the case only as a copy for information, so a status
    transfer to it is written without the complainant's identity, like the copy was.
    """
    payload = render_for(case, agency, copy=kind == "copy" or copy_holder, sent_at=now)
    digest = hashlib.sha256(payload).hexdigest()
    transfer_id = new_id()
    mode: Literal["push", "pull"] = "push" if isinstance(agency.delivery, PushDelivery) else "pull"
    INSERT_TRANSFER.run(
        conn,
        dict(
            id=transfer_id,
            case_id=case_id,
            kind=kind,
            from_agency=from_agency,
            to_agency=agency.code,
            format=agency.format,
            mode=mode,
            rule=rule,
            created_at=now,
            deadline=deadline,
            sealed_payload=vault.seal(conn, case_id, payload, data_key),
            payload_sha256=digest,
            state="pending",
            attempts=0,
            next_attempt_at=now,
        ),
    )
    entry = TransferEntry(
        case=commitment,
        time=now,
        transfer_id=transfer_id,
        sender=from_agency,
        receiver=agency.code,
        format=agency.format,
        body_sha256=digest,
        mode=mode,
    )
    return NewTransfer(transfer_id, agency.code, kind, rule, deadline, mode, digest, entry)

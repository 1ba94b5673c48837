"""Pull mode: agencies that cannot receive pushes fetch their transfers from the hub inbox
and acknowledge each with their own signed receipt.

An inbox read leases what it returns (like a push claim): a transfer not acknowledged
before the lease runs out is offered again, under the same transfer id.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from saphan.delivery import outcome
from saphan.delivery.push import media_type
from saphan.engine.services import Services
from saphan.errors import ConflictError, HubError, IntegrityError, NotFoundError, Problem
from saphan.ledger.receipts import receipt_digest
from saphan.logs import bind
from saphan.store import claims

MAX_INBOX = 100


def inbox(svc: Services, agency: str, limit: int) -> dict[str, Any]:
    limit = max(1, min(limit, MAX_INBOX))
    now = svc.clock.now()
    items: list[dict[str, Any]] = []
    with svc.db.writer.begin() as conn:
        claimed = claims.claim(
            conn,
            worker=f"pull:{agency}",
            now=now,
            lease=timedelta(seconds=svc.settings.delivery_lease_s),
            limit=limit,
            mode="pull",
            agency=agency,
        )
        for c in claimed:
            payload = svc.vault.open(conn, c.case_id, c.sealed_payload)
            items.append(
                {
                    "transfer_id": c.id,
                    "case_id": c.case_id,
                    "kind": c.kind,
                    "format": c.format,
                    "media_type": media_type(c.format),
                    "body_b64": base64.b64encode(payload).decode("ascii"),
                    "payload_sha256": c.payload_sha256,
                    "created_at": c.created_at.isoformat(),
                }
            )
    return {"transfers": items}


def accept_receipt(svc: Services, agency: str, transfer_id: str, jws: str) -> dict[str, Any]:
    """An agency acknowledges a pulled (or pushed) transfer with its signed receipt."""
    now = svc.clock.now()
    with svc.db.writer.begin() as conn, bind(transfer_id=transfer_id):
        found = outcome.expected_of(conn, transfer_id)
        if found is None or found[0].agency != agency:
            raise NotFoundError(
                f"no transfer {transfer_id}", [Problem("/transfer_id", "no such transfer")]
            )
        expected, attempts, state = found
        if state == "delivered":
            stored = conn.execute(
                claims.T.select()
                .with_only_columns(claims.T.c.receipt)
                .where(claims.T.c.id == transfer_id)
            ).scalar()
            if stored is not None and receipt_digest(stored) == receipt_digest(jws):
                return {"transfer_id": transfer_id, "state": "delivered", "repeat": True}
            raise ConflictError(
                "this transfer was already acknowledged with another receipt",
                [Problem("/receipt", "already acknowledged")],
            )
        if state not in {"in_flight", "pending"}:
            raise ConflictError(f"transfer is {state}", [Problem("/transfer_id", f"state {state}")])
        try:
            kid, digest = outcome.check_receipt(svc.directory.get(agency), jws, expected)
        except HubError as exc:
            if state == "in_flight":
                outcome.failed(
                    conn,
                    svc,
                    expected,
                    error=f"receipt refused: {exc.detail}",
                    attempts_before=attempts,
                    worker=None,
                    now=now,
                )
            raise IntegrityError(exc.detail, exc.problems) from None
        if state == "pending":
            # Acknowledged before it was (re)leased: take it in flight so the fence holds.
            conn.execute(
                claims.T.update().where(claims.T.c.id == transfer_id).values(state="in_flight")
            )
        entry = outcome.record_delivery(
            conn, expected, receipt=jws, kid=kid, digest=digest, worker=None, now=now
        )
        if entry is not None:
            outcome.log_deliveries(conn, [(expected, entry)], now=now)
        svc.metrics.deliveries.labels(agency, "delivered").inc()
    return {"transfer_id": transfer_id, "state": "delivered", "repeat": False}

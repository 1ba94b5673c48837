"""Recording what happened to a delivery attempt, push or pull, in one transaction each.

A delivery counts only when the agency's receipt verifies: signed by a key the directory
lists for that agency, for this transfer and case, naming the SHA-256 of the exact bytes
that were sent. A receipt that does not verify is a failed attempt (retried, recorded).
Failures follow the retry policy; after the last attempt the transfer is dead-lettered, an
alert is raised for operators, and the log records it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, insert, select

from saphan.delivery.retry import RetryPolicy, decide
from saphan.directory.model import Agency
from saphan.engine import cases as store_cases
from saphan.engine.cases import TRANSFERS
from saphan.engine.services import Services
from saphan.errors import IntegrityError, Problem
from saphan.ledger.entries import DeadLetterEntry, ReceiptEntry, case_commitment
from saphan.ledger.receipts import expect_receipt, open_receipt
from saphan.logs import bind
from saphan.store import claims
from saphan.store import log as transfer_log
from saphan.store.tables import AlertRow

log = logging.getLogger("saphan.delivery")
ALERTS = AlertRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Expected:
    transfer_id: str
    case_id: str
    agency: str
    payload_sha256: str


def check_receipt(agency: Agency, jws: str, expected: Expected) -> tuple[str, str]:
    """Verify an agency receipt; returns (kid, digest of the receipt). IntegrityError else."""
    if not agency.keys:
        raise IntegrityError(
            f"{agency.code} has no public key in the directory",
            [Problem("/receipt", "cannot verify receipts of an agency without keys")],
        )

    def resolve(kid: str) -> Ed25519PublicKey | None:
        key = agency.key(kid)
        return None if key is None else Ed25519PublicKey.from_public_bytes(key.raw)

    verified = open_receipt(jws, resolve)
    expect_receipt(
        verified.payload,
        case_id=expected.case_id,
        transfer_id=expected.transfer_id,
        receiver=agency.code,
        sha256=expected.payload_sha256,
    )
    return verified.kid, verified.digest


def record_delivery(
    conn: Connection,
    expected: Expected,
    *,
    receipt: str,
    kid: str,
    digest: str,
    worker: str | None,
    now: datetime,
) -> ReceiptEntry | None:
    """Mark a verified delivery (fenced by the claim) and return its log entry, for
    :func:`log_deliveries`; None when the claim was not ours (nothing recorded)."""
    if not claims.mark_delivered(
        conn, expected.transfer_id, worker=worker, now=now, receipt=receipt
    ):
        return None
    commitment = case_commitment(expected.case_id, store_cases.salt_of(conn, expected.case_id))
    return ReceiptEntry(
        case=commitment,
        time=now,
        transfer_id=expected.transfer_id,
        issuer=expected.agency,
        kid=kid,
        receipt_sha256=digest,
        content_sha256=expected.payload_sha256,
    )


def log_deliveries(
    conn: Connection, done: Sequence[tuple[Expected, ReceiptEntry]], *, now: datetime
) -> None:
    """Log the receipts of deliveries marked by :func:`record_delivery`, in one append
    (one hold of the log's sequencer for a whole round of deliveries), and their events."""
    if not done:
        return
    first = transfer_log.append(conn, [entry.to_bytes() for _expected, entry in done])
    rows = []
    for i, (expected, entry) in enumerate(done):
        with bind(case_id=expected.case_id, transfer_id=expected.transfer_id):
            log.info("delivered to %s; receipt verified (key %s)", expected.agency, entry.kid)
        rows.append(
            store_cases.event_row(
                expected.case_id,
                now,
                "delivered",
                agency=expected.agency,
                transfer_id=expected.transfer_id,
                log_index=first + i,
            )
        )
    store_cases.add_events(conn, rows)


def failed(
    conn: Connection,
    svc: Services,
    expected: Expected,
    *,
    error: str,
    attempts_before: int,
    worker: str | None,
    now: datetime,
    retryable: bool = True,
    policy: RetryPolicy | None = None,
) -> str:
    """Record a failed attempt; returns the new state (``pending`` or ``dead``)."""
    policy = policy or RetryPolicy(
        svc.settings.retry_base_s, svc.settings.retry_cap_s, svc.settings.retry_max_attempts
    )
    decision = decide(policy, attempts_before + 1, now, retryable=retryable)
    if not claims.mark_failed(
        conn,
        expected.transfer_id,
        worker=worker,
        error=error,
        next_attempt_at=decision.next_attempt_at,
    ):
        return "lost"
    with bind(case_id=expected.case_id, transfer_id=expected.transfer_id):
        if not decision.dead:
            svc.metrics.retries.labels(expected.agency).inc()
            log.info(
                "delivery to %s failed (attempt %d); retry scheduled",
                expected.agency,
                attempts_before + 1,
            )
            return "pending"
        commitment = case_commitment(expected.case_id, store_cases.salt_of(conn, expected.case_id))
        entry = DeadLetterEntry(
            case=commitment,
            time=now,
            transfer_id=expected.transfer_id,
            receiver=expected.agency,
            attempts=attempts_before + 1,
            reason="retries-exhausted" if retryable else "refused",
        )
        index = transfer_log.append(conn, [entry.to_bytes()])
        store_cases.add_event(
            conn,
            expected.case_id,
            now,
            "dead_letter",
            agency=expected.agency,
            transfer_id=expected.transfer_id,
            log_index=index,
        )
        conn.execute(
            insert(ALERTS).values(
                at=now,
                kind="dead_letter",
                case_id=expected.case_id,
                transfer_id=expected.transfer_id,
                agency=expected.agency,
                message=f"transfer to {expected.agency} dead-lettered after "
                f"{attempts_before + 1} attempts: {error[:300]}",
            )
        )
        svc.metrics.dead_letters.labels(expected.agency).inc()
        log.warning(
            "transfer to %s dead-lettered after %d attempts", expected.agency, attempts_before + 1
        )
        return "dead"


def expected_of(conn: Connection, transfer_id: str) -> tuple[Expected, int, str] | None:
    row = conn.execute(
        select(
            TRANSFERS.c.case_id,
            TRANSFERS.c.to_agency,
            TRANSFERS.c.payload_sha256,
            TRANSFERS.c.attempts,
            TRANSFERS.c.state,
        ).where(TRANSFERS.c.id == transfer_id)
    ).first()
    if row is None:
        return None
    return Expected(transfer_id, row[0], row[1], row[2]), int(row[3]), str(row[4])


__all__ = [
    "Expected",
    "check_receipt",
    "expected_of",
    "failed",
    "log_deliveries",
    "record_delivery",
]

"""Judging an agency's receipt the way the hub does before it counts a delivery.

A receipt (hub contract, "Receipts") must be a compact JWS with the fixed header, signed
by one of the agency's keys (the header's ``kid`` names it), stating the case and the
transfer the hub sent, the agency's own code as receiver, the SHA-256 of the exact bytes
delivered, and a time. :func:`receipt_problems` lists everything that does not hold;
:func:`read_statement` reads what a receipt states without checking its signature, for
comparing two receipts (whether a signature holds is a separate question).

Signatures and payloads are :mod:`saphan.ledger.receipts`'; this module only decides
what to compare and how far the stated time may be from the suite's clock.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pydantic import ValidationError

from saphan.conformance.agencykeys import AgencyKeys
from saphan.errors import HubError, Problem
from saphan.ledger.pubkeys import b64url_decode
from saphan.ledger.receipts import ReceiptPayload, expect_receipt, open_receipt

__all__ = ["CLOCK_TOLERANCE", "read_statement", "receipt_problems"]

#: How far a receipt's time may be from the suite's clock: signatures tolerate 30 s of
#: skew; a receipt is also allowed the time the agency took to answer.
CLOCK_TOLERANCE = timedelta(minutes=5)


def _prefixed(prefix: str, problems: list[Problem]) -> list[Problem]:
    return [Problem(f"{prefix}{p.path}" if p.path != "/" else prefix, p.message) for p in problems]


def receipt_problems(
    jws: str,
    keys: AgencyKeys,
    *,
    case_id: str,
    transfer_id: str,
    receiver: str,
    body: bytes,
    sent_at: datetime,
    prefix: str = "/receipt",
) -> list[Problem]:
    """Everything wrong with ``jws`` as the agency's receipt for ``body``; empty if none."""
    try:
        verified = open_receipt(jws, keys.receipt_key)
    except HubError as exc:
        refused = _prefixed(prefix, exc.problems)
        if any(p.path.endswith("/header/kid") for p in refused):
            known = ", ".join(keys.kids) or "none"
            refused.append(Problem(f"{prefix}/header/kid", f"the agency's key ids are: {known}"))
        return refused
    problems: list[Problem] = []
    try:
        expect_receipt(
            verified.payload,
            case_id=case_id,
            transfer_id=transfer_id,
            receiver=receiver,
            sha256=hashlib.sha256(body).hexdigest(),
        )
    except HubError as exc:
        problems.extend(_prefixed(prefix, exc.problems))
    stated = verified.payload.time
    if abs(stated - sent_at) > CLOCK_TOLERANCE:
        problems.append(
            Problem(
                f"{prefix}/payload/time",
                f"{stated.isoformat()} is more than {CLOCK_TOLERANCE} from the delivery "
                f"({sent_at.isoformat()}); is the agency's clock right?",
            )
        )
    return problems


def read_statement(jws: str) -> ReceiptPayload | None:
    """What a receipt states, read without checking its signature; None when unreadable."""
    parts = jws.split(".")
    if len(parts) != 3:
        return None
    try:
        return ReceiptPayload.model_validate_json(b64url_decode(parts[1]))
    except (ValueError, ValidationError):
        return None

"""The transfer log's entries: one model per thing that happens to a case.

Each entry holds only codes, hashes, ids, times and a salted commitment to the case,
never names, citizen ids or free text, so the whole log can be handed to auditors. The
models refuse members they do not declare, and their string fields admit single tokens
only (see :mod:`saphan.ledger.fields`), so free text cannot slip in through a new field
or a long value. Every entry serialises to RFC 8785 bytes; those bytes are the leaf.

The case appears as :func:`case_commitment` over the case id and a random per-case salt
kept in the store: an auditor holding a case id and its salt can find the case's entries,
nobody else can link them, and erasing the salt makes the entries unlinkable for good
while the log stays verifiable.

What it does not do: assign indexes, store entries, or decide when an entry is written.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, TypeAdapter, ValidationError

from saphan.canonical.model import CaseStatus, EscalationReason
from saphan.errors import HubError, InputError, IntegrityError, Problem
from saphan.ledger.fields import AgencyCode, Code, Identifier, Sha256Hex, UtcTime
from saphan.ledger.jcs import canonical_bytes, loads_canonical
from saphan.ledger.merkle import leaf_hash

__all__ = [
    "ENTRY_VERSION",
    "CaseCommitment",
    "DeadLetterEntry",
    "Entry",
    "ErasureEntry",
    "EscalationEntry",
    "IntakeEntry",
    "OverdueEntry",
    "RatingEntry",
    "ReceiptEntry",
    "ReplayEntry",
    "RouteDecision",
    "RouteEntry",
    "StatusEntry",
    "TransferEntry",
    "case_commitment",
    "new_case_salt",
    "parse_entry",
]

ENTRY_VERSION = 1
_COMMITMENT_DOMAIN = b"saphan/case-commitment/v1\x00"
_MIN_SALT = 16

CaseCommitment = Sha256Hex
Count = Annotated[int, Strict(), Field(ge=0, le=2**53 - 1)]


def new_case_salt() -> bytes:
    """A fresh 32-byte random salt for a new case."""
    return secrets.token_bytes(32)


def case_commitment(case_id: str, salt: bytes) -> str:
    """SHA-256 (hex) of a domain-separated encoding of the salt and the case id.

    The encoding is ``domain ‖ 0x00 ‖ len(salt) as 2 bytes ‖ salt ‖ UTF-8 case id``: the
    domain keeps these hashes apart from every other hash of the project, and the length
    prefix makes (salt, case id) pairs unambiguous.
    """
    if len(salt) < _MIN_SALT or len(salt) > 0xFFFF:
        raise InputError(
            "unusable case salt", [Problem("/salt", f"need {_MIN_SALT}..65535 random bytes")]
        )
    if not case_id:
        raise InputError("unusable case id", [Problem("/case_id", "must not be empty")])
    data = _COMMITMENT_DOMAIN + len(salt).to_bytes(2, "big") + salt + case_id.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = 1
    case: CaseCommitment
    time: UtcTime

    def to_bytes(self) -> bytes:
        """The RFC 8785 bytes of the entry: what the log stores and hashes."""
        return canonical_bytes(self.model_dump(mode="json"))

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.to_bytes())


class IntakeEntry(_Entry):
    """A message arrived and became (part of) a case."""

    kind: Literal["intake"] = "intake"
    sender: AgencyCode
    format: Code
    message_sha256: Sha256Hex
    #: The record's position in a batch message (a 1111 batch), else None.
    record: Count | None = None


class RouteDecision(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    agency: AgencyCode
    rule: Code
    deadline: Annotated[date, Strict()] | None = None


class RouteEntry(_Entry):
    """The routing policy chose where the case goes."""

    kind: Literal["route"] = "route"
    destinations: tuple[RouteDecision, ...] = Field(min_length=1)


class TransferEntry(_Entry):
    """The hub rendered the case for a receiver and queued it for delivery."""

    kind: Literal["transfer"] = "transfer"
    transfer_id: Identifier
    sender: AgencyCode
    receiver: AgencyCode
    format: Code
    body_sha256: Sha256Hex
    mode: Literal["push", "pull"]


class ReceiptEntry(_Entry):
    """A signed receipt was issued (by the hub) or accepted (from an agency)."""

    kind: Literal["receipt"] = "receipt"
    transfer_id: Identifier | None
    issuer: AgencyCode
    kid: Identifier
    receipt_sha256: Sha256Hex
    content_sha256: Sha256Hex


class StatusEntry(_Entry):
    """A holder reported a status change."""

    kind: Literal["status"] = "status"
    agency: AgencyCode
    status: CaseStatus
    #: The agency's own status code, as sent.
    source_code: Code | None = None


class EscalationEntry(_Entry):
    """The case moved beyond a center's authority."""

    kind: Literal["escalation"] = "escalation"
    from_agency: AgencyCode
    to_agency: AgencyCode
    reason: EscalationReason


class OverdueEntry(_Entry):
    """A holder passed its deadline."""

    kind: Literal["overdue"] = "overdue"
    agency: AgencyCode
    deadline: UtcTime
    transfer_id: Identifier | None = None


class DeadLetterEntry(_Entry):
    """A delivery gave up after its retries."""

    kind: Literal["dead_letter"] = "dead_letter"
    transfer_id: Identifier
    receiver: AgencyCode
    attempts: Count
    reason: Code


class ReplayEntry(_Entry):
    """An operator replayed a dead letter or a repaired quarantined message."""

    kind: Literal["replay"] = "replay"
    source: Literal["dead_letter", "quarantine"]
    ref_id: Identifier
    transfer_id: Identifier | None = None


class ErasureEntry(_Entry):
    """Personal data of the case was erased from the store."""

    kind: Literal["erasure"] = "erasure"
    scope: tuple[Code, ...] = Field(min_length=1)
    basis: Code


class RatingEntry(_Entry):
    """The complainant rated how the case was handled."""

    kind: Literal["rating"] = "rating"
    agency: AgencyCode
    score: Annotated[int, Strict(), Field(ge=1, le=5)]


Entry = Annotated[
    IntakeEntry
    | RouteEntry
    | TransferEntry
    | ReceiptEntry
    | StatusEntry
    | EscalationEntry
    | OverdueEntry
    | DeadLetterEntry
    | ReplayEntry
    | ErasureEntry
    | RatingEntry,
    Field(discriminator="kind"),
]
_ENTRY: TypeAdapter[Entry] = TypeAdapter(Entry)


def parse_entry(data: bytes, *, index: int | None = None) -> Entry:
    """Read a log entry from its leaf bytes, which must be canonical and fully known.

    Raises :class:`IntegrityError` (a log whose entries do not read is not trustworthy).
    """
    where = "" if index is None else f"/entries/{index}"
    try:
        loads_canonical(data, path=where)
        return _ENTRY.validate_json(data)
    except HubError as exc:
        raise IntegrityError("a log entry is malformed", exc.problems) from exc
    except ValidationError as exc:
        problems = [
            Problem(where + "/" + "/".join(str(p) for p in err["loc"]), err["msg"])
            for err in exc.errors()
        ]
        raise IntegrityError("a log entry is malformed", problems) from exc

"""Log entries: codes, hashes, ids and times only, canonical bytes, strict reading back."""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from saphan.canonical.model import CaseStatus, EscalationReason
from saphan.errors import InputError, IntegrityError
from saphan.ledger import merkle
from saphan.ledger.entries import (
    DeadLetterEntry,
    ErasureEntry,
    EscalationEntry,
    IntakeEntry,
    OverdueEntry,
    RatingEntry,
    ReceiptEntry,
    ReplayEntry,
    RouteDecision,
    RouteEntry,
    StatusEntry,
    TransferEntry,
    case_commitment,
    new_case_salt,
    parse_entry,
)
from saphan.ledger.jcs import canonical_bytes

SALT = bytes(range(32))
CASE = case_commitment("c-7f3a", SALT)
AT = datetime(2025, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=7)))
H = hashlib.sha256(b"bytes").hexdigest()

ONE_OF_EACH: list[Any] = [
    IntakeEntry(case=CASE, time=AT, sender="MOI-DRT-3415", format="damrongtham", message_sha256=H),
    RouteEntry(
        case=CASE,
        time=AT,
        destinations=(RouteDecision(agency="OMB", rule="r-12", deadline=date(2025, 3, 31)),),
    ),
    TransferEntry(
        case=CASE,
        time=AT,
        transfer_id="t-1",
        sender="MOI-DRT-3415",
        receiver="OMB",
        format="occ",
        body_sha256=H,
        mode="push",
    ),
    ReceiptEntry(
        case=CASE,
        time=AT,
        transfer_id="t-1",
        issuer="OMB",
        kid="Ab3_-xYz01234567",
        receipt_sha256=H,
        content_sha256=H,
    ),
    StatusEntry(case=CASE, time=AT, agency="OMB", status=CaseStatus.IN_PROGRESS, source_code="3"),
    EscalationEntry(
        case=CASE,
        time=AT,
        from_agency="MOI-DRT-3415",
        to_agency="OMB",
        reason=EscalationReason.OFFICIAL_MISCONDUCT,
    ),
    OverdueEntry(case=CASE, time=AT, agency="OMB", deadline=AT, transfer_id="t-1"),
    DeadLetterEntry(
        case=CASE, time=AT, transfer_id="t-1", receiver="OMB", attempts=8, reason="http_503"
    ),
    ReplayEntry(case=CASE, time=AT, source="dead_letter", ref_id="t-1", transfer_id="t-2"),
    ErasureEntry(case=CASE, time=AT, scope=("complainant", "attachments"), basis="pdpa.s33"),
    RatingEntry(case=CASE, time=AT, agency="OMB", score=4),
]


def test_there_is_one_model_per_kind_of_event() -> None:
    kinds = {e.kind for e in ONE_OF_EACH}
    assert kinds == {
        "intake", "route", "transfer", "receipt", "status", "escalation", "overdue",
        "dead_letter", "replay", "erasure", "rating",
    }  # fmt: skip


@pytest.mark.parametrize("entry", ONE_OF_EACH, ids=lambda e: e.kind)
def test_entries_are_canonical_bytes_and_read_back_equal(entry: Any) -> None:
    data = entry.to_bytes()
    assert data == canonical_bytes(json.loads(data))
    assert json.loads(data)["time"] == "2025-03-01T03:30:00Z"
    assert json.loads(data)["v"] == 1
    assert parse_entry(data) == entry
    assert entry.leaf_hash() == merkle.leaf_hash(data)


@pytest.mark.parametrize("entry", ONE_OF_EACH, ids=lambda e: e.kind)
def test_models_refuse_members_they_do_not_declare(entry: Any) -> None:
    fields = entry.model_dump()
    with pytest.raises(ValidationError, match="Extra inputs"):
        type(entry)(**fields, complainant_name="สมชาย ใจดี")
    data = json.loads(entry.to_bytes())
    data["citizen_id"] = "1101700203451"
    with pytest.raises(IntegrityError) as caught:
        parse_entry(canonical_bytes(data), index=7)
    assert caught.value.problems[0].path.startswith("/entries/7")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sender", "นายสมชาย"),  # a name where an agency code goes
        ("format", "free text with spaces"),
        ("message_sha256", "not-a-hash"),
        ("time", datetime(2025, 3, 1, 10, 30)),  # noqa: DTZ001 (naive times are refused)
        ("case", "c-7f3a"),  # a bare case id where the commitment goes
    ],
)
def test_fields_admit_machine_values_only(field: str, value: Any) -> None:
    fields = ONE_OF_EACH[0].model_dump()
    fields[field] = value
    with pytest.raises(ValidationError):
        IntakeEntry(**fields)


def test_parse_entry_refuses_non_canonical_or_unknown_kinds() -> None:
    data = json.loads(ONE_OF_EACH[0].to_bytes())
    with pytest.raises(IntegrityError):
        parse_entry(json.dumps(data, indent=1).encode())
    with pytest.raises(IntegrityError):
        parse_entry(canonical_bytes({**data, "kind": "gossip"}))
    with pytest.raises(IntegrityError):
        parse_entry(canonical_bytes({**data, "v": 2}))


def test_case_commitment_is_salted_and_domain_separated() -> None:
    assert case_commitment("c-7f3a", SALT) == CASE
    assert case_commitment("c-7f3b", SALT) != CASE
    assert case_commitment("c-7f3a", bytes(32)) != CASE
    assert hashlib.sha256(SALT + b"c-7f3a").hexdigest() != CASE
    # Without the length prefix, moving a byte between salt and id would collide.
    assert case_commitment("1c", SALT + b"\x00") != case_commitment("\x001c", SALT)
    assert len(new_case_salt()) == 32 and new_case_salt() != new_case_salt()
    with pytest.raises(InputError):
        case_commitment("c-7f3a", b"short")


def test_times_are_held_in_utc() -> None:
    # the time arrives as text with an offset, as from outside
    entry = OverdueEntry.model_validate(
        {"case": CASE, "time": "2025-03-01T10:30:00+07:00", "agency": "OMB", "deadline": AT}
    )
    assert entry.time == datetime(2025, 3, 1, 3, 30, tzinfo=UTC)

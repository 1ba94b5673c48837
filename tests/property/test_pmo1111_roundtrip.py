"""canonical → pmo1111 → canonical keeps every field a 1111 record can carry.

For any valid canonical cases (``strategies.cases``, format-neutral) written as one 1111
batch and read back, each field 1111 has a place for comes back equal, and each field it
has no place for is named here with what becomes of it. The batch is also valid against the
published schema, and a batch of several cases comes back record by record, in order.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from strategies import cases

from saphan.canonical import Address, Area, Case, CaseStatus, Reference, SourceSystem
from saphan.reference.identity import check_digit_ok
from saphan.translate.adapter import Receiver
from saphan.translate.crosswalk import crosswalks
from saphan.translate.jsonparts import address_line
from saphan_pmo1111 import Pmo1111Adapter

SCHEMA = Draft202012Validator(
    json.loads((ROOT / "schemas" / "agencies" / "pmo1111.schema.json").read_text("utf-8")),
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)
RECEIVERS = st.sampled_from(["PSC", "RTP-IG", "DOL", "MOI-DRT-20"])


def expected_address(address: Address | None) -> Address | None:
    """What a 1111 person keeps of an address: one line, the codes, the postcode."""
    if address is None:
        return None
    line = address_line(address)
    if line is None and address.area == Area() and address.postcode is None:
        return None
    return Address(line=line, area=address.area, postcode=address.postcode)


def check_one(case: Case, back: Case, receiver: str) -> None:
    cw = crosswalks()
    first_hand = case.origin.system == SourceSystem.PSC1111

    # Numbers: the origin (its unit only when it is 1111's own) and 1111's ticket.
    if first_hand:
        assert back.origin == case.origin  # the strategy numbers 1111 cases as PSC does
        assert back.references == []
    else:
        assert back.origin == Reference(system=case.origin.system, ref=case.origin.ref)
        ticket = case.reference(SourceSystem.PSC1111)
        assert back.references == (
            []
            if ticket is None
            else [Reference(system=SourceSystem.PSC1111, ref=ticket, unit="PSC")]
        )
    assert back.sender == "PSC"
    assert back.received_at == case.received_at

    # The complainant: an anonymous one is no person at all in 1111.
    c, b = case.complainant, back.complainant
    assert (b.anonymous, b.conceal_identity) == (c.anonymous, c.conceal_identity)
    assert back.identity_protected == case.identity_protected
    if c.anonymous:
        assert (b.phone, b.email, b.citizen_id, b.address) == (None, None, None, None)
    else:
        assert (b.citizen_id, b.prefix, b.given_name, b.family_name, b.email) == (
            c.citizen_id,
            c.prefix,
            c.given_name,
            c.family_name,
            c.email,
        )
        assert b.phone == c.phone  # the strategy's phones are Thai: 1111 has a form for them
        assert b.citizen_id_verified == (
            None if c.citizen_id is None else check_digit_ok(c.citizen_id)
        )
        assert b.address == expected_address(c.address)

    # What it is about; 1111 has no respondent and no request.
    assert (back.matter.title, back.matter.detail, back.matter.request) == (
        case.matter.title,
        case.matter.detail,
        None,
    )
    assert back.respondent is None
    assert back.codes["pmo1111.topic"] == (cw.resolve(case.codes, "pmo1111.topic") or "T15")
    assert back.codes["pmo1111.case_type"] == cw.resolve(case.codes, "pmo1111.case_type")
    channel = cw.resolve(case.codes, "pmo1111.channel") if first_hand else "6"
    assert back.codes["pmo1111.channel"] == channel
    assert back.incident == case.incident  # every level of area, and the coordinates
    assert back.attachments == case.attachments

    # Handling fields travel whole; the holder field is the receiver.
    assert (back.complexity, back.due_days, back.secrecy) == (
        case.complexity,
        case.due_days,
        case.secrecy,
    )
    assert back.target_agency == (case.target_agency if receiver == "PSC" else receiver)

    # Status: 1111 folds escalated into forwarded (1); it has no escalation.
    code = cw.encode("pmo1111.status", case.status.code.value)
    assert back.codes["pmo1111.status"] == code
    meaning = cw.decode("pmo1111.status", code)
    assert meaning is not None
    assert back.status.code == CaseStatus(meaning)
    assert back.status.note is None and back.escalation is None
    assert back.extensions == {}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), receiver=RECEIVERS)
def test_canonical_pmo1111_canonical(case: Case, receiver: str) -> None:
    data = Pmo1111Adapter().render(case, Receiver(receiver))
    assert SCHEMA.is_valid(json.loads(data)), list(SCHEMA.iter_errors(json.loads(data)))
    (record,) = Pmo1111Adapter().parse(data).records
    assert record.ok, record.problems
    assert record.case is not None
    check_one(case, record.case, receiver)
    # One case per batch and no send time: the batch is as of the case's status, so the
    # status time comes back too, except for a new record, which is new as of its receipt.
    if record.case.status.code == CaseStatus.RECEIVED:
        assert record.case.status.at == case.received_at
    else:
        assert record.case.status.at == case.status.at


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(cases(), min_size=2, max_size=5), receiver=RECEIVERS)
def test_a_batch_comes_back_record_by_record(batch: list[Case], receiver: str) -> None:
    sent = datetime(2091, 1, 1, tzinfo=UTC)
    data = Pmo1111Adapter().render(batch, Receiver(receiver, sent_at=sent))
    document = json.loads(data)
    assert SCHEMA.is_valid(document)
    assert document["generated_ms"] == int(sent.timestamp() * 1000)
    parsed = Pmo1111Adapter().parse(data)
    assert [r.index for r in parsed.records] == list(range(len(batch)))
    assert all(r.ok for r in parsed.records)
    for case, back in zip(batch, parsed.cases, strict=True):
        check_one(case, back, receiver)
        # the batch time stands for every reported status; a new record is as of receipt
        at = back.received_at if back.status.code == CaseStatus.RECEIVED else sent
        assert back.status.at == at

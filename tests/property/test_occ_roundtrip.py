"""canonical → occ → canonical keeps every field OCC can carry.

For any valid canonical case (``strategies.cases``, format-neutral) written for an OCC
receiver and read back, each field OCC has a place for comes back equal, and each field it
has no place for is named here with what becomes of it. The written document is also valid
against the published schema.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from strategies import cases

from saphan.canonical import (
    Area,
    Case,
    CaseStatus,
    Complexity,
    EscalationReason,
    Reference,
    SourceSystem,
)
from saphan.reference.identity import check_digit_ok
from saphan.translate.adapter import Receiver
from saphan.translate.crosswalk import crosswalks
from saphan.translate.jsonparts import address_line
from saphan_occ import OccAdapter

SCHEMA = Draft202012Validator(
    json.loads((ROOT / "schemas" / "agencies" / "occ.schema.json").read_text("utf-8")),
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)
RECEIVERS = st.sampled_from(["OMB", "AGO-RP-20", "AGO-RP-34"])
SENT = st.none() | st.just(datetime(2091, 1, 1, tzinfo=UTC))

#: the sending unit's system, for the senders the strategy draws (agency-formats §5)
SENDER_SYSTEMS = {"OMB": SourceSystem.OMB, "PSC": SourceSystem.PSC1111}


def sender_system(case: Case) -> SourceSystem:
    sender = case.sender or ""
    if sender.startswith("MOI-DRT-"):
        return SourceSystem.DRT
    if sender.startswith("AGO-RP-"):
        return SourceSystem.AGO
    if sender in SENDER_SYSTEMS:
        return SENDER_SYSTEMS[sender]
    # an agency outside the three systems: a 1111 network agency when the case carries a
    # 1111 ticket (that is how cases reach those agencies), else some other system
    if case.reference(SourceSystem.PSC1111) is not None:
        return SourceSystem.PSC1111
    return SourceSystem.OTHER


def subdistrict_area(area: Area) -> Area:
    """What a 6-digit geocode keeps of an area: all of it, or nothing."""
    if area.subdistrict is None:
        return Area()
    return Area(province=area.province, district=area.district, subdistrict=area.subdistrict)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), receiver=RECEIVERS, sent_at=SENT)
def test_canonical_occ_canonical(case: Case, receiver: str, sent_at: datetime | None) -> None:
    data = OccAdapter().render(case, Receiver(receiver, sent_at=sent_at))
    document = json.loads(data)
    assert SCHEMA.is_valid(document), [e.message for e in SCHEMA.iter_errors(document)]
    back = OccAdapter().parse_one(data)
    cw = crosswalks()

    # Who sent it and under which numbers: the sender's own number, or else the number
    # the case came with, each under the system that gave it.
    system = sender_system(case)
    if case.reference(system) is None:
        system = case.origin.system
    ref = case.reference(system)
    assert ref is not None
    assert back.origin == Reference(system=system, ref=ref, unit=case.sender)
    assert back.sender == case.sender
    assert document["occ_no"] == case.reference(SourceSystem.OMB)  # drawn in OCC's own form
    if system != SourceSystem.OMB:
        assert back.reference(SourceSystem.OMB) == case.reference(SourceSystem.OMB)
    assert back.received_at == case.received_at

    # The complainant, in full; secrecy has no place but still protects the identity.
    c, b = case.complainant, back.complainant
    assert (b.anonymous, b.citizen_id, b.prefix, b.given_name, b.family_name) == (
        c.anonymous,
        c.citizen_id,
        c.prefix,
        c.given_name,
        c.family_name,
    )
    assert (b.phone, b.email) == (c.phone, c.email)
    assert b.conceal_identity == case.identity_protected
    assert b.citizen_id_verified == (None if c.citizen_id is None else check_digit_ok(c.citizen_id))
    if c.address is None:
        assert b.address is None
    else:
        assert b.address is not None
        assert b.address.line == address_line(c.address)  # parts become one line
        assert b.address.area == subdistrict_area(c.address.area)
        assert b.address.postcode == c.address.postcode

    # What it is about.
    assert back.respondent == case.respondent
    assert back.matter == case.matter
    topic = cw.resolve(case.codes, "occ.topic") or "OTHER"
    assert back.codes["occ.topic"] == topic
    if case.incident is None:
        assert back.incident is None
    else:
        assert back.incident is not None
        assert back.incident.area == subdistrict_area(case.incident.area)
        assert (back.incident.lat, back.incident.lon) == (case.incident.lat, case.incident.lon)
    assert back.attachments == case.attachments

    # Where it stands: OCC's status table folds escalated into REFERRED and cancelled
    # into REJECTED.
    occ_code = cw.encode("occ.status", case.status.code.value)
    assert back.codes["occ.status"] == occ_code
    meaning = cw.decode("occ.status", occ_code)
    assert meaning is not None
    assert back.status.code == CaseStatus(meaning)
    assert (back.status.at, back.status.note) == (case.status.at, case.status.note)

    # The holder field: the referral.
    if case.escalation is not None:
        assert back.escalation is not None
        assert back.escalation.reason == case.escalation.reason
        assert back.escalation.note == case.escalation.note
        assert back.escalation.at == (case.escalation.at or sent_at or case.status.at)
    elif system == SourceSystem.OMB and case.sender == "OMB" and receiver == "OMB":
        assert back.escalation is None
    else:
        assert back.escalation is not None
        assert back.escalation.reason == EscalationReason.CENTRAL_AGENCY
        assert back.escalation.at == (sent_at or case.status.at)

    # No place in OCC: handling fields (defaults after the trip); warnings are the parser's.
    assert (back.complexity, back.due_days, back.secrecy, back.target_agency) == (
        Complexity.GENERAL,
        None,
        0,
        None,
    )
    assert back.extensions == {}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_a_second_trip_changes_nothing(case: Case) -> None:
    """After one trip the case holds only what OCC carries: further trips are identical."""
    receiver = Receiver("OMB")
    once = OccAdapter().parse_one(OccAdapter().render(case, receiver))
    data = OccAdapter().render(once, receiver)
    twice = OccAdapter().parse_one(data)
    assert twice == once
    assert OccAdapter().render(twice, receiver) == data

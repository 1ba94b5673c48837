"""Canonical case → OCC 2.1: the examples come back byte for byte, the Damrongtham
escalation becomes exactly the OCC example, and each rule of the renderer holds."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import EXAMPLES, ROOT
from jsonschema import Draft202012Validator

from saphan.canonical import (
    Address,
    Area,
    Case,
    CaseStatus,
    Complainant,
    Escalation,
    EscalationReason,
    Matter,
    Place,
    Reference,
    SourceSystem,
    StatusInfo,
)
from saphan.errors import InputError
from saphan.translate.adapter import Receiver
from saphan.translate.registry import get_adapter
from saphan_occ import OccAdapter
from saphan_occ.render import DEFAULT_REFERRAL_REASON, sending_system

REFERRAL = "occ/referral-from-warin-chamrap.json"
DIRECT = "occ/direct-unfair-regulation.json"
ESCALATION_XML = "damrongtham/escalation-warin-chamrap.xml"
SPEC_ORDER = [
    "occ_version",
    "occ_no",
    "source",
    "submitted_at",
    "complainant",
    "respondent",
    "matter",
    "incident",
    "referral",
    "documents",
    "status",
]
SCHEMA = Draft202012Validator(
    json.loads((ROOT / "schemas" / "agencies" / "occ.schema.json").read_text(encoding="utf-8")),
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)


def render(case: Case, receiver: str = "OMB", **kwargs: Any) -> dict[str, Any]:
    data = OccAdapter().render(case, Receiver(receiver, **kwargs))
    document: dict[str, Any] = json.loads(data)
    assert SCHEMA.is_valid(document), list(SCHEMA.iter_errors(document))
    return document


def base_case(**update: Any) -> Case:
    fields: dict[str, Any] = {
        "origin": Reference(system=SourceSystem.DRT, ref="DOPA20002009670311", unit="MOI-DRT-2009"),
        "sender": "MOI-DRT-2009",
        "received_at": datetime(2024, 3, 1, 6, 20, tzinfo=UTC),
        "complainant": Complainant(given_name="วิไลวรรณ", family_name="ทองดี"),
        "matter": Matter(title="ขอความช่วยเหลือทางกฎหมาย", detail="ผู้ให้เช่าไม่คืนเงินประกัน"),
        "codes": {"damrongtham.main_type": "02", "damrongtham.sub_type": "108"},
        "status": StatusInfo(code=CaseStatus.RECEIVED, at=datetime(2024, 3, 1, 6, 20, tzinfo=UTC)),
    }
    fields.update(update)
    return Case(**fields)


@pytest.mark.parametrize("relative", [REFERRAL, DIRECT])
def test_examples_come_back_byte_for_byte(relative: str) -> None:
    data = (EXAMPLES / relative).read_bytes()
    case = OccAdapter().parse_one(data)
    assert OccAdapter().render(case, Receiver("OMB")) == data


@pytest.mark.parametrize("relative", [REFERRAL, DIRECT])
def test_round_trip_equals_the_first_parse(relative: str) -> None:
    first = OccAdapter().parse_one((EXAMPLES / relative).read_bytes())
    again = OccAdapter().parse_one(OccAdapter().render(first, Receiver("OMB")))
    assert again == first


def damrongtham_adapter() -> Any:
    module = importlib.import_module("saphan_damrongtham")
    adapter_class = getattr(module, "DamrongthamAdapter", None)
    if adapter_class is None:
        pytest.skip("saphan_damrongtham has no DamrongthamAdapter yet")
    return adapter_class()


def test_damrongtham_escalation_becomes_exactly_the_occ_example() -> None:
    """The acceptance criterion: the same case in both formats (examples README)."""
    case = damrongtham_adapter().parse_one((EXAMPLES / ESCALATION_XML).read_bytes())
    rendered = OccAdapter().render(case, Receiver("OMB"))
    expected = (EXAMPLES / REFERRAL).read_bytes()
    assert json.loads(rendered) == json.loads(expected)
    assert rendered == expected  # the same bytes, key order and layout included


def test_all_keys_are_written_in_the_spec_order_with_nulls() -> None:
    document = render(base_case(), "AGO-RP-20")
    assert list(document) == SPEC_ORDER
    assert list(document["source"]) == ["system", "unit", "ref"]
    assert list(document["complainant"]) == [
        "anonymous",
        "disclose_identity",
        "citizen_id",
        "prefix",
        "given_name",
        "family_name",
        "phone",
        "email",
        "address",
    ]
    assert document["occ_no"] is None and document["respondent"] is None
    assert document["incident"] is None and document["complainant"]["address"] is None
    assert document["documents"] == []


def test_legal_aid_referral_without_escalation_uses_central_agency_authority() -> None:
    document = render(base_case(), "AGO-RP-20")
    assert document["referral"] == {
        "reason": DEFAULT_REFERRAL_REASON,
        "note": None,
        "referred_at": "2024-03-01T13:20:00+07:00",  # the status time: no send time given
    }
    assert DEFAULT_REFERRAL_REASON == "CENTRAL_AGENCY_AUTHORITY"
    assert document["matter"]["topic"] == "OTHER"  # damrongtham 108 → OTHER (agency table)
    assert document["source"] == {
        "system": "DRT",
        "unit": "MOI-DRT-2009",
        "ref": "DOPA20002009670311",
    }


def test_referral_time_is_escalation_then_send_time_then_status_time() -> None:
    sent = datetime(2024, 3, 2, 1, 0, tzinfo=UTC)
    escalated = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    with_time = base_case(
        escalation=Escalation(reason=EscalationReason.LAW, note="n", at=escalated)
    )
    assert render(with_time, sent_at=sent)["referral"] == {
        "reason": "LEGAL_ISSUE",
        "note": "n",
        "referred_at": "2024-03-01T16:00:00+07:00",
    }
    no_time = base_case(escalation=Escalation(reason=EscalationReason.OVERDUE))
    assert render(no_time, sent_at=sent)["referral"]["referred_at"] == "2024-03-02T08:00:00+07:00"
    assert render(no_time)["referral"] == {
        "reason": "UNRESOLVED_AT_SOURCE",
        "note": None,
        "referred_at": "2024-03-01T13:20:00+07:00",
    }


def test_the_ombudsmans_own_case_back_to_it_has_no_referral() -> None:
    own = base_case(
        origin=Reference(system=SourceSystem.OMB, ref="OMB2024-000042", unit="OMB"), sender="OMB"
    )
    assert render(own, "OMB")["referral"] is None
    assert render(own, "OMB")["occ_no"] == "OMB2024-000042"
    # the same case handed on to a rights-protection office is a referral
    assert render(own, "AGO-RP-20")["referral"]["reason"] == DEFAULT_REFERRAL_REASON


PSC_TICKET = Reference(system=SourceSystem.PSC1111, ref="6710110000124", unit="PSC")
OMB_NUMBER = Reference(system=SourceSystem.OMB, ref="OMB2024-000042", unit="OMB")
AGO_NUMBER = Reference(system=SourceSystem.AGO, ref="AGO-RP-34/2567/12", unit="AGO-RP-34")


@pytest.mark.parametrize(
    ("sender", "references", "system"),
    [
        ("MOI-DRT-3415", [], SourceSystem.DRT),
        ("MOI-DRT-34", [], SourceSystem.DRT),
        ("MOI-DRT", [], SourceSystem.DRT),
        ("OMB", [OMB_NUMBER], SourceSystem.OMB),
        ("AGO-RP-34", [AGO_NUMBER], SourceSystem.AGO),
        ("PSC", [PSC_TICKET], SourceSystem.PSC1111),
        ("RTP-IG", [PSC_TICKET], SourceSystem.PSC1111),
        ("DOL", [PSC_TICKET], SourceSystem.PSC1111),
    ],
)
def test_source_is_the_sender_and_its_own_number(
    sender: str, references: list[Reference], system: SourceSystem
) -> None:
    case = base_case(sender=sender, references=references)
    assert sending_system(case) == system
    document = render(case, "AGO-RP-20")
    assert document["source"] == {
        "system": system.value,
        "unit": sender,
        "ref": case.reference(system),
    }


@pytest.mark.parametrize(
    ("sender", "system"),
    [
        ("OMB", SourceSystem.OMB),
        ("AGO-RP-34", SourceSystem.AGO),
        ("PSC", SourceSystem.PSC1111),
        ("DOL", SourceSystem.OTHER),  # no 1111 ticket either: not known as a 1111 agency
    ],
)
def test_a_sender_that_has_not_numbered_the_case_sends_the_origins_number(
    sender: str, system: SourceSystem
) -> None:
    case = base_case(sender=sender)  # numbered by the Warin Chamrap center only
    assert sending_system(case) == system
    assert render(case, "AGO-RP-20")["source"] == {
        "system": "DRT",  # the number is the Damrongtham center's: filed under DRT
        "unit": sender,
        "ref": "DOPA20002009670311",
    }


def test_source_ref_is_the_sending_systems_own_number() -> None:
    case = base_case(
        origin=Reference(system=SourceSystem.PSC1111, ref="6710110000124", unit="PSC"),
        references=[Reference(system=SourceSystem.DRT, ref="DOPA40004001670009")],
        sender="MOI-DRT-40",
    )
    assert render(case)["source"] == {
        "system": "DRT",
        "unit": "MOI-DRT-40",
        "ref": "DOPA40004001670009",
    }


@pytest.mark.parametrize(
    ("address", "line"),
    [
        (Address(house_no="12/3", moo="5"), "12/3 หมู่ 5"),
        (Address(house_no="88/12", road="สุขุมวิท"), "88/12 ถนน สุขุมวิท"),
        (
            Address(house_no="7", soi="รามคำแหง 24", road="รามคำแหง"),
            "7 ซอย รามคำแหง 24 ถนน รามคำแหง",
        ),
        (Address(house_no="7", soi="ซอยรามคำแหง 24"), "7 ซอยรามคำแหง 24"),
        (Address(house_no="1", moo="3", line="บ้านเลขที่ 1 หมู่ 3"), "บ้านเลขที่ 1 หมู่ 3"),
        (Address(), None),
    ],
)
def test_address_line_is_the_line_or_built_from_parts(address: Address, line: str | None) -> None:
    case = base_case(complainant=Complainant(address=address))
    assert render(case)["complainant"]["address"]["line"] == line


def test_geocode_is_written_only_for_a_subdistrict() -> None:
    full = Area(province="34", district="3415", subdistrict="341510")
    case = base_case(
        complainant=Complainant(address=Address(line="x", area=Area(province="34"))),
        incident=Place(area=full, lat=1e-05, lon=104.0),
    )
    document = render(case)
    assert document["complainant"]["address"]["geocode"] is None
    assert document["incident"] == {"geocode": "341510", "lat": "0.00001", "lon": "104.0"}


def test_identity_protection_includes_secrecy() -> None:
    assert render(base_case(secrecy=1))["complainant"]["disclose_identity"] is False
    assert render(base_case())["complainant"]["disclose_identity"] is True


@pytest.mark.parametrize(
    ("codes", "topic"),
    [
        ({"damrongtham.sub_type": "101"}, "LAND_AND_PROPERTY"),
        ({"pmo1111.topic": "T02"}, "MALADMINISTRATION"),
        ({"pmo1111.topic": "T14"}, "UNFAIR_LAW"),
        ({"occ.topic": "ETHICS", "damrongtham.sub_type": "101"}, "ETHICS"),
        ({}, "OTHER"),
    ],
)
def test_topic_goes_through_the_crosswalks(codes: dict[str, str], topic: str) -> None:
    assert render(base_case(codes=codes))["matter"]["topic"] == topic


@pytest.mark.parametrize(
    ("status", "codes", "code"),
    [
        (CaseStatus.ESCALATED, {}, "REFERRED"),
        (CaseStatus.CANCELLED, {}, "REJECTED"),
        (CaseStatus.ACCEPTED, {}, "UNDER_REVIEW"),
        (CaseStatus.FORWARDED, {"occ.status": "REFERRED"}, "REFERRED"),
        # a code the case brought that no longer says its status is not repeated
        (CaseStatus.CONCLUDED, {"occ.status": "REFERRED"}, "CONCLUDED"),
    ],
)
def test_status_is_encoded(status: CaseStatus, codes: dict[str, str], code: str) -> None:
    at = datetime(2024, 3, 5, 3, 0, 30, 250000, tzinfo=UTC)
    case = base_case(status=StatusInfo(code=status, at=at, note="บันทึก"), codes=codes)
    assert render(case)["status"] == {
        "code": code,
        "at": "2024-03-05T10:00:30.250000+07:00",
        "note": "บันทึก",
    }


def test_unknown_keys_go_back_where_they_were() -> None:
    doc = json.loads((EXAMPLES / REFERRAL).read_bytes())
    doc["x_priority"] = 2
    doc["complainant"]["line_id"] = "somsri.j"
    doc["incident"]["accuracy_m"] = 30
    case = OccAdapter().parse_one(json.dumps(doc, ensure_ascii=False).encode())
    out = json.loads(OccAdapter().render(case, Receiver("OMB")))
    assert out == doc
    # where the object is no longer written, the kept key has nowhere to go and is left out
    moved = case.model_copy(update={"incident": None})
    assert json.loads(OccAdapter().render(moved, Receiver("OMB")))["incident"] is None


def test_only_one_case_per_message() -> None:
    case = base_case()
    with pytest.raises(InputError):
        OccAdapter().render([case, case], Receiver("OMB"))


def test_the_registry_finds_the_adapter() -> None:
    adapter = get_adapter("occ")
    assert isinstance(adapter, OccAdapter) and not adapter.batch


def test_occ_no_is_only_ever_an_ombudsman_number() -> None:
    # the Ombudsman passing on a case it has not numbered: it goes under the origin's number
    passed_on = base_case(sender="OMB")
    document = render(passed_on, "AGO-RP-20")
    assert document["source"] == {"system": "DRT", "unit": "OMB", "ref": "DOPA20002009670311"}
    assert document["occ_no"] is None
    again = OccAdapter().parse_one(json.dumps(document).encode())
    assert render(again, "AGO-RP-20")["occ_no"] is None
    # a sender's own reference filed under OMB does not hide the real OCC number
    both = base_case(
        origin=Reference(system=SourceSystem.OMB, ref="internal-7", unit="OMB"),
        references=[Reference(system=SourceSystem.OMB, ref="OMB2024-000042", unit="OMB")],
        sender="OMB",
    )
    assert render(both, "AGO-RP-20")["occ_no"] == "OMB2024-000042"

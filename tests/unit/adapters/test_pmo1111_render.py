"""Canonical cases → 1111 batch: the example round trip, holder fields, the derived
envelope, and each rule of the renderer."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from conftest import EXAMPLES, ROOT
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from saphan.canonical import (
    Address,
    Area,
    Case,
    CaseStatus,
    Complainant,
    Complexity,
    Matter,
    Reference,
    SourceSystem,
    StatusInfo,
)
from saphan.translate.adapter import Receiver
from saphan.translate.registry import get_adapter
from saphan_pmo1111 import Pmo1111Adapter
from saphan_pmo1111.render import _yyyymmdd

BATCH = "pmo1111/batch-three-records.json"
SCHEMA = Draft202012Validator(
    json.loads((ROOT / "schemas" / "agencies" / "pmo1111.schema.json").read_text("utf-8")),
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)
RECORD_ORDER = [
    "ticket_no",
    "ext_ref",
    "channel",
    "recv_ms",
    "person",
    "hide_identity",
    "anonymous",
    "case_type",
    "topic",
    "title",
    "detail",
    "place",
    "target_agency",
    "complexity",
    "due_days",
    "secrecy",
    "status",
    "files",
]


def render(cases: Case | list[Case], receiver: str = "DOL", **kwargs: Any) -> dict[str, Any]:
    data = Pmo1111Adapter().render(cases, Receiver(receiver, **kwargs))
    document: dict[str, Any] = json.loads(data)
    assert SCHEMA.is_valid(document), list(SCHEMA.iter_errors(document))
    return document


def example_cases() -> list[Case]:
    return Pmo1111Adapter().parse((EXAMPLES / BATCH).read_bytes()).cases


def drt_case(**update: Any) -> Case:
    fields: dict[str, Any] = {
        "origin": Reference(system=SourceSystem.DRT, ref="DOPA34003415670123", unit="MOI-DRT-3415"),
        "sender": "MOI-DRT-3415",
        "received_at": datetime(2024, 9, 6, 3, 35, tzinfo=UTC),
        "complainant": Complainant(
            prefix="นาง",
            given_name="สมศรี",
            family_name="ใจดี",
            phone="+66812345678",
            address=Address(
                house_no="12/3",
                moo="5",
                area=Area(province="34", district="3415", subdistrict="341510"),
                postcode="34190",
            ),
        ),
        "matter": Matter(title="ที่ดิน", detail="ออกโฉนดทับทางสาธารณะ", request="เพิกถอน"),
        "codes": {
            "damrongtham.channel": "01",
            "damrongtham.main_type": "02",
            "damrongtham.sub_type": "101",
        },
        "status": StatusInfo(code=CaseStatus.ESCALATED, at=datetime(2024, 9, 10, 7, 0, tzinfo=UTC)),
    }
    fields.update(update)
    return Case(**fields)


def test_example_records_come_back_unchanged_but_for_the_holder_field() -> None:
    rendered = render(example_cases(), "DOL")
    original = json.loads((EXAMPLES / BATCH).read_bytes())
    assert len(rendered["records"]) == 3
    for mine, theirs in zip(rendered["records"], original["records"], strict=True):
        assert list(mine) == RECORD_ORDER
        assert mine["target_agency"] == "DOL"  # the receiver decides it
        assert {**mine, "target_agency": theirs["target_agency"]} == theirs


def test_round_trip_equals_the_first_parse_but_for_the_holder_field() -> None:
    first = example_cases()
    again = Pmo1111Adapter().parse(Pmo1111Adapter().render(first, Receiver("DOL"))).cases
    assert len(again) == 3
    for a, b in zip(first, again, strict=True):
        assert b.target_agency == "DOL"
        assert b.model_copy(update={"target_agency": a.target_agency}) == a


def test_rendering_for_1111_itself_keeps_the_agency_the_case_asked_for() -> None:
    records = render(example_cases(), "PSC")["records"]
    assert [r["target_agency"] for r in records] == [None, "DOL", None]


def test_envelope_is_derived_from_the_send_time_and_content() -> None:
    cases = example_cases()
    sent = datetime(2024, 10, 11, 17, 30, tzinfo=UTC)  # 00:30 on 12 Oct in Thailand
    first = Pmo1111Adapter().render(cases, Receiver("DOL", sent_at=sent))
    second = Pmo1111Adapter().render(cases, Receiver("DOL", sent_at=sent))
    assert first == second  # pure: no clock, no randomness
    envelope = json.loads(first)
    assert envelope["psc_version"] == "1.0"
    assert envelope["generated_ms"] == int(sent.timestamp() * 1000)
    assert envelope["batch_id"].startswith("PSC-20241012-")
    other = json.loads(Pmo1111Adapter().render(cases[:2], Receiver("DOL", sent_at=sent)))
    assert other["batch_id"] != envelope["batch_id"]  # the number follows the content


def test_without_a_send_time_the_batch_is_as_of_its_latest_status() -> None:
    cases = example_cases()
    envelope = render(cases)
    latest = max(c.status.at for c in cases)
    assert envelope["generated_ms"] == int(latest.timestamp() * 1000)


def test_a_case_from_elsewhere_carries_ext_ref_and_the_referral_channel() -> None:
    record = render(drt_case(), "RTP-IG")["records"][0]
    assert record["ticket_no"] is None
    assert record["ext_ref"] == {"system": "DRT", "ref": "DOPA34003415670123"}
    assert record["channel"] == 6
    assert record["case_type"] == 1  # damrongtham 02 → 1
    assert record["topic"] == "T03"  # damrongtham 101 → T03
    assert record["status"] == 1  # escalated → forwarded
    assert record["target_agency"] == "RTP-IG"
    assert record["person"]["tel"] == "0812345678"
    assert record["person"]["addr"] == "12/3 หมู่ 5"
    assert (record["person"]["prov_code"], record["person"]["amp_code"]) == ("34", "3415")
    assert record["recv_ms"] == 1725593700000


def test_a_1111_ticket_held_elsewhere_is_written_back() -> None:
    case = drt_case(references=[Reference(system=SourceSystem.PSC1111, ref="6709060000007")])
    assert render(case)["records"][0]["ticket_no"] == "6709060000007"


def test_first_hand_1111_case_keeps_its_channel() -> None:
    case = drt_case(
        origin=Reference(system=SourceSystem.PSC1111, ref="6709060000007", unit="PSC"),
        codes={"pmo1111.channel": "4", "pmo1111.topic": "T11"},
    )
    record = render(case)["records"][0]
    assert (record["channel"], record["topic"], record["ext_ref"]) == (4, "T11", None)


def test_anonymous_complainant_has_no_person() -> None:
    case = drt_case(
        complainant=Complainant(anonymous=True, conceal_identity=True, phone="+66812345678")
    )
    record = render(case)["records"][0]
    assert record["person"] is None
    assert (record["anonymous"], record["hide_identity"]) == (True, True)


def test_a_phone_outside_thailand_has_no_1111_form() -> None:
    case = drt_case(complainant=Complainant(given_name="A", phone="+14155550100"))
    assert render(case)["records"][0]["person"]["tel"] is None


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (CaseStatus.RECEIVED, 0),
        (CaseStatus.FORWARDED, 1),
        (CaseStatus.ESCALATED, 1),
        (CaseStatus.ACCEPTED, 2),
        (CaseStatus.IN_PROGRESS, 3),
        (CaseStatus.CONCLUDED, 4),
        (CaseStatus.REJECTED, 5),
        (CaseStatus.CANCELLED, 9),
    ],
)
def test_status_is_encoded(status: CaseStatus, code: int) -> None:
    at = datetime(2024, 9, 12, tzinfo=UTC)
    assert render(drt_case(status=StatusInfo(code=status, at=at)))["records"][0]["status"] == code


def test_holder_and_handling_fields() -> None:
    case = drt_case(complexity=Complexity.COMPLEX, due_days=30, secrecy=2)
    record = render(case)["records"][0]
    assert (record["complexity"], record["due_days"], record["secrecy"]) == ("C", 30, 2)
    assert record["hide_identity"] is False  # conceal_identity; secrecy travels on its own


def test_unknown_keys_go_back_into_their_record() -> None:
    doc = json.loads((EXAMPLES / BATCH).read_bytes())
    doc["records"][2]["x_line_id"] = "anan"
    doc["records"][2]["place"]["accuracy_m"] = 15
    parsed = Pmo1111Adapter().parse(json.dumps(doc, ensure_ascii=False).encode())
    record = render(parsed.cases, "PSC")["records"][2]
    assert record["x_line_id"] == "anan" and record["place"]["accuracy_m"] == 15


def test_the_registry_finds_the_batch_adapter() -> None:
    adapter = get_adapter("pmo1111")
    assert isinstance(adapter, Pmo1111Adapter) and adapter.batch


@given(st.dates())
def test_the_batch_date_is_strftimes(day: date) -> None:
    assert _yyyymmdd(day) == f"{day:%Y%m%d}"

"""OCC 2.1 → canonical case: the examples, the invalid example, and each mapping rule."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import EXAMPLES

from saphan.canonical import (
    Area,
    CaseStatus,
    EscalationReason,
    RespondentKind,
    SourceSystem,
)
from saphan.errors import InputError, TooLargeError
from saphan.translate.adapter import Parsed
from saphan_occ import OccAdapter

REFERRAL = "occ/referral-from-warin-chamrap.json"
DIRECT = "occ/direct-unfair-regulation.json"
INVALID = "invalid/occ-unknown-topic-no-complainant.json"
ICT = timedelta(hours=7)


def example(relative: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / relative).read_bytes())
    return data


def parse(document: dict[str, Any]) -> Parsed:
    return OccAdapter().parse(json.dumps(document, ensure_ascii=False).encode("utf-8"))


def problems_of(document: dict[str, Any]) -> dict[str, str]:
    record = parse(document).records[0]
    assert record.case is None
    return {p.path: p.message for p in record.problems}


def test_referral_example_maps_every_field() -> None:
    parsed = OccAdapter().parse((EXAMPLES / REFERRAL).read_bytes())
    assert parsed.format == "occ"
    (record,) = parsed.records
    assert record.ok and record.tracking_no == "DOPA34003415670123"
    case = record.case
    assert case is not None
    assert (case.origin.system, case.origin.ref, case.origin.unit) == (
        SourceSystem.DRT,
        "DOPA34003415670123",
        "MOI-DRT-3415",
    )
    assert case.references == []  # occ_no is null: the Ombudsman has not numbered it yet
    assert case.sender == "MOI-DRT-3415"
    assert case.received_at.utcoffset() == ICT
    assert case.received_at == datetime(2024, 9, 6, 3, 35, tzinfo=UTC)
    c = case.complainant
    assert not c.anonymous and c.conceal_identity and case.identity_protected
    assert (c.citizen_id, c.citizen_id_verified) == ("3260181590835", True)
    assert (c.prefix, c.given_name, c.family_name) == ("นาง", "สมศรี", "ใจดี")
    assert (c.phone, c.email) == ("+66812345678", None)
    assert c.address is not None
    assert c.address.line == "12/3 หมู่ 5"
    assert c.address.area == Area(province="34", district="3415", subdistrict="341510")
    assert c.address.postcode == "34190"
    assert case.respondent is not None
    assert case.respondent.kind == RespondentKind.AGENCY
    assert case.respondent.name == "สำนักงานที่ดินจังหวัดอุบลราชธานี สาขาวารินชำราบ"
    assert case.matter.title == "ขอให้ตรวจสอบการออกโฉนดที่ดินทับทางสาธารณประโยชน์"
    assert case.matter.detail.startswith("ผู้ร้องแจ้งว่ามีการออกโฉนด")
    assert case.matter.request == "ขอให้เพิกถอนโฉนดที่ออกทับทางสาธารณะ"
    assert case.codes == {"occ.topic": "LAND_AND_PROPERTY", "occ.status": "REFERRED"}
    assert case.incident is not None
    assert case.incident.area.subdistrict == "341510"
    assert (case.incident.lat, case.incident.lon) == (15.1931, 104.8617)
    assert case.escalation is not None
    assert case.escalation.reason == EscalationReason.REGULATION
    assert case.escalation.note == "การเพิกถอนเอกสารสิทธิ์ต้องแก้ไขระเบียบ เกินอำนาจศูนย์ดำรงธรรมอำเภอ"
    assert case.escalation.at == datetime(2024, 9, 10, 7, 0, tzinfo=UTC)
    assert case.status.code == CaseStatus.FORWARDED
    assert case.status.at == datetime(2024, 9, 10, 7, 0, tzinfo=UTC)
    (attachment,) = case.attachments
    assert (attachment.filename, attachment.media_type, attachment.size) == (
        "แผนที่.png",
        "image/png",
        69,
    )
    assert attachment.sha256 == hashlib.sha256(base64.b64decode(attachment.content_b64)).hexdigest()
    assert case.warnings == [] and case.extensions == {}


def test_direct_example_is_the_ombudsmans_own_case() -> None:
    case = OccAdapter().parse_one((EXAMPLES / DIRECT).read_bytes())
    assert case.origin == case.origin.model_copy(
        update={"system": SourceSystem.OMB, "ref": "OMB2024-004512", "unit": "OMB"}
    )
    # occ_no repeats the origin's number: it is not listed twice
    assert case.references == []
    assert case.reference(SourceSystem.OMB) == "OMB2024-004512"
    assert case.escalation is None  # referral may be null: source.system is OMB
    assert case.status.code == CaseStatus.ACCEPTED  # UNDER_REVIEW
    assert case.incident is None and case.attachments == []
    assert not case.complainant.conceal_identity
    assert case.complainant.address is not None
    assert case.complainant.address.area == Area(
        province="10", district="1004", subdistrict="100404"
    )


def test_invalid_example_reports_exactly_its_two_problems() -> None:
    data = (EXAMPLES / INVALID).read_bytes()
    parsed = OccAdapter().parse(data)  # a bad case is a record with problems, not a raise
    (record,) = parsed.records
    assert record.case is None
    assert record.raw == data
    assert record.tracking_no == "OMB2024-004512"
    paths = sorted(p.path for p in record.problems)
    assert paths == ["/complainant", "/matter/topic"]
    topic = next(p for p in record.problems if p.path == "/matter/topic")
    assert "CORRUPTION" in topic.message
    with pytest.raises(InputError) as raised:
        OccAdapter().parse_one(data)
    assert sorted(p.path for p in raised.value.problems) == paths


def test_every_problem_is_reported_at_once() -> None:
    doc = example(REFERRAL)
    doc["matter"]["topic"] = "CORRUPTION"
    doc["complainant"]["address"]["geocode"] = "349999"  # well-formed, no such subdistrict
    doc["documents"][0]["sha256"] = "0" * 64
    doc["incident"]["lat"] = "north"
    doc["submitted_at"] = "2024-02-30T10:00:00+07:00"
    doc["referral"] = None
    assert set(problems_of(doc)) == {
        "/matter/topic",
        "/complainant/address/geocode",
        "/documents/0/sha256",
        "/incident/lat",
        "/submitted_at",
        "/referral",
    }


def test_referral_is_required_unless_the_source_is_the_ombudsman() -> None:
    doc = example(REFERRAL)
    doc.pop("referral")
    assert problems_of(doc) == {"/referral": "required unless source.system is OMB"}
    doc["source"] = {"system": "OMB", "unit": "OMB", "ref": "OMB2024-000001"}
    assert parse(doc).records[0].ok


def test_wrong_check_digit_is_kept_with_a_warning() -> None:
    doc = example(REFERRAL)
    doc["complainant"]["citizen_id"] = "3260181590836"
    case = parse(doc).records[0].case
    assert case is not None
    assert case.complainant.citizen_id == "3260181590836"
    assert case.complainant.citizen_id_verified is False
    (warning,) = case.warnings
    assert warning.path == "/complainant/citizen_id"
    assert warning.code == "citizen-id-check-digit"


def test_null_and_absent_are_the_same() -> None:
    absent = example(DIRECT)
    for key in ("occ_no", "respondent", "incident", "referral", "documents"):
        absent.pop(key)
    for key in ("email", "citizen_id", "address"):
        absent["complainant"].pop(key)
    nulls = example(DIRECT)
    for key in ("occ_no", "respondent", "incident", "referral", "documents"):
        nulls[key] = None
    for key in ("email", "citizen_id", "address"):
        nulls["complainant"][key] = None
    a, b = parse(absent).records[0].case, parse(nulls).records[0].case
    assert a is not None and a == b
    assert a.respondent is None and a.complainant.address is None and a.attachments == []


def test_missing_status_reads_as_received_at_submission() -> None:
    doc = example(DIRECT)
    doc["status"] = None
    case = parse(doc).records[0].case
    assert case is not None
    assert case.status.code == CaseStatus.RECEIVED
    assert case.status.at == case.received_at
    assert "occ.status" not in case.codes  # nothing was said: no code is invented


@pytest.mark.parametrize(
    ("lat", "lon"), [("15.1931", "104.8617"), (15.1931, 104.8617), ("15.1931", 104.8617)]
)
def test_coordinates_are_numbers_or_numeric_strings(lat: Any, lon: Any) -> None:
    doc = example(REFERRAL)
    doc["incident"].update(lat=lat, lon=lon)
    case = parse(doc).records[0].case
    assert case is not None and case.incident is not None
    assert (case.incident.lat, case.incident.lon) == (15.1931, 104.8617)


@pytest.mark.parametrize("lat", ["90.5", 91, "1e1", "", True, "๑๕.๑"])
def test_out_of_range_or_malformed_coordinates_are_refused(lat: Any) -> None:
    doc = example(REFERRAL)
    doc["incident"]["lat"] = lat
    assert list(problems_of(doc)) == ["/incident/lat"]


def test_unknown_geocode_is_refused_with_its_path() -> None:
    doc = example(REFERRAL)
    doc["incident"]["geocode"] = "341599"
    assert problems_of(doc) == {"/incident/geocode": "no subdistrict has the DOPA code 341599"}


def test_document_size_and_hash_are_checked() -> None:
    doc = example(REFERRAL)
    doc["documents"][0]["size"] = 70
    assert list(problems_of(doc)) == ["/documents/0/size"]
    doc = example(REFERRAL)
    doc["documents"][0]["content_b64"] = "not base64!"
    assert list(problems_of(doc)) == ["/documents/0/content_b64"]


def test_unknown_keys_are_kept_verbatim_by_pointer() -> None:
    doc = example(REFERRAL)
    doc["x_priority"] = {"level": 2, "flags": ["a", None]}
    doc["complainant"]["line_id"] = "somsri.j"
    doc["documents"][0]["caption/th"] = "แผนที่"
    case = parse(doc).records[0].case
    assert case is not None
    assert case.extensions == {
        "occ": {
            "/x_priority": {"level": 2, "flags": ["a", None]},
            "/complainant/line_id": "somsri.j",
            "/documents/0/caption~1th": "แผนที่",
        }
    }


def test_duplicate_keys_are_refused_not_guessed() -> None:
    text = (EXAMPLES / DIRECT).read_text(encoding="utf-8")
    text = text.replace('"topic": "UNFAIR_LAW"', '"topic": "UNFAIR_LAW", "topic": "OTHER"')
    (record,) = OccAdapter().parse(text.encode("utf-8")).records
    assert record.case is None
    assert [p.path for p in record.problems] == ["/matter/topic"]
    assert "more than once" in record.problems[0].message


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b'{"occ_version": "2.1",',
        b"[1, 2]",
        b'"text"',
        b'{"a": NaN}',
        b"\xff\xfe{}",
        b'{"a": 1} {"b": 2}',
        b"[" * 100_000,
    ],
)
def test_unreadable_messages_raise_input_error(data: bytes) -> None:
    with pytest.raises(InputError) as raised:
        OccAdapter().parse(data)
    assert raised.value.problems and raised.value.problems[0].path == ""


def test_size_limit_is_enforced_before_parsing() -> None:
    limit = OccAdapter.limits.max_bytes
    with pytest.raises(TooLargeError):
        OccAdapter().parse(b" " * (limit + 1))


def test_excess_nesting_inside_a_document_is_a_problem() -> None:
    doc = example(DIRECT)
    deep: Any = "bottom"
    for _ in range(40):
        deep = {"d": deep}
    doc["x_deep"] = deep
    problems = problems_of(doc)
    assert len(problems) == 1
    (path,) = problems
    assert path.startswith("/x_deep/d/d") and "deeper than 32" in problems[path]


def test_a_byte_order_mark_is_ignored() -> None:
    data = b"\xef\xbb\xbf" + (EXAMPLES / DIRECT).read_bytes()
    assert OccAdapter().parse(data).records[0].ok


def test_parsing_does_not_change_the_input() -> None:
    doc = example(REFERRAL)
    before = copy.deepcopy(doc)
    parse(doc)
    assert doc == before

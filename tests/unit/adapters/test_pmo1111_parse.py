"""1111 batch → canonical cases: record by record, every rule of the mapping."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import EXAMPLES

from saphan.canonical import (
    Area,
    CaseStatus,
    Complexity,
    Reference,
    SourceSystem,
)
from saphan.errors import InputError, TooLargeError
from saphan.translate.adapter import Parsed
from saphan_pmo1111 import Pmo1111Adapter
from saphan_pmo1111.parse import _has_code, ticket_date

BATCH = "pmo1111/batch-three-records.json"
INVALID = "invalid/pmo1111-one-bad-record.json"


def example(relative: str = BATCH) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / relative).read_bytes())
    return data


def parse(document: dict[str, Any]) -> Parsed:
    return Pmo1111Adapter().parse(json.dumps(document, ensure_ascii=False).encode("utf-8"))


def one_record(**changes: Any) -> dict[str, Any]:
    """The batch example cut down to its second record, with ``changes`` applied."""
    doc = example()
    record = doc["records"][1]
    for key, value in changes.items():
        if value is ...:
            record.pop(key)
        else:
            record[key] = value
    doc["records"] = [record]
    return doc


def problems_of(document: dict[str, Any]) -> dict[str, str]:
    (record,) = parse(document).records
    assert record.case is None
    return {p.path: p.message for p in record.problems}


def test_batch_example_gives_three_cases() -> None:
    data = (EXAMPLES / BATCH).read_bytes()
    parsed = Pmo1111Adapter().parse(data)
    assert parsed.format == "pmo1111"
    assert [r.ok for r in parsed.records] == [True, True, True]
    assert [r.tracking_no for r in parsed.records] == [
        "6710110000123",
        "6710110000124",
        "6710110000125",
    ]
    assert parsed.envelope == {
        "psc_version": "1.0",
        "batch_id": "PSC-20241011-0007",
        "generated_ms": 1728612060000,
    }
    source = json.loads(data)["records"]
    for record, original in zip(parsed.records, source, strict=True):
        # each record keeps its own bytes, exactly as they stood in the message
        assert record.raw in data
        assert json.loads(record.raw) == original


def test_first_record_maps_every_field() -> None:
    case = Pmo1111Adapter().parse((EXAMPLES / BATCH).read_bytes()).records[0].case
    assert case is not None
    assert case.origin == Reference(system=SourceSystem.PSC1111, ref="6710110000123", unit="PSC")
    assert case.references == [] and case.sender == "PSC"
    assert case.received_at == datetime(2024, 10, 11, 2, 0, tzinfo=UTC)
    assert case.received_at.tzinfo is not None
    c = case.complainant
    assert (c.citizen_id, c.citizen_id_verified) == ("3181909378651", True)
    assert (c.prefix, c.given_name, c.family_name) == ("นาย", "ธนากร", "มีสุข")
    assert c.phone == "+66812223333"
    assert c.address is not None
    assert c.address.line == "7 ซอยรามคำแหง 24"
    assert c.address.area == Area(province="10", district="1004", subdistrict="100404")
    assert c.address.postcode == "10500"
    assert not c.anonymous and not c.conceal_identity and not case.identity_protected
    assert case.codes == {
        "pmo1111.channel": "1",
        "pmo1111.case_type": "2",
        "pmo1111.topic": "T02",
        "pmo1111.status": "0",
    }
    assert case.matter.title == "เจ้าหน้าที่ตำรวจจราจรเรียกรับเงิน"
    assert case.incident is not None
    assert case.incident.area.subdistrict == "100404"
    assert case.incident.lat is None
    assert case.target_agency is None and case.due_days is None
    assert case.complexity == Complexity.GENERAL and case.secrecy == 0
    # a new record is new as of its receipt
    assert case.status.code == CaseStatus.RECEIVED and case.status.at == case.received_at
    assert case.attachments == [] and case.warnings == [] and case.extensions == {}


def test_second_record_is_complex_secret_with_a_file() -> None:
    case = Pmo1111Adapter().parse((EXAMPLES / BATCH).read_bytes()).records[1].case
    assert case is not None
    assert case.complexity == Complexity.COMPLEX
    assert case.secrecy == 1 and case.identity_protected
    assert case.complainant.conceal_identity  # hide_identity: true
    assert case.target_agency == "DOL"
    (attachment,) = case.attachments
    assert (attachment.filename, attachment.media_type) == ("คำขอ.pdf", "application/pdf")
    record = example()["records"][1]["files"][0]
    assert attachment.size == len(base64.b64decode(record["b64"]))
    assert attachment.sha256 == record["h"]


def test_third_record_has_coordinates() -> None:
    case = Pmo1111Adapter().parse((EXAMPLES / BATCH).read_bytes()).records[2].case
    assert case is not None and case.incident is not None
    assert (case.incident.lat, case.incident.lon) == (12.8035, 100.9151)
    assert case.incident.area == Area(province="20", district="2009", subdistrict="200902")


def test_invalid_batch_refuses_record_two_only() -> None:
    data = (EXAMPLES / INVALID).read_bytes()
    parsed = Pmo1111Adapter().parse(data)
    good, bad, also_good = parsed.records
    assert good.ok and also_good.ok
    assert bad.index == 1 and bad.case is None
    assert sorted(p.path for p in bad.problems) == ["/records/1/recv_ms", "/records/1/topic"]
    assert bad.tracking_no == "6710110000124"
    assert json.loads(bad.raw)["recv_ms"] == "yesterday"  # kept for repair and replay
    valid = Pmo1111Adapter().parse((EXAMPLES / BATCH).read_bytes())
    assert [good.case, also_good.case] == [valid.records[0].case, valid.records[2].case]
    assert parsed.problems == list(bad.problems)


def test_ext_ref_is_the_origin_and_the_ticket_a_reference() -> None:
    doc = one_record(ext_ref={"system": "DRT", "ref": "DOPA40004001670009"}, channel=6)
    case = parse(doc).records[0].case
    assert case is not None
    assert case.origin == Reference(system=SourceSystem.DRT, ref="DOPA40004001670009")
    assert case.references == [
        Reference(system=SourceSystem.PSC1111, ref="6710110000124", unit="PSC")
    ]
    doc = one_record(ext_ref={"system": "OMB", "ref": "OMB2024-000042"}, ticket_no=None)
    (record,) = parse(doc).records
    assert record.case is not None and record.case.references == []
    assert record.tracking_no == "OMB2024-000042"


def test_a_record_needs_a_ticket_or_an_ext_ref() -> None:
    assert problems_of(one_record(ticket_no=None)) == {
        "/records/0/ticket_no": "a record needs ticket_no, ext_ref or both"
    }


@pytest.mark.parametrize("ticket", ["6702300000001", "6602290000001", "6704310000001"])
def test_ticket_date_must_be_real(ticket: str) -> None:
    assert list(problems_of(one_record(ticket_no=ticket))) == ["/records/0/ticket_no"]


def test_ticket_date_reads_the_buddhist_era() -> None:
    assert ticket_date("6710110000123") == datetime(2024, 10, 11, tzinfo=UTC).date()
    assert ticket_date("6702290000001") is not None  # BE 2567 = CE 2024, a leap year
    assert ticket_date("6602290000001") is None  # CE 2023


def test_anonymous_record_has_no_person() -> None:
    assert problems_of(one_record(anonymous=True)) == {
        "/records/0/person": "must be null when anonymous is true"
    }
    case = parse(one_record(anonymous=True, person=None)).records[0].case
    assert case is not None
    assert case.complainant.anonymous and case.complainant.given_name is None
    assert case.complainant.conceal_identity  # hide_identity is kept


def test_area_codes_must_exist_and_nest() -> None:
    doc = one_record()
    doc["records"][0]["place"]["amp_code"] = "1004"  # Bang Rak: not where 400101 lies
    assert problems_of(doc) == {
        "/records/0/place/amp_code": "1004 is not the area that contains 400101"
    }
    doc = one_record()
    doc["records"][0]["person"]["tam_code"] = "400199"
    assert list(problems_of(doc)) == ["/records/0/person/tam_code"]


def test_only_a_province_is_enough() -> None:
    doc = one_record()
    doc["records"][0]["place"].update(amp_code=None, tam_code=None)
    case = parse(doc).records[0].case
    assert case is not None and case.incident is not None
    assert case.incident.area == Area(province="40")


def test_file_hash_is_checked() -> None:
    doc = one_record()
    doc["records"][0]["files"][0]["h"] = "f" * 64
    problems = problems_of(doc)
    assert list(problems) == ["/records/0/files/0/h"]
    assert "5a838678" in problems["/records/0/files/0/h"]


def test_status_time_of_a_reported_status_is_the_batch_time() -> None:
    doc = one_record(status=3)
    doc["generated_ms"] = 1728700000000
    case = parse(doc).records[0].case
    assert case is not None
    assert case.status.code == CaseStatus.IN_PROGRESS
    assert case.status.at == datetime.fromtimestamp(1728700000, UTC)
    # never before the receipt, even when the batch says so
    doc["generated_ms"] = 1728000000000
    case = parse(doc).records[0].case
    assert case is not None and case.status.at == case.received_at


def test_integers_written_as_whole_floats_are_integers() -> None:
    case = parse(one_record(channel=3.0, recv_ms=1728617400000.0)).records[0].case
    assert case is not None and case.codes["pmo1111.channel"] == "3"


@pytest.mark.parametrize(
    ("key", "value"),
    [("channel", "3"), ("channel", True), ("channel", 7), ("recv_ms", -1), ("secrecy", 4)],
)
def test_no_coercion(key: str, value: Any) -> None:
    assert list(problems_of(one_record(**{key: value}))) == [f"/records/0/{key}"]


def test_unknown_keys_are_kept_per_record() -> None:
    doc = one_record()
    doc["records"][0]["x_line_id"] = "malee"
    doc["records"][0]["person"]["nickname"] = "ลี"
    doc["x_batch_note"] = "night shift"
    parsed = parse(doc)
    case = parsed.records[0].case
    assert case is not None
    assert case.extensions == {"pmo1111": {"/x_line_id": "malee", "/person/nickname": "ลี"}}
    assert parsed.envelope["x_batch_note"] == "night shift"


def test_a_bad_record_never_costs_the_others() -> None:
    doc = example()
    doc["records"][0] = "not a record"
    doc["records"][2]["files"] = [{"n": "x"}]
    parsed = parse(doc)
    assert [r.ok for r in parsed.records] == [False, True, False]
    assert [p.path for p in parsed.records[0].problems] == ["/records/0"]
    assert {p.path for p in parsed.records[2].problems} == {
        "/records/2/files/0/t",
        "/records/2/files/0/h",
        "/records/2/files/0/b64",
    }


def test_duplicate_keys_cost_only_their_record() -> None:
    text = (EXAMPLES / BATCH).read_text(encoding="utf-8")
    text = text.replace('"topic": "T03"', '"topic": "T03", "topic": "T02"')
    parsed = Pmo1111Adapter().parse(text.encode("utf-8"))
    assert [r.ok for r in parsed.records] == [True, False, True]
    assert [p.path for p in parsed.records[1].problems] == ["/records/1/topic"]
    assert b'"topic": "T03", "topic": "T02"' in parsed.records[1].raw


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"psc_version": "2.0"}, "/psc_version"),
        ({"batch_id": "PSC-2024-7"}, "/batch_id"),
        ({"generated_ms": "now"}, "/generated_ms"),
        ({"records": []}, "/records"),
        ({"records": {"0": {}}}, "/records"),
    ],
)
def test_a_bad_envelope_refuses_the_whole_message(change: dict[str, Any], path: str) -> None:
    doc = {**example(), **change}
    with pytest.raises(InputError) as raised:
        parse(doc)
    assert [p.path for p in raised.value.problems] == [path]


def test_envelope_problems_are_all_reported() -> None:
    doc = example()
    doc.pop("batch_id")
    doc["psc_version"] = 1.0
    with pytest.raises(InputError) as raised:
        parse(doc)
    assert sorted(p.path for p in raised.value.problems) == ["/batch_id", "/psc_version"]


def test_repeated_records_key_refuses_the_message() -> None:
    text = (EXAMPLES / BATCH).read_text(encoding="utf-8")
    text = text.replace('"psc_version": "1.0",', '"psc_version": "1.0", "records": [],')
    with pytest.raises(InputError) as raised:
        Pmo1111Adapter().parse(text.encode("utf-8"))
    assert "/records" in [p.path for p in raised.value.problems]


def test_more_than_500_records_is_too_large() -> None:
    doc = example()
    doc["records"] = doc["records"][:1] * 501
    with pytest.raises(TooLargeError):
        parse(doc)


@pytest.mark.parametrize("data", [b"", b"[]", b'{"records": [1, 2', b'{"records": [] } x'])
def test_unreadable_batches_raise_input_error(data: bytes) -> None:
    with pytest.raises(InputError):
        Pmo1111Adapter().parse(data)


def test_an_area_has_a_code_exactly_when_it_is_not_the_empty_area() -> None:
    # the person's address is kept for its area alone: Area's own equality, asked per field
    for area in (Area(), Area(province="34"), Area(district="3415"), Area(subdistrict="341510")):
        assert _has_code(area) == (area != Area())

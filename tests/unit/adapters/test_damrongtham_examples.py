"""The spec's Damrongtham examples read into the right canonical values, the invalid ones are
refused with exactly the problems the examples README names, and every valid example
survives parse → render → parse in each of the three encodings."""

from __future__ import annotations

import base64
import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from saphan.canonical import (
    Case,
    CaseStatus,
    EscalationReason,
    Reference,
    RespondentKind,
    SourceSystem,
)
from saphan.errors import InputError
from saphan.reference.calendar import THAI_TZ
from saphan.translate.adapter import Receiver
from saphan.translate.registry import get_adapter
from saphan_damrongtham import DamrongthamAdapter

ADAPTER = DamrongthamAdapter()
VALID = [
    "escalation-warin-chamrap.xml",
    "provincial-informal-debt.xml",
    "legal-aid-sattahip.xml",
    "anonymous-tipoff-thai-digits.xml",
]
ENCODINGS = {"UTF-8": "utf-8", "TIS-620": "tis-620", "windows-874": "cp874"}


def read(examples: Path, name: str) -> Case:
    return ADAPTER.parse_one((examples / "damrongtham" / name).read_bytes())


def thai(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=THAI_TZ)


def test_the_entry_point_finds_this_adapter() -> None:
    adapter = get_adapter("damrongtham")
    assert isinstance(adapter, DamrongthamAdapter)
    assert adapter.media_type == "application/xml"


def test_escalation_from_warin_chamrap(examples: Path) -> None:
    case = read(examples, "escalation-warin-chamrap.xml")  # TIS-620 on the wire
    assert case.origin == Reference(
        system=SourceSystem.DRT, ref="DOPA34003415670123", unit="MOI-DRT-3415"
    )
    assert case.sender == "MOI-DRT-3415"
    assert case.received_at == thai(2024, 9, 6, 10, 35)
    assert case.received_at.utcoffset() == timedelta(hours=7)
    person = case.complainant
    assert (person.anonymous, person.conceal_identity) == (False, True)
    assert (person.citizen_id, person.citizen_id_verified) == ("3260181590835", True)
    assert (person.prefix, person.given_name, person.family_name) == ("นาง", "สมศรี", "ใจดี")
    assert person.phone == "+66812345678"
    assert person.address is not None
    assert (person.address.house_no, person.address.moo) == ("12/3", "5")
    assert person.address.area.subdistrict == "341510"
    assert (person.address.area.district, person.address.area.province) == ("3415", "34")
    assert person.address.postcode == "34190"
    assert case.respondent is not None and case.respondent.kind is RespondentKind.AGENCY
    assert case.matter.title == "ขอให้ตรวจสอบการออกโฉนดที่ดินทับทางสาธารณประโยชน์"
    assert case.matter.request == "ขอให้เพิกถอนโฉนดที่ออกทับทางสาธารณะ"
    assert case.codes == {
        "damrongtham.channel": "01",
        "damrongtham.main_type": "01",
        "damrongtham.sub_type": "101",
        "damrongtham.status": "6",
    }
    assert case.incident is not None
    assert case.incident.area.subdistrict == "341510"
    assert (case.incident.lat, case.incident.lon) == (15.1931, 104.8617)
    assert case.escalation is not None
    assert case.escalation.reason is EscalationReason.REGULATION
    assert case.escalation.note is not None and case.escalation.note.startswith("การเพิกถอน")
    assert case.escalation.at == thai(2024, 9, 10, 14, 0)  # Status@at, since the code is 6
    assert (case.status.code, case.status.at) == (CaseStatus.ESCALATED, thai(2024, 9, 10, 14))
    [attachment] = case.attachments
    content = base64.b64decode(attachment.content_b64)
    assert attachment.filename == "แผนที่.png"
    assert attachment.media_type == "image/png"
    assert attachment.size == len(content) == 69
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert case.warnings == [] and case.extensions == {}


def test_provincial_center_and_an_ambiguous_subdistrict_name(examples: Path) -> None:
    case = read(examples, "provincial-informal-debt.xml")
    assert case.origin.unit == "MOI-DRT-34"  # DOPA3400 3400: numbered by the provincial center
    assert case.sender == "MOI-DRT-34"
    address = case.complainant.address
    assert address is not None
    # ในเมือง names 22 subdistricts: district and province settle it
    assert (address.area.subdistrict, address.house_no, address.moo) == ("340101", "45", "2")
    assert case.codes["damrongtham.main_type"] == "06"
    assert case.codes["damrongtham.sub_type"] == "107"
    assert (case.status.code, case.status.at) == (CaseStatus.IN_PROGRESS, thai(2024, 7, 3, 11, 30))
    assert case.escalation is None and case.incident is None
    assert case.respondent is not None and case.respondent.kind is RespondentKind.PRIVATE


def test_prefixed_area_names(examples: Path) -> None:
    case = read(examples, "legal-aid-sattahip.xml")
    assert case.origin.unit == "MOI-DRT-2009"
    address = case.complainant.address
    assert address is not None and case.incident is not None
    # ต.นาจอมเทียน อ.สัตหีบ จ.ชลบุรี and the bare names give the same code
    assert address.area.subdistrict == case.incident.area.subdistrict == "200902"
    assert (address.house_no, address.road, address.moo) == ("88/12", "สุขุมวิท", None)
    assert case.complainant.citizen_id_verified is True
    assert case.codes["damrongtham.main_type"] == "02"
    assert case.codes["damrongtham.sub_type"] == "108"
    assert case.received_at == thai(2024, 3, 1, 13, 20)


def test_anonymous_with_thai_digits_in_bangkok(examples: Path) -> None:
    case = read(examples, "anonymous-tipoff-thai-digits.xml")
    assert case.origin == Reference(
        system=SourceSystem.DRT, ref="DOPA10001001670077", unit="MOI-DRT-1001"
    )
    assert case.sender == "MOI-DRT-1001"
    assert case.received_at == thai(2024, 11, 20, 20, 15)  # ๒๐/๑๑/๒๕๖๗ ๒๐:๑๕
    assert case.status.at == thai(2024, 11, 20, 20, 15)
    person = case.complainant
    assert person.anonymous is True
    assert person.email == "tipline@example.org"
    assert (person.citizen_id, person.given_name, person.address) == (None, None, None)
    assert case.incident is not None
    assert case.incident.area.subdistrict == "100101"  # แขวงพระบรมมหาราชวัง เขตพระนคร
    assert case.codes["damrongtham.channel"] == "07"


def test_missing_subject_and_unreal_date_give_exactly_two_problems(examples: Path) -> None:
    data = (examples / "invalid" / "damrongtham-missing-subject-bad-date.xml").read_bytes()
    parsed = ADAPTER.parse(data)
    [record] = parsed.records
    assert record.case is None
    assert record.raw == data
    assert record.tracking_no == "DOPA34003400670045"
    assert [p.path for p in record.problems] == ["/Case/ReceivedAt", "/Case/Subject"]
    received, subject = record.problems
    assert "31/02/2567 25:61" in received.message and "real date" in received.message
    assert "missing" in subject.message


def test_doctype_is_refused_and_the_entity_never_resolved(examples: Path) -> None:
    data = (examples / "invalid" / "damrongtham-doctype-entity.xml").read_bytes()
    with pytest.raises(InputError) as err:
        ADAPTER.parse(data)
    assert "DOCTYPE" in err.value.detail
    hostname = Path("/etc/hostname")
    if hostname.is_file() and hostname.read_text().strip():
        secret = hostname.read_text().strip()
        everything = repr(err.value.to_problem()) + repr(err.value.__cause__)
        assert secret not in everything


@pytest.mark.parametrize("name", VALID)
@pytest.mark.parametrize("label", ENCODINGS)
def test_round_trip_in_every_encoding(examples: Path, name: str, label: str) -> None:
    case = read(examples, name)
    # another center (the provincial one of Ubon Ratchathani) holds the case now
    out = ADAPTER.render(case, Receiver("MOI-DRT-34", options={"encoding": label}))
    assert out.startswith(f'<?xml version="1.0" encoding="{label}"?>'.encode("ascii"))
    out.decode(ENCODINGS[label])  # really written in that encoding
    again = ADAPTER.parse_one(out)
    assert again.sender == "MOI-DRT-34"  # the holder field follows the receiver
    assert again.model_copy(update={"sender": case.sender}) == case
    # written for the center that sent it, nothing at all differs
    assert ADAPTER.parse_one(ADAPTER.render(case, Receiver(str(case.sender)))) == case


@pytest.mark.parametrize(
    ("name", "label"),
    [("escalation-warin-chamrap.xml", "TIS-620"), ("provincial-informal-debt.xml", "UTF-8")],
)
def test_an_already_tidy_example_is_written_back_byte_for_byte(
    examples: Path, name: str, label: str
) -> None:
    data = (examples / "damrongtham" / name).read_bytes()
    case = ADAPTER.parse_one(data)
    assert ADAPTER.render(case, Receiver(str(case.sender), options={"encoding": label})) == data


def test_written_forms_are_the_tidy_ones(examples: Path) -> None:
    case = read(examples, "anonymous-tipoff-thai-digits.xml")
    text = ADAPTER.render(case, Receiver("MOI-DRT-1001")).decode("utf-8")
    assert "<ReceivedAt>20/11/2567 20:15</ReceivedAt>" in text
    assert '<Center level="AMPHOE" code="1001">ศูนย์ดำรงธรรมเขตพระนคร</Center>' in text
    assert "<Tambon>แขวงพระบรมมหาราชวัง</Tambon>" in text
    assert "<Amphoe>เขตพระนคร</Amphoe>" in text
    case = read(examples, "legal-aid-sattahip.xml")
    text = ADAPTER.render(case, Receiver("MOI-DRT-2009")).decode("utf-8")
    assert "<Tambon>นาจอมเทียน</Tambon>" in text and "<Changwat>ชลบุรี</Changwat>" in text


def test_parsing_and_writing_from_many_threads_at_once(examples: Path) -> None:
    # parsers and schema validators are per thread; results must not mix between threads
    datas = [(examples / "damrongtham" / name).read_bytes() for name in VALID]
    expected = [ADAPTER.parse_one(data) for data in datas]

    def work(i: int) -> bool:
        data, case = datas[i % len(datas)], expected[i % len(datas)]
        again = ADAPTER.parse_one(ADAPTER.render(ADAPTER.parse_one(data), Receiver("MOI-DRT")))
        return again == case.model_copy(update={"sender": "MOI-DRT"})

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(200)))

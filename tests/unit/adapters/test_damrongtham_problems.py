"""Content problems: every one reported at once, with a path and a short readable message;
data-quality issues that do not refuse a case become warnings; what the format does not
define is kept."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from saphan.canonical import Case, CaseStatus, Reference, SourceSystem
from saphan.errors import Problem
from saphan.translate.adapter import Receiver, Record
from saphan_damrongtham import DamrongthamAdapter
from saphan_damrongtham._places import resolve

ADAPTER = DamrongthamAdapter()
MIB = 1024 * 1024


@pytest.fixture
def debt(examples: Path) -> str:
    return (examples / "damrongtham" / "provincial-informal-debt.xml").read_text("utf-8")


@pytest.fixture
def escalation(examples: Path) -> str:
    data = (examples / "damrongtham" / "escalation-warin-chamrap.xml").read_bytes()
    return data.decode("cp874").replace('encoding="TIS-620"', 'encoding="UTF-8"')


def edit(text: str, *pairs: tuple[str, str]) -> bytes:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text.encode("utf-8")


def record(data: bytes) -> Record:
    [one] = ADAPTER.parse(data).records
    return one


def problems(data: bytes) -> dict[str, str]:
    found = record(data)
    assert found.case is None
    paths = [p.path for p in found.problems]
    assert len(paths) == len(set(paths)), "one problem per path"
    return {p.path: p.message for p in found.problems}


def case(data: bytes) -> Case:
    found = record(data)
    assert found.problems == (), found.problems
    assert found.case is not None
    return found.case


def test_every_problem_is_reported_at_once_in_element_order(debt: str) -> None:
    data = edit(
        debt,
        ("DOPA34003400670045", "DOPA99003400670045"),
        ('level="CHANGWAT" code="3400"', 'level="AMPHOE" code="3400"'),
        ('<Channel code="02">', '<Channel code="09">'),
        ("<Phone>089-111-2233</Phone>", "<Phone>12345678</Phone>"),
        ("<Tambon>ในเมือง</Tambon>", "<Tambon>ไม่มีตำบลนี้</Tambon>"),
        ('type="PRIVATE"', 'type="NOBODY"'),
        ('at="03/07/2567 11:30"', 'at="32/13/2567 11:30"'),
    )
    found = record(data)
    assert [p.path for p in found.problems] == [
        "/Case/TrackingNo",
        "/Case/Center",
        "/Case/Channel/@code",
        "/Case/Complainant/Phone",
        "/Case/Complainant/Address/Tambon",
        "/Case/Respondent/@type",
        "/Case/Status/@at",
    ]
    messages = {p.path: p.message for p in found.problems}
    assert "real center" in messages["/Case/TrackingNo"]
    assert "AMPHOE" in messages["/Case/Center"] and "3400" in messages["/Case/Center"]
    assert messages["/Case/Channel/@code"] == "'09' is not a code of table D1 (channel)"
    assert "ไม่มีตำบลนี้" in messages["/Case/Complainant/Address/Tambon"]
    assert "real date" in messages["/Case/Status/@at"]
    assert found.tracking_no == "DOPA99003400670045"


def test_schema_messages_are_short_and_point_at_the_right_place(debt: str) -> None:
    detail = debt[debt.index("<Detail>") : debt.index("</Detail>") + len("</Detail>")]
    subject = debt[debt.index("<Subject>") : debt.index("</Subject>") + len("</Subject>")]
    assert problems(edit(debt, (subject, ""), (detail, detail + subject))) == {
        "/Case/Detail": "Detail is out of order (expected here: Subject)"
    }
    assert problems(edit(debt, (subject, subject + subject))) == {
        "/Case/Subject[2]": "Subject appears more than once"
    }
    assert problems(edit(debt, ("</Case>", "<Foo/></Case>"))) == {
        "/Case/Foo": "unknown element Foo (expected here: Attachments)"
    }
    assert problems(edit(debt, ("<MainType", '<x:F xmlns:x="urn:x"/><MainType'))) == {
        "/Case/x:F": "elements of other namespaces may only follow the format's own elements"
    }
    assert problems(edit(debt, ("<Changwat>อุบลราชธานี</Changwat>", ""))) == {
        "/Case/Complainant/Address/Changwat": "required element is missing"
    }
    assert problems(edit(debt, ("<PostCode>34000</PostCode>", "<PostCode>3400</PostCode>"))) == {
        "/Case/Complainant/Address/PostCode": "'3400' is not a 5-digit postcode"
    }
    assert problems(edit(debt, (subject, f"<Subject>{'ก' * 501}</Subject>"))) == {
        "/Case/Subject": "longer than 500 characters (501)"
    }
    assert problems(edit(debt, (subject, "<Subject>  </Subject>"))) == {
        "/Case/Subject": "must not be empty"
    }
    assert problems(edit(debt, ('schemaVersion="1.2"', 'schemaVersion="2.0"'))) == {
        "/Case/@schemaVersion": "'2.0' is not a version 1.x"
    }
    assert problems(edit(debt, ("<Moo>2</Moo>", "<Moo>2<b/></Moo>"))) == {
        "/Case/Complainant/Address/Moo": "child elements are not allowed here, only text"
    }


def test_anonymous_rules(debt: str) -> None:
    anonymous = edit(debt, ('anonymous="N"', 'anonymous="Y"'))
    assert set(problems(anonymous)) == {
        f"/Case/Complainant/{name}"
        for name in ("CitizenId", "Prefix", "FirstName", "LastName", "Address")
    }
    named = edit(debt, ("<FirstName>ประยูร</FirstName>", ""))
    assert problems(named) == {"/Case/Complainant/FirstName": 'required unless anonymous="Y"'}


def test_a_wrong_check_digit_is_a_warning_and_the_case_is_kept(debt: str) -> None:
    kept = case(edit(debt, ("1166131860910", "1166131860911")))
    assert kept.complainant.citizen_id == "1166131860911"
    assert kept.complainant.citizen_id_verified is False
    [warning] = kept.warnings
    assert warning.path == "/Case/Complainant/CitizenId"
    assert "check digit" in warning.message


def test_thai_digits_dashes_and_phones(debt: str) -> None:
    read = case(
        edit(
            debt,
            ("1166131860910", "๑-๑๖๖๑-๓๑๘๖๐-๙๑-๐"),
            ("089-111-2233", "๐๘๙-๑๑๑-๒๒๓๓"),
            ("<Moo>2</Moo>", "<Moo>๒</Moo>"),
            ("<PostCode>34000</PostCode>", "<PostCode>๓๔๐๐๐</PostCode>"),
        )
    )
    person = read.complainant
    assert (person.citizen_id, person.citizen_id_verified) == ("1166131860910", True)
    assert person.phone == "+66891112233"
    assert person.address is not None
    assert (person.address.moo, person.address.postcode) == ("2", "34000")
    assert case(edit(debt, ("089-111-2233", "02-123-4567"))).complainant.phone == "+6621234567"


def test_area_names_are_blamed_at_the_level_that_is_wrong(debt: str) -> None:
    address = "/Case/Complainant/Address"
    wrong_province = edit(debt, ("<Changwat>อุบลราชธานี</Changwat>", "<Changwat>ไม่มี</Changwat>"))
    assert list(problems(wrong_province)) == [f"{address}/Changwat"]
    wrong_district = edit(debt, ("<Amphoe>เมืองอุบลราชธานี</Amphoe>", "<Amphoe>สัตหีบ</Amphoe>"))
    assert list(problems(wrong_district)) == [f"{address}/Amphoe"]
    elsewhere = edit(debt, ("<Tambon>ในเมือง</Tambon>", "<Tambon>คำน้ำแซบ</Tambon>"))
    assert list(problems(elsewhere)) == [f"{address}/Tambon"]
    # "อ.เมือง" is the capital district, as people write it
    capital = case(edit(debt, ("<Amphoe>เมืองอุบลราชธานี</Amphoe>", "<Amphoe>อ.เมือง</Amphoe>")))
    assert capital.complainant.address is not None
    assert capital.complainant.address.area.subdistrict == "340101"


def test_an_ambiguous_name_is_a_problem_naming_what_it_fits() -> None:
    found = resolve("ในเมือง", "", "", "/Case/IncidentPlace")
    assert isinstance(found, Problem)
    assert found.path == "/Case/IncidentPlace/Tambon"
    assert "ambiguous" in found.message and "340101" in found.message


def test_tracking_numbers_of_other_systems_and_of_the_central_center(debt: str) -> None:
    psc = case(
        edit(debt, ("<TrackingNo>DOPA34003400670045", '<TrackingNo system="PSC1111">6710110000123'))
    )
    assert psc.origin == Reference(system=SourceSystem.PSC1111, ref="6710110000123", unit="PSC")
    omb = case(
        edit(debt, ("<TrackingNo>DOPA34003400670045", '<TrackingNo system="OMB">OMB2024-004512'))
    )
    assert omb.origin == Reference(system=SourceSystem.OMB, ref="OMB2024-004512", unit="OMB")
    central = case(
        edit(
            debt,
            ("DOPA34003400670045", "DOPA๐๐๐๐๐๐๐๐๖๗๐๐๐๑"),
            (
                'level="CHANGWAT" code="3400">ศูนย์ดำรงธรรมจังหวัดอุบลราชธานี',
                'level="CENTRAL" code="0000">x',
            ),
        )
    )
    assert central.origin == Reference(
        system=SourceSystem.DRT, ref="DOPA00000000670001", unit="MOI-DRT"
    )
    assert central.sender == "MOI-DRT"
    bad = problems(edit(debt, ("<TrackingNo>", '<TrackingNo system="FAX">')))
    assert list(bad) == ["/Case/TrackingNo/@system"]
    # a district that is not in the province center's province
    assert list(problems(edit(debt, ("DOPA34003400670045", "DOPA34002009670045")))) == [
        "/Case/TrackingNo"
    ]


def test_escalation_at_only_when_the_status_says_escalated(escalation: str) -> None:
    text = escalation.replace('<Status code="6"', '<Status code="3"')
    read = case(text.encode())
    assert read.escalation is not None and read.escalation.at is None
    assert read.status.code is CaseStatus.IN_PROGRESS


def test_coordinates_must_be_degrees_in_range(escalation: str) -> None:
    assert problems(edit(escalation, ("<Lat>15.1931</Lat>", "<Lat>95.0</Lat>"))) == {
        "/Case/IncidentPlace/Lat": "'95.0' is not decimal degrees between -90 and 90"
    }
    read = case(edit(escalation, ("<Lat>15.1931</Lat>", "<Lat>๑๕.๑๙๓๑</Lat>")))
    assert read.incident is not None and read.incident.lat == 15.1931


def attachment_xml(content: bytes, digest: str | None = None) -> str:
    digest = digest or hashlib.sha256(content).hexdigest()
    b64 = base64.b64encode(content).decode()
    attributes = f'fileName="a.bin" mimeType="application/octet-stream" sha256="{digest}"'
    return f"<Attachment {attributes}>{b64}</Attachment>"


def with_attachments(text: str, *items: str) -> bytes:
    return edit(text, ("</Case>", "<Attachments>" + "".join(items) + "</Attachments></Case>"))


def test_attachment_hash_and_content(debt: str) -> None:
    wrong = attachment_xml(b"hello", hashlib.sha256(b"other").hexdigest())
    found = problems(with_attachments(debt, attachment_xml(b"ok"), wrong))
    assert list(found) == ["/Case/Attachments/Attachment[2]/@sha256"]
    assert hashlib.sha256(b"hello").hexdigest() in found["/Case/Attachments/Attachment[2]/@sha256"]
    upper = attachment_xml(b"x", hashlib.sha256(b"x").hexdigest().upper())
    assert list(problems(with_attachments(debt, upper))) == [
        "/Case/Attachments/Attachment[1]/@sha256"
    ]
    not_b64 = attachment_xml(b"x").replace(base64.b64encode(b"x").decode(), "@@@@")
    assert list(problems(with_attachments(debt, not_b64))) == ["/Case/Attachments/Attachment[1]"]
    # base64 wrapped over lines, as some systems write it, is fine and kept canonical
    content = bytes(range(256)) * 4
    b64 = base64.b64encode(content).decode()
    wrapped = attachment_xml(content).replace(
        b64, "\n".join(b64[i : i + 76] for i in range(0, len(b64), 76))
    )
    [kept] = case(with_attachments(debt, wrapped)).attachments
    assert kept.content_b64 == b64 and kept.size == 1024


def test_attachment_size_limits(debt: str) -> None:
    limit = bytes(10 * MIB)
    [kept] = case(with_attachments(debt, attachment_xml(limit))).attachments
    assert kept.size == 10 * MIB  # a file of exactly 10 MiB is allowed
    over = problems(with_attachments(debt, attachment_xml(limit + b"x")))
    assert list(over) == ["/Case/Attachments/Attachment[1]"]
    assert "10 MiB" in over["/Case/Attachments/Attachment[1]"]
    third = bytes(26 * MIB // 3 + 1)  # three files under 10 MiB, 26 MiB together
    total = problems(with_attachments(debt, *(attachment_xml(third) for _ in range(3))))
    assert list(total) == ["/Case/Attachments"]
    assert "25 MiB" in total["/Case/Attachments"]


def test_undefined_content_is_kept_and_written_back(escalation: str) -> None:
    data = edit(
        escalation,
        ("<Subject>", '<Subject lang="th" xmlns:e="urn:example:ext" e:checked="Y">'),
        (
            "</Complainant>",
            '<e:Line xmlns:e="urn:example:ext">LINE: @somsri</e:Line></Complainant>',
        ),
        (
            "</Case>",
            '<e:Audit xmlns:e="urn:example:ext" by="x"><e:Step n="1">รับ</e:Step></e:Audit></Case>',
        ),
    )
    read = case(data)
    assert read.extensions == {
        "damrongtham": {
            "attributes": {"/Case/Subject": {"lang": "th", "{urn:example:ext}checked": "Y"}},
            "elements": {
                "/Case": [
                    '<e:Audit xmlns:e="urn:example:ext" by="x"><e:Step n="1">รับ</e:Step></e:Audit>'
                ],
                "/Case/Complainant": ['<e:Line xmlns:e="urn:example:ext">LINE: @somsri</e:Line>'],
            },
        }
    }
    assert read.matter.title == "ขอให้ตรวจสอบการออกโฉนดที่ดินทับทางสาธารณประโยชน์"
    for receiver in (Receiver("MOI-DRT-3415"), Receiver("OMB", options={"encoding": "TIS-620"})):
        out = ADAPTER.render(read, receiver)
        assert ADAPTER.parse_one(out).extensions == read.extensions

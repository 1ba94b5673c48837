"""Writing canonical cases as Damrongtham messages: holder fields by receiver, numbers,
codes through the crosswalks, addresses from free lines, and refusals with paths."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from lxml import etree

from saphan.canonical import (
    Address,
    Area,
    Case,
    CaseStatus,
    Complainant,
    Matter,
    Place,
    Reference,
    SourceSystem,
    StatusInfo,
)
from saphan.errors import InputError
from saphan.reference.calendar import THAI_TZ
from saphan.translate import safexml
from saphan.translate.adapter import Receiver
from saphan_damrongtham import DamrongthamAdapter
from saphan_damrongtham._schema import schema_path

ADAPTER = DamrongthamAdapter()
NS = {"d": "urn:th:go:moi:damrongtham:case:1"}
WHEN = datetime(2024, 10, 11, 9, 0, tzinfo=THAI_TZ)


def make(**changes: Any) -> Case:
    """A plain case from 1111, as the pmo1111 adapter would give it."""
    base = Case(
        origin=Reference(system=SourceSystem.PSC1111, ref="6710110000123", unit="PSC"),
        sender="PSC",
        received_at=WHEN,
        complainant=Complainant(
            prefix="นาย",
            given_name="ธนากร",
            family_name="มีสุข",
            phone="+66812223333",
            address=Address(
                line="7 ซอยรามคำแหง 24",
                area=Area(province="10", district="1004", subdistrict="100404"),
                postcode="10500",
            ),
        ),
        matter=Matter(title="ถนนชำรุด", detail="ถนนในซอยชำรุดเป็นหลุมลึก"),
        codes={"pmo1111.channel": "1", "pmo1111.case_type": "2", "pmo1111.topic": "T11"},
        incident=Place(area=Area(province="20", district="2009", subdistrict="200902")),
        status=StatusInfo(code=CaseStatus.FORWARDED, at=WHEN),
    )
    return base.model_copy(update=changes)


def written(case: Case, agency: str = "MOI-DRT-20", **options: str) -> etree._Element:
    out = ADAPTER.render(case, Receiver(agency, options=options))
    root = safexml.parse(out)
    assert safexml.validate(safexml.schema(schema_path()), root) == []
    return root


def text(root: etree._Element, path: str) -> str | None:
    found = root.find(path, NS)
    assert found is not None, path
    return found.text


def code(root: etree._Element, path: str) -> str | None:
    element = root.find(path, NS)
    assert element is not None, path
    return element.get("code")


def center(root: etree._Element) -> tuple[str | None, str | None, str | None]:
    element = root.find("d:Center", NS)
    assert element is not None
    return element.get("level"), element.get("code"), element.text


@pytest.mark.parametrize(
    ("agency", "expected"),
    [
        ("MOI-DRT-3415", ("AMPHOE", "3415", "ศูนย์ดำรงธรรมอำเภอวารินชำราบ")),
        ("MOI-DRT-1001", ("AMPHOE", "1001", "ศูนย์ดำรงธรรมเขตพระนคร")),
        ("MOI-DRT-34", ("CHANGWAT", "3400", "ศูนย์ดำรงธรรมจังหวัดอุบลราชธานี")),
        ("MOI-DRT", ("CENTRAL", "0000", "ศูนย์ดำรงธรรมกระทรวงมหาดไทย")),
    ],
)
def test_a_damrongtham_receiver_is_the_center(agency: str, expected: tuple[str, ...]) -> None:
    root = written(make(), agency)
    assert center(root) == expected
    assert ADAPTER.parse_one(etree.tostring(root)).sender == agency


def test_other_receivers_get_the_center_that_would_hold_the_case() -> None:
    # the case's own sender when that is a Damrongtham center
    assert center(written(make(sender="MOI-DRT-3415"), "OMB"))[:2] == ("AMPHOE", "3415")
    # else the provincial center of the incident's province (Chon Buri)
    assert center(written(make(), "OMB"))[:2] == ("CHANGWAT", "2000")
    # else of the complainant's province (Bangkok); a code that is no center does not count
    assert center(written(make(incident=None), "MOI-DRT-99"))[:2] == ("CHANGWAT", "1000")
    # else the central center
    anonymous = Complainant(anonymous=True, email="a@example.org")
    assert center(written(make(incident=None, complainant=anonymous), "OMB"))[0] == "CENTRAL"


def test_tracking_numbers() -> None:
    root = written(make())
    element = root.find("d:TrackingNo", NS)
    assert element is not None
    assert (element.get("system"), element.text) == ("PSC1111", "6710110000123")
    # a Damrongtham number, wherever the case keeps it, wins and needs no system
    drt = Reference(system=SourceSystem.DRT, ref="DOPA20002009670311", unit="MOI-DRT-2009")
    root = written(make(references=[drt]))
    element = root.find("d:TrackingNo", NS)
    assert element is not None
    assert (element.get("system"), element.text) == (None, "DOPA20002009670311")
    # an origin Damrongtham cannot name: the first reference it can
    other = Reference(system=SourceSystem.OTHER, ref="X-1")
    omb = Reference(system=SourceSystem.OMB, ref="OMB2024-000001", unit="OMB")
    root = written(make(origin=other, references=[omb]))
    element = root.find("d:TrackingNo", NS)
    assert element is not None
    assert (element.get("system"), element.text) == ("OMB", "OMB2024-000001")
    with pytest.raises(InputError) as err:
        ADAPTER.render(make(origin=other), Receiver("MOI-DRT-20"))
    assert [p.path for p in err.value.problems] == ["/origin"]


def test_codes_come_through_the_crosswalks() -> None:
    root = written(make())
    channel = root.find("d:Channel", NS)
    assert channel is not None
    # 1111 received it first-hand, so for Damrongtham it is a referral
    assert (channel.get("code"), channel.text) == ("06", "รับต่อจากหน่วยงานอื่น")
    assert code(root, "d:MainType") == "01"
    assert code(root, "d:SubType") == "103"
    status = root.find("d:Status", NS)
    assert status is not None
    assert (status.get("code"), status.text) == ("2", "ส่งหน่วยงานดำเนินการ")
    assert status.get("at") == "11/10/2567 09:00"
    # OCC brings only a topic: the main type defaults to 01, the sub type follows the topic
    root = written(make(codes={"occ.topic": "ETHICS"}))
    assert code(root, "d:MainType") == "01"
    assert code(root, "d:SubType") == "102"
    # nothing at all maps: อื่น ๆ
    assert code(written(make(codes={})), "d:SubType") == "199"


@pytest.mark.parametrize(
    ("status", "expected"),
    [(CaseStatus.ACCEPTED, "3"), (CaseStatus.CANCELLED, "5"), (CaseStatus.ESCALATED, "6")],
)
def test_status_is_encoded_from_its_meaning(status: CaseStatus, expected: str) -> None:
    root = written(make(status=StatusInfo(code=status, at=WHEN)))
    assert code(root, "d:Status") == expected


def test_a_free_street_line_is_split_and_bangkok_names_are_used() -> None:
    root = written(make())
    address = "d:Complainant/d:Address/d:"
    assert text(root, address + "HouseNo") == "7"
    assert text(root, address + "Soi") == "รามคำแหง 24"
    assert root.find(address + "Moo", NS) is None and root.find(address + "Road", NS) is None
    assert text(root, address + "Tambon") == "แขวงบางรัก"
    assert text(root, address + "Amphoe") == "เขตบางรัก"
    assert text(root, address + "Changwat") == "กรุงเทพมหานคร"
    assert text(root, address + "PostCode") == "10500"
    assert text(root, "d:Complainant/d:Phone") == "081-222-3333"
    read = ADAPTER.parse_one(etree.tostring(root))
    assert read.complainant.address is not None
    assert read.complainant.address.area.subdistrict == "100404"
    # a line of no known form goes whole into HouseNo
    odd = make().complainant.model_copy(
        update={"address": Address(line="อาคารสุขใจ ชั้น 5", area=Area(subdistrict="400101"))}
    )
    assert text(written(make(complainant=odd)), address + "HouseNo") == "อาคารสุขใจ ชั้น 5"
    # without a subdistrict the format cannot hold the address: it is left out
    vague = make().complainant.model_copy(update={"address": Address(area=Area(province="40"))})
    assert written(make(complainant=vague)).find("d:Complainant/d:Address", NS) is None


def test_anonymous_complainants_carry_only_phone_and_email() -> None:
    person = make().complainant.model_copy(update={"anonymous": True, "email": "a@example.org"})
    root = written(make(complainant=person))
    complainant = root.find("d:Complainant", NS)
    assert complainant is not None
    assert complainant.get("anonymous") == "Y"
    assert [etree.QName(c).localname for c in complainant] == ["Phone", "Email"]


def test_names_the_format_requires_are_written_even_when_unknown() -> None:
    person = make().complainant.model_copy(update={"prefix": None})
    root = written(make(complainant=person))
    assert text(root, "d:Complainant/d:Prefix") is None  # present and empty
    assert ADAPTER.parse_one(etree.tostring(root)).complainant.prefix is None


def test_what_cannot_be_written_is_refused_with_every_path() -> None:
    person = make().complainant.model_copy(update={"phone": "+14155550123"})
    bad = make(complainant=person, codes={"damrongtham.channel": "99"})
    with pytest.raises(InputError) as err:
        ADAPTER.render(bad, Receiver("MOI-DRT-20"))
    assert {p.path for p in err.value.problems} == {
        "/complainant/phone",
        "/codes/damrongtham.channel",
    }


def test_output_is_checked_against_the_xsd() -> None:
    case = ADAPTER.parse_one(ADAPTER.render(make(), Receiver("MOI-DRT-20")))
    attachment = {
        "filename": "a.pdf",
        "media_type": "not a media type",
        "sha256": "0" * 64,
        "size": 0,
        "content_b64": "",
    }
    bad = Case.model_validate({**case.model_dump(), "attachments": [attachment]})
    with pytest.raises(InputError) as err:
        ADAPTER.render(bad, Receiver("MOI-DRT-20"))
    assert [p.path for p in err.value.problems] == ["/Case/Attachments/Attachment[1]/@mimeType"]


def test_malformed_kept_extensions_are_reported() -> None:
    bad = make(extensions={"damrongtham": {"elements": {"/Case": ["<not xml"]}}})
    with pytest.raises(InputError) as err:
        ADAPTER.render(bad, Receiver("MOI-DRT-20"))
    assert [p.path for p in err.value.problems] == ["/extensions/damrongtham/elements/~1Case/0"]
    # content for an element not written this time is left out, not an error
    orphan = {"elements": {"/Case/IncidentPlace": ['<x:a xmlns:x="urn:x"/>']}}
    root = written(make(incident=None, extensions={"damrongtham": orphan}))
    assert root.find(".//{urn:x}a") is None

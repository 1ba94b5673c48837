"""The Damrongtham XSD and the code agree: code lists with codes.yaml, element order and
required children with the adapter's tables, defined attributes with what is not kept as
an extension."""

from __future__ import annotations

import pytest
from conftest import ROOT
from lxml import etree

from saphan.translate import safexml
from saphan.translate.crosswalk import crosswalks
from saphan_damrongtham._names import ATTRIBUTES, ORDER, REQUIRED
from saphan_damrongtham._schema import schema_path

XS = {"xs": "http://www.w3.org/2001/XMLSchema"}
XSD = etree.parse(str(ROOT / "schemas" / "agencies" / "damrongtham.xsd")).getroot()


def strings(node: etree._Element, path: str) -> list[str]:
    """The values a node-set path finds (attribute values), as plain strings."""
    found = node.xpath(path, namespaces=XS)
    assert isinstance(found, list)
    return [str(v) for v in found]


def elements(node: etree._Element, path: str) -> list[etree._Element]:
    """The elements a node-set path finds."""
    found = node.xpath(path, namespaces=XS)
    assert isinstance(found, list)
    out = []
    for element in found:
        assert isinstance(element, etree._Element)
        out.append(element)
    return out


def simple_type(name: str) -> list[str]:
    return strings(XSD, f"xs:simpleType[@name='{name}']//xs:enumeration/@value")


def complex_type(name: str) -> etree._Element:
    [found] = elements(XSD, f"xs:complexType[@name='{name}']")
    return found


def test_the_adapter_uses_the_schema_in_the_project() -> None:
    assert schema_path() == ROOT / "schemas" / "agencies" / "damrongtham.xsd"
    assert safexml.schema(schema_path()) is safexml.schema(schema_path())  # compiled once


@pytest.mark.parametrize(
    ("xsd_type", "scheme"),
    [
        ("ChannelCode", "damrongtham.channel"),
        ("MainTypeCode", "damrongtham.main_type"),
        ("SubTypeCode", "damrongtham.sub_type"),
        ("EscalationReasonCode", "damrongtham.escalation_reason"),
        ("StatusCode", "damrongtham.status"),
    ],
)
def test_code_lists_agree_with_codes_yaml(xsd_type: str, scheme: str) -> None:
    assert simple_type(xsd_type) == list(crosswalks().codes(scheme))


@pytest.mark.parametrize("parent", sorted(ORDER))
def test_element_order_and_required_children_agree(parent: str) -> None:
    children = elements(complex_type(parent), "xs:sequence/xs:element")
    assert tuple(e.get("name") for e in children) == ORDER[parent]
    required = {e.get("name") for e in children if e.get("minOccurs", "1") != "0"}
    assert required == REQUIRED[parent]
    # foreign elements may follow, in every structured element
    [wildcard] = elements(complex_type(parent), "xs:sequence/xs:any")
    assert wildcard.get("namespace") == "##other"


def test_defined_attributes_agree() -> None:
    declared: dict[str, set[str]] = {}
    for element in XSD.iter("{http://www.w3.org/2001/XMLSchema}element"):
        type_name = (element.get("type") or "").removeprefix("d:")
        if element.get("name") == "Case":
            type_name = "Case"
        found = strings(XSD, f"xs:complexType[@name='{type_name}']//xs:attribute/@name")
        if found:
            declared[str(element.get("name"))] = set(found)
    assert declared == {name: set(attrs) for name, attrs in ATTRIBUTES.items()}


@pytest.mark.parametrize(
    ("element", "value", "ok"),
    [
        ("PostCode", "๓๔๑๙๐", True),
        ("PostCode", "3419", False),
        ("Moo", "๑๒", True),
        ("CitizenId", "3-2601-81590-83-5", True),
        ("CitizenId", "๓๒๖๐๑๘๑๕๙๐๘๓๕", True),
        ("CitizenId", "326018159083", False),
    ],
)
def test_digits_may_be_thai(element: str, value: str, ok: bool) -> None:
    doc = (
        '<Case xmlns="urn:th:go:moi:damrongtham:case:1" schemaVersion="1.2">'
        "<TrackingNo>DOPA34003415670123</TrackingNo>"
        '<Center level="AMPHOE" code="๓๔๑๕">x</Center><ReceivedAt>๐๖/๐๙/๒๕๖๗ ๑๐:๓๕</ReceivedAt>'
        '<Channel code="01">x</Channel><Complainant anonymous="N" conceal="N">{c}</Complainant>'
        '<MainType code="01"/><SubType code="101"/><Subject>x</Subject><Detail>x</Detail>'
        '<Status code="1" at="06/09/2567 10:35">x</Status></Case>'
    )
    if element == "CitizenId":
        inner = f"<CitizenId>{value}</CitizenId>"
    else:
        parts = {"Moo": "", "PostCode": ""}
        parts[element] = f"<{element}>{value}</{element}>"
        inner = (
            f"<Address>{parts['Moo']}<Tambon>ก</Tambon><Amphoe>ก</Amphoe>"
            f"<Changwat>ก</Changwat>{parts['PostCode']}</Address>"
        )
    root = safexml.parse(doc.replace("{c}", inner).encode())
    assert (safexml.validate(safexml.schema(schema_path()), root) == []) is ok

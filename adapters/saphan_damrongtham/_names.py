"""Names of the Damrongtham format: its namespace, elements in order, centers and numbers.

What it holds: the element tables of agency-formats §1 (the order the XSD fixes, which
children are required), the paths used in problems (``/Case/Complainant/Address/Tambon``,
``/Case/Attachments/Attachment[2]/@sha256``), and the two ways the format names a
Damrongtham center: the ``Center`` element (level + 4-digit code) and the centers encoded in
a ``DOPA`` tracking number, each turned into the hub's agency code (``MOI-DRT-3415``,
``MOI-DRT-34``, ``MOI-DRT``) and back.

What it does not do: read or write documents (see :mod:`.parse` and :mod:`.render`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from lxml import etree

from saphan.reference import areas
from saphan.reference.text import ascii_digits as ascii_digits

NS: Final = "urn:th:go:moi:damrongtham:case:1"
SCHEMA_VERSION: Final = "1.2"
_PREFIX: Final = "{" + NS + "}"


def q(local: str) -> str:
    """The qualified (Clark) name of one of the format's elements."""
    return _PREFIX + local


def own_name(element: etree._Element) -> str | None:
    """The local name of one of the format's own elements; None for anything else."""
    tag = element.tag
    if isinstance(tag, str) and tag.startswith(_PREFIX):
        return tag[len(_PREFIX) :]
    return None


#: children of each structured element, in the order the format fixes
ORDER: Final[dict[str, tuple[str, ...]]] = {
    "Case": (
        "TrackingNo",
        "Center",
        "ReceivedAt",
        "Channel",
        "Complainant",
        "Respondent",
        "MainType",
        "SubType",
        "Subject",
        "Detail",
        "Request",
        "IncidentPlace",
        "Escalation",
        "Status",
        "Attachments",
    ),
    "Complainant": (
        "CitizenId",
        "Prefix",
        "FirstName",
        "LastName",
        "Phone",
        "Email",
        "Address",
    ),
    "Address": ("HouseNo", "Moo", "Soi", "Road", "Tambon", "Amphoe", "Changwat", "PostCode"),
    "IncidentPlace": ("Tambon", "Amphoe", "Changwat", "Lat", "Lon"),
    "Attachments": ("Attachment",),
}

#: children that must be present (``Prefix``/``FirstName``/``LastName`` depend on anonymity)
REQUIRED: Final[dict[str, frozenset[str]]] = {
    "Case": frozenset(
        {
            "TrackingNo",
            "Center",
            "ReceivedAt",
            "Channel",
            "Complainant",
            "MainType",
            "SubType",
            "Subject",
            "Detail",
            "Status",
        }
    ),
    "Complainant": frozenset(),
    "Address": frozenset({"Tambon", "Amphoe", "Changwat"}),
    "IncidentPlace": frozenset({"Tambon", "Amphoe", "Changwat"}),
    "Attachments": frozenset(),
}

#: elements that may repeat; their paths always carry a 1-based index
REPEATED: Final = frozenset({"Attachment"})

#: attributes the format defines, by element; any other attribute is an extension
ATTRIBUTES: Final[dict[str, frozenset[str]]] = {
    "Case": frozenset({"schemaVersion"}),
    "TrackingNo": frozenset({"system"}),
    "Center": frozenset({"level", "code"}),
    "Channel": frozenset({"code"}),
    "Complainant": frozenset({"anonymous", "conceal"}),
    "Respondent": frozenset({"type"}),
    "MainType": frozenset({"code"}),
    "SubType": frozenset({"code"}),
    "Escalation": frozenset({"reason"}),
    "Status": frozenset({"code", "at"}),
    "Attachment": frozenset({"fileName", "mimeType", "sha256"}),
}

#: the format's own element names by qualified name, and their defined attributes
LOCAL: Final[dict[str, str]] = {
    q(name): name for name in {*ORDER, *(n for names in ORDER.values() for n in names)}
}
ATTRIBUTES_BY_TAG: Final[dict[str, frozenset[str]]] = {
    q(name): ATTRIBUTES.get(name, frozenset()) for name in LOCAL.values()
}

#: the code list behind each coded attribute: (element, attribute) -> crosswalk scheme
CODE_LISTS: Final[dict[tuple[str, str], str]] = {
    ("Channel", "code"): "damrongtham.channel",
    ("MainType", "code"): "damrongtham.main_type",
    ("SubType", "code"): "damrongtham.sub_type",
    ("Escalation", "reason"): "damrongtham.escalation_reason",
    ("Status", "code"): "damrongtham.status",
}

#: the tables of agency-formats §1 behind those code lists
TABLES: Final[dict[str, str]] = {
    "damrongtham.channel": "D1 (channel)",
    "damrongtham.main_type": "D2 (main type)",
    "damrongtham.sub_type": "D3 (sub type)",
    "damrongtham.escalation_reason": "D4 (escalation reason)",
    "damrongtham.status": "D5 (status)",
}


# -- paths -------------------------------------------------------------------------------


def local_name(element: etree._Element) -> str:
    """``Subject`` for the format's own elements, ``prefix:Name`` for foreign ones."""
    qname = etree.QName(element)
    if qname.namespace == NS:
        return qname.localname
    prefix = element.prefix
    return f"{prefix}:{qname.localname}" if prefix else f"{{{qname.namespace}}}{qname.localname}"


def element_path(element: etree._Element) -> str:
    """The problem path of ``element``: local names from the root, indexed when repeated."""
    parts: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        parts.append(_step(node))
        node = node.getparent()
    return "/" + "/".join(reversed(parts))


def _step(element: etree._Element) -> str:
    name = local_name(element)
    parent = element.getparent()
    if parent is None:
        return name
    same = [sibling for sibling in parent if sibling.tag == element.tag]
    if len(same) > 1 or etree.QName(element).localname in REPEATED:
        return f"{name}[{same.index(element) + 1}]"
    return name


def path_rank(path: str) -> tuple[int, ...]:
    """A sort key that lists problems in the format's element order."""
    rank: list[int] = []
    parent = "Case"
    for step in path.strip("/").split("/")[1:]:
        if step.startswith("@"):
            rank.append(900)
            continue
        name = step.split("[", 1)[0]
        order = ORDER.get(parent, ())
        rank.append(order.index(name) if name in order else 800)
        parent = name
    return tuple(rank)


# -- centers -------------------------------------------------------------------------------

CENTRAL_AGENCY: Final = "MOI-DRT"
CENTRAL_NAME: Final = "ศูนย์ดำรงธรรมกระทรวงมหาดไทย"
_AGENCY = re.compile(r"MOI-DRT(?:-([0-9]{2})([0-9]{2})?)?")
_TRACKING = re.compile(r"DOPA([0-9]{4})([0-9]{4})([0-9]{2})([0-9]{4})")


@dataclass(frozen=True, slots=True)
class Center:
    """A Damrongtham center as the ``Center`` element writes it."""

    level: str  # AMPHOE / CHANGWAT / CENTRAL
    code: str  # PPDD / PP00 / 0000
    name: str
    agency: str  # the hub's agency code


@lru_cache(maxsize=2048)
def center_for_agency(agency: str) -> Center | None:
    """The center behind an agency code, or None when it is not a real Damrongtham center."""
    m = _AGENCY.fullmatch(agency)
    if m is None:
        return None
    province, district = m.groups()
    if province is None:
        return Center("CENTRAL", "0000", CENTRAL_NAME, CENTRAL_AGENCY)
    province_name = areas.province_name(province)
    if province_name is None:
        return None
    if district is None:
        name = "ศูนย์ดำรงธรรมจังหวัด" + province_name
        return Center("CHANGWAT", province + "00", name, agency)
    district_name = areas.district_name(province + district)
    if district_name is None:
        return None
    # Bangkok district names already start with เขต; elsewhere the word is อำเภอ
    prefix = "" if district_name.startswith("เขต") else "อำเภอ"
    return Center("AMPHOE", province + district, f"ศูนย์ดำรงธรรม{prefix}{district_name}", agency)


@lru_cache(maxsize=4096)
def agency_for_center(level: str, code: str) -> str | None:
    """The agency code of a ``Center`` element, or None when level and code do not agree."""
    code = ascii_digits(code)
    if level == "CENTRAL":
        return CENTRAL_AGENCY if code == "0000" else None
    if level == "CHANGWAT":
        ok = code.endswith("00") and areas.is_province(code[:2])
        return f"{CENTRAL_AGENCY}-{code[:2]}" if ok else None
    if level == "AMPHOE":
        return f"{CENTRAL_AGENCY}-{code}" if areas.is_district(code) else None
    return None


def provincial_center(province: str) -> str:
    return f"{CENTRAL_AGENCY}-{province}"


@dataclass(frozen=True, slots=True)
class TrackingNo:
    """A Damrongtham number, ``DOPA`` + PP00 + PPDD + yy + nnnn, and who numbered it."""

    text: str  # in ASCII digits
    unit: str  # agency code of the numbering center
    year_be: str
    sequence: str


def read_tracking_no(text: str) -> TrackingNo | None:
    """A Damrongtham number (Thai digits allowed), or None when it names no real center."""
    plain = ascii_digits(text.strip())
    m = _TRACKING.fullmatch(plain)
    if m is None:
        return None
    province_center, center, year, sequence = m.groups()
    unit = _numbering_unit(province_center, center)
    return None if unit is None else TrackingNo(plain, unit, year, sequence)


def is_tracking_no(text: str) -> bool:
    """Whether ``text`` is a Damrongtham number of a real center (:func:`read_tracking_no`
    without building its parts)."""
    m = _TRACKING.fullmatch(ascii_digits(text.strip()))
    return m is not None and _numbering_unit(m.group(1), m.group(2)) is not None


@lru_cache(maxsize=4096)
def _numbering_unit(province_center: str, center: str) -> str | None:
    # a few thousand centers at most: each is looked up in the area tables once
    if province_center == "0000":
        return CENTRAL_AGENCY if center == "0000" else None
    if not province_center.endswith("00") or not areas.is_province(province_center[:2]):
        return None
    if center == province_center:
        return provincial_center(province_center[:2])
    if center.startswith(province_center[:2]) and areas.is_district(center):
        return f"{CENTRAL_AGENCY}-{center}"
    return None

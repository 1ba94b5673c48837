"""Writing a canonical case as a Damrongtham message for one receiver.

Holder field: the receiver decides ``Center``. A receiver that is a Damrongtham center
(``MOI-DRT-PPDD``, ``MOI-DRT-PP``, ``MOI-DRT``) is written as itself: level ``AMPHOE`` with
code ``PPDD`` and the name ``ศูนย์ดำรงธรรมอำเภอ<district>`` (Bangkok district names already
start with เขต), ``CHANGWAT`` with ``PP00`` and ``ศูนย์ดำรงธรรมจังหวัด<province>``, or
``CENTRAL`` with ``0000``. A receiver that is not a Damrongtham center (for instance
``saphan translate`` writing a case in this format for the Ombudsman) gets the center that
would hold the case: the case's sender when that is a Damrongtham center, else the provincial
center of the incident's province, else of the complainant's province, else the central one.

Other fields:

* ``TrackingNo``: the case's Damrongtham number if it has one; else the origin's number (or
  the first reference's) of 1111, the Ombudsman or the AGO, with ``system``. A case with
  none of these cannot be written;
* ``Channel``, ``MainType``, ``SubType``: the case's own Damrongtham codes, else the agreed
  crosswalks (``Channel`` 06 for a case that did not come first-hand, ``MainType`` 01 when
  nothing says otherwise); ``SubType`` 199 (อื่น ๆ, other) when nothing maps;
* ``Status``: the canonical status, encoded (its label from the code table), ``at`` in BE;
* addresses: the structured parts; a case with only a free street line (from OCC or 1111)
  has it split (:mod:`._address`). The format requires area names down to the subdistrict: an
  address or incident place without a subdistrict code cannot be written and is left out
  (the hub keeps it). Phones in the dashed Thai style;
* anonymous complainants: only ``Phone`` and ``Email``. Otherwise ``Prefix``, ``FirstName``
  and ``LastName`` are always written, empty when the case has no value, since the format
  requires the elements;
* content the format does not define, kept from an earlier Damrongtham message, is written
  back (:mod:`._extensions`).

The message is checked against the XSD before it leaves, and written in UTF-8 unless the
receiver's ``encoding`` option asks for TIS-620 or windows-874. A character the target
encoding cannot hold raises :class:`~saphan.errors.InputError` naming the element and the
character (:mod:`._encoding` says why). Every problem is reported at once: a problem with the
case's content points into the canonical case (``/origin``, ``/complainant/phone``), one
with the message being written points into the XML (``/Case/Detail``).

What it does not do: choose the receiver (routing does), or carry what the format has no
place for (a second case number, complexity, deadlines, secrecy, a status note): the hub
keeps those with the case for later holders whose formats have a place for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final

from lxml import etree

from saphan.canonical import Address, Case, Complainant, Place, Reference, SourceSystem
from saphan.errors import InputError, Problem
from saphan.reference import phone
from saphan.reference.calendar import format_be_datetime
from saphan.translate.adapter import Receiver
from saphan.translate.crosswalk import crosswalks

from . import _encoding, _extensions, _places, _schema
from ._address import split_line
from ._names import (
    CENTRAL_AGENCY,
    LOCAL,
    NS,
    SCHEMA_VERSION,
    Center,
    center_for_agency,
    element_path,
    provincial_center,
    q,
    read_tracking_no,
)

_CARRIED: Final = (SourceSystem.PSC1111, SourceSystem.OMB, SourceSystem.AGO)
_OTHER_NUMBER: Final = re.compile(r"[0-9A-Za-z๐-๙][0-9A-Za-z๐-๙/_.:\-]{0,39}")
_MOO: Final = re.compile(r"[0-9๐-๙]{1,3}")
_OTHER_SUB_TYPE: Final = "199"
_INDENT: Final = "  "
_NSMAP: Final[Any] = {None: NS}  # the format's namespace as the default one


def render_case(case: Case, receiver: Receiver) -> bytes:
    """The Damrongtham message of ``case`` for ``receiver`` (see the module docstring)."""
    encoding = _encoding.for_output(receiver.options)
    writer = _Writer()
    root = writer.case(case, holder_center(case, receiver))
    writer.problems.extend(_extensions.restore(root, case.extensions.get(_extensions.KEY)))
    if writer.problems:
        raise InputError.from_problems(writer.problems, "the case cannot be written as damrongtham")
    _indent(root, 0)
    invalid = _schema.check(root)
    if invalid:
        raise InputError.from_problems(invalid, "the damrongtham message would not be valid")
    body = etree.tostring(root, encoding="unicode")
    if not _encoding.encodes(body, encoding):
        raise InputError.from_problems(
            _unwritable(root, encoding), f"the case cannot be written in {encoding.label}"
        )
    text = f'<?xml version="1.0" encoding="{encoding.label}"?>\n{body}\n'
    return text.encode(encoding.codec)


def holder_center(case: Case, receiver: Receiver) -> Center:
    """The ``Center`` written for ``receiver`` (see the module docstring)."""
    found = center_for_agency(receiver.agency)
    if found is not None:
        return found
    if case.sender is not None:
        found = center_for_agency(case.sender)
        if found is not None:
            return found
    address = case.complainant.address
    for area in (
        case.incident.area if case.incident else None,
        address.area if address else None,
    ):
        province = _places.area_province(area)
        found = center_for_agency(provincial_center(province)) if province else None
        if found is not None:
            return found
    central = center_for_agency(CENTRAL_AGENCY)
    assert central is not None
    return central


class _Writer:
    """Builds the element tree and collects every problem on the way."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def add(
        self, parent: etree._Element, name: str, text: str | None = None, **attrs: str
    ) -> etree._Element:
        element = etree.SubElement(parent, q(name))
        for key, value in attrs.items():
            try:
                element.set(key, value)
            except ValueError:
                self.problem(f"{element_path(element)}/@{key}", "characters XML cannot hold")
        if text is not None:
            try:
                element.text = text
            except ValueError:
                self.problem(element_path(element), "characters XML cannot hold")
        return element

    # -- the case --------------------------------------------------------------------------

    def case(self, case: Case, center: Center) -> etree._Element:
        cw = crosswalks()
        root = etree.Element(q("Case"), nsmap=_NSMAP)
        root.set("schemaVersion", SCHEMA_VERSION)
        self.tracking_no(root, case)
        self.add(root, "Center", center.name, level=center.level, code=center.code)
        self.add(root, "ReceivedAt", format_be_datetime(case.received_at))
        channel = self.code(case, "damrongtham.channel")
        self.add(root, "Channel", cw.label("damrongtham.channel", channel), code=channel)
        self.complainant(root, case.complainant, protected=case.identity_protected)
        if case.respondent is not None:
            kind = case.respondent.kind.value.upper()
            self.add(root, "Respondent", case.respondent.name or "", type=kind)
        self.add(root, "MainType", code=self.code(case, "damrongtham.main_type"))
        self.add(root, "SubType", code=self.code(case, "damrongtham.sub_type"))
        self.add(root, "Subject", case.matter.title)
        self.add(root, "Detail", case.matter.detail)
        if case.matter.request is not None:
            self.add(root, "Request", case.matter.request)
        if case.incident is not None:
            self.place(root, case.incident)
        if case.escalation is not None:
            reason = cw.encode("damrongtham.escalation_reason", case.escalation.reason.value)
            self.add(root, "Escalation", case.escalation.note, reason=reason)
        status = cw.encode("damrongtham.status", case.status.code.value)
        self.add(
            root,
            "Status",
            cw.label("damrongtham.status", status),
            code=status,
            at=format_be_datetime(case.status.at),
        )
        if case.attachments:
            holder = self.add(root, "Attachments")
            for item in case.attachments:
                self.add(
                    holder,
                    "Attachment",
                    item.content_b64,
                    fileName=item.filename,
                    mimeType=item.media_type,
                    sha256=item.sha256,
                )
        return root

    def tracking_no(self, root: etree._Element, case: Case) -> None:
        drt = case.reference(SourceSystem.DRT)
        if drt is not None:
            if read_tracking_no(drt) is None:
                self.problem("/origin", f"{drt!r} is not the Damrongtham number of a real center")
            self.add(root, "TrackingNo", drt)
            return
        other = _carried(case.origin, case.references)
        if other is None:
            self.problem(
                "/origin", "the case has no number Damrongtham can carry (DRT, PSC1111, OMB, AGO)"
            )
            self.add(root, "TrackingNo", "")
            return
        if not _OTHER_NUMBER.fullmatch(other.ref):
            self.problem("/origin", f"{other.ref!r} cannot be written as a TrackingNo")
        self.add(root, "TrackingNo", other.ref, system=other.system.value)

    def code(self, case: Case, scheme: str) -> str:
        value = crosswalks().resolve(case.codes, scheme)
        if value is None and scheme == "damrongtham.sub_type":
            value = _OTHER_SUB_TYPE
        if value is None or not crosswalks().is_code(scheme, value):
            self.problem(f"/codes/{scheme}", f"no {scheme} code for this case ({value!r})")
            return ""
        return value

    def complainant(self, root: etree._Element, person: Complainant, *, protected: bool) -> None:
        element = self.add(
            root,
            "Complainant",
            anonymous="Y" if person.anonymous else "N",
            # 1111 secrecy >= 1 also asks for protection; Damrongtham says it with conceal.
            conceal="Y" if protected else "N",
        )
        if not person.anonymous:
            if person.citizen_id is not None:
                self.add(element, "CitizenId", person.citizen_id)
            self.add(element, "Prefix", person.prefix or "")
            self.add(element, "FirstName", person.given_name or "")
            self.add(element, "LastName", person.family_name or "")
        if person.phone is not None:
            self.add(element, "Phone", self.phone(person.phone))
        if person.email is not None:
            self.add(element, "Email", person.email)
        if not person.anonymous and person.address is not None:
            self.address(element, person.address)

    def phone(self, e164: str) -> str:
        if not e164.startswith("+66") or len(e164) not in (11, 12):
            self.problem("/complainant/phone", f"{e164} is not a Thai number")
            return e164
        return phone.to_thai_style(e164)

    def address(self, parent: etree._Element, address: Address) -> None:
        names = _places.names_for(address.area.subdistrict) if address.area.subdistrict else None
        if names is None:
            return  # the format cannot hold an address without a subdistrict (docstring)
        house, moo, soi, road = address.house_no, address.moo, address.soi, address.road
        if not any((house, moo, soi, road)) and address.line:
            parts = split_line(address.line)
            house, moo, soi, road = parts.house_no, parts.moo, parts.soi, parts.road
        element = self.add(parent, "Address")
        if house:
            self.add(element, "HouseNo", house)
        if moo:
            if not _MOO.fullmatch(moo):
                self.problem("/complainant/address/moo", f"{moo!r} is not a village number")
            self.add(element, "Moo", moo)
        if soi:
            self.add(element, "Soi", soi)
        if road:
            self.add(element, "Road", road)
        self.add(element, "Tambon", names.tambon)
        self.add(element, "Amphoe", names.amphoe)
        self.add(element, "Changwat", names.changwat)
        if address.postcode:
            self.add(element, "PostCode", address.postcode)

    def place(self, root: etree._Element, place: Place) -> None:
        names = _places.names_for(place.area.subdistrict) if place.area.subdistrict else None
        if names is None:
            return  # as for addresses
        element = self.add(root, "IncidentPlace")
        self.add(element, "Tambon", names.tambon)
        self.add(element, "Amphoe", names.amphoe)
        self.add(element, "Changwat", names.changwat)
        if place.lat is not None:
            self.add(element, "Lat", _degrees(place.lat))
        if place.lon is not None:
            self.add(element, "Lon", _degrees(place.lon))


def _carried(origin: Reference, references: Iterable[Reference]) -> Reference | None:
    if origin.system in _CARRIED:
        return origin
    return next((r for r in references if r.system in _CARRIED), None)


def _degrees(value: float) -> str:
    # the shortest text that reads back as the same float, never in exponent form
    return format(Decimal(repr(value)), "f")


def _indent(element: etree._Element, level: int) -> None:
    """Indent the format's own elements; foreign elements are kept exactly as they came."""
    children = list(element)
    if not children:
        return
    inner = "\n" + _INDENT * (level + 1)
    element.text = inner
    for child in children:
        if child.tag in LOCAL:
            _indent(child, level + 1)
        child.tail = inner
    children[-1].tail = "\n" + _INDENT * level


def _unwritable(root: etree._Element, encoding: _encoding.Encoding) -> list[Problem]:
    problems: list[Problem] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        path = element_path(element)
        values = [(path, element.text or "")]
        values.extend((f"{path}/@{_str(k)}", _str(v)) for k, v in element.attrib.items())
        for where, value in values:
            bad = _encoding.unwritable(value, encoding)
            if bad:
                chars = ", ".join(_encoding.describe(ch) for ch in bad)
                problems.append(Problem(where, f"{encoding.label} cannot hold {chars}"))
    return problems


def _str(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value

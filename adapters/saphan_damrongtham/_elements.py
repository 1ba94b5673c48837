"""The elements of a Damrongtham message, written as text in the format's order.

:class:`CaseWriter` writes a case's ``Case`` element with the ``Center`` it is given
(:func:`.render.holder_center` chooses it). What the other elements get:

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
  requires the elements.

Values the XSD may refuse are screened as they are written (:mod:`._screens`) and a
screen that trips marks the text doubtful; a character XML cannot hold marks it
unwritable (:mod:`._writer`); every problem with the case's content is collected on the
way, so that :func:`.render.render_case` reports them all at once.

What it does not do: choose the ``Center``, put back content the format does not define,
encode the text or check it against the XSD (:mod:`.render` does each).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Final

from saphan.canonical import (
    Address,
    Attachment,
    Case,
    Complainant,
    Place,
    Reference,
    SourceSystem,
)
from saphan.errors import Problem
from saphan.reference import phone
from saphan.translate.crosswalk import Crosswalks, crosswalks

from . import _places, _screens, _writer
from ._address import line_parts
from ._names import NS, SCHEMA_VERSION, Center, is_tracking_no
from ._writer import INDENT

_CARRIED: Final = (SourceSystem.PSC1111, SourceSystem.OMB, SourceSystem.AGO)
_OTHER_NUMBER: Final = re.compile(r"[0-9A-Za-z๐-๙][0-9A-Za-z๐-๙/_.:\-]{0,39}")
_MOO: Final = re.compile(r"[0-9๐-๙]{1,3}")
_OTHER_SUB_TYPE: Final = "199"


_CODE_SCHEMES: Final = ("damrongtham.channel", "damrongtham.main_type", "damrongtham.sub_type")


#: what a case's codes give: per scheme, the code written (empty when there is none) and
#: the problem when there is none; then the channel's label
_Codes = tuple[tuple[tuple[str, str | None], ...], str | None]


@lru_cache(maxsize=4096)
def _resolved(cw: Crosswalks, codes: tuple[tuple[str, str], ...]) -> _Codes:
    # The same few combinations of codes recur; finding chains of tables does not need to
    # be repeated for each message. Keyed by the tables themselves, so new tables (another
    # mappings folder) are never answered from the old ones.
    given = dict(codes)
    found: list[tuple[str, str | None]] = []
    for scheme in _CODE_SCHEMES:
        value = cw.resolve(given, scheme)
        if value is None and scheme == "damrongtham.sub_type":
            value = _OTHER_SUB_TYPE
        if value is None or not cw.is_code(scheme, value):
            found.append(("", f"no {scheme} code for this case ({value!r})"))
        else:  # a code of the format's own table: nothing in it needs escaping
            found.append((value, None))
    return tuple(found), cw.label("damrongtham.channel", found[0][0])


@lru_cache(maxsize=64)
def _coded(cw: Crosswalks, scheme: str, meaning: str) -> tuple[str, str | None]:
    """The format's code for a canonical meaning, and its label (a handful of each)."""
    code = cw.encode(scheme, meaning)
    return code, cw.label(scheme, code)


def _leaf(indent: str, name: str, value: str | None, attributes: str = "") -> str:
    """One element without children, on a line of its own (``value`` None: ``<name/>``)."""
    if value is None:
        return f"\n{indent}<{name}{attributes}/>"
    return f"\n{indent}<{name}{attributes}>{_writer.text(value)}</{name}>"


_1, _2, _3 = INDENT, INDENT * 2, INDENT * 3  # the indentation of each level


class CaseWriter:
    """Writes the message's text in the format's element order (see :mod:`._writer`) and
    collects every problem on the way."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        #: whether a value may be one the XSD refuses (see the module docstring)
        self.doubtful = False
        #: whether the text holds a character XML cannot hold (see :mod:`._writer`)
        self.unwritable = False
        #: the UTF-8 of the text up to the attachments, and how long that text is
        self.head_utf8: bytes | None = None
        self.head_length = 0

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def screen(self, ok: object) -> None:
        if not ok:
            self.doubtful = True

    # -- the case --------------------------------------------------------------------------

    def write(self, case: Case, center: Center) -> str:
        cw, text = crosswalks(), _writer.text
        found, channel_label = _resolved(cw, tuple(case.codes.items()))
        for scheme, (_, missing) in zip(_CODE_SCHEMES, found, strict=True):
            if missing is not None:
                self.problem(f"/codes/{scheme}", missing)
        channel, main_type, sub_type = found[0][0], found[1][0], found[2][0]
        matter = case.matter
        self.screen(0 < len(matter.title) <= 500 and 0 < len(matter.detail) <= 20_000)
        out = [
            f'<Case xmlns="{NS}" schemaVersion="{SCHEMA_VERSION}">',
            self.tracking_no(case),
            f'\n{_1}<Center level="{center.level}" code="{center.code}">{text(center.name)}</Center>'
            f"\n{_1}<ReceivedAt>{self.when(case.received_at)}</ReceivedAt>",
            _leaf(_1, "Channel", channel_label, f' code="{channel}"'),
            self.complainant(case.complainant, protected=case.identity_protected),
        ]
        add = out.append
        if case.respondent is not None:
            kind = case.respondent.kind._value_.upper()
            name = text(case.respondent.name or "")
            add(f'\n{_1}<Respondent type="{kind}">{name}</Respondent>')
        add(
            f'\n{_1}<MainType code="{main_type}"/>\n{_1}<SubType code="{sub_type}"/>'
            f"\n{_1}<Subject>{text(matter.title)}</Subject>"
            f"\n{_1}<Detail>{text(matter.detail)}</Detail>"
        )
        if matter.request is not None:
            add(f"\n{_1}<Request>{text(matter.request)}</Request>")
        if case.incident is not None:
            add(self.place(case.incident))
        if case.escalation is not None:
            escalation = case.escalation
            reason, _ = _coded(cw, "damrongtham.escalation_reason", escalation.reason._value_)
            add(_leaf(_1, "Escalation", escalation.note, f' reason="{reason}"'))
        status, label = _coded(cw, "damrongtham.status", case.status.code._value_)
        at = self.when(case.status.at)
        add(_leaf(_1, "Status", label, f' code="{status}" at="{at}"'))
        head = "".join(out)
        # One scan of the text for characters XML cannot hold, but for the content of the
        # attachments, which is screened as base64 (megabytes of it, in a large file). It
        # is made on the text's UTF-8, which a message in UTF-8 then reuses.
        self.head_utf8 = _writer.utf8_unless_unwritable(head)
        self.unwritable = self.head_utf8 is None
        self.head_length = len(head)
        if not case.attachments:
            return head + "\n</Case>"
        return head + self.attachments(case.attachments) + "\n</Case>"

    def attachments(self, items: list[Attachment]) -> str:
        out = [f"\n{_1}<Attachments>"]
        attribute = _writer.attribute
        for item in items:
            base64 = _screens.xsd_base64(item.content_b64)
            self.screen(
                0 < len(item.filename) <= 255
                and _screens.MEDIA_TYPE.fullmatch(item.media_type)
                and _screens.SHA256.fullmatch(item.sha256)
                and base64
            )
            values = item.filename + item.media_type + item.sha256
            if _writer.has_unwritable(values if base64 else values + item.content_b64):
                self.unwritable = True
            attributes = (
                f' fileName="{attribute(item.filename)}"'
                f' mimeType="{attribute(item.media_type)}"'
                f' sha256="{attribute(item.sha256)}"'
            )
            out.append(_leaf(_2, "Attachment", item.content_b64, attributes))
        out.append(f"\n{_1}</Attachments>")
        return "".join(out)

    def when(self, instant: datetime) -> str:
        written, four_digits = _writer.be_datetime_checked(instant)
        # the XSD's form: every part but the year is two digits as written; the year must
        # be four (what BE_TEXT in _screens says of the whole)
        self.screen(four_digits)
        return written

    def tracking_no(self, case: Case) -> str:
        drt = case.reference(SourceSystem.DRT)
        if drt is not None:
            if not is_tracking_no(drt):
                self.problem("/origin", f"{drt!r} is not the Damrongtham number of a real center")
            self.screen(_OTHER_NUMBER.fullmatch(drt))
            return _leaf(_1, "TrackingNo", drt)
        other = _carried(case.origin, case.references)
        if other is None:
            self.problem(
                "/origin", "the case has no number Damrongtham can carry (DRT, PSC1111, OMB, AGO)"
            )
            return _leaf(_1, "TrackingNo", "")
        if not _OTHER_NUMBER.fullmatch(other.ref):
            self.problem("/origin", f"{other.ref!r} cannot be written as a TrackingNo")
        return _leaf(_1, "TrackingNo", other.ref, f' system="{other.system.value}"')

    def complainant(self, person: Complainant, *, protected: bool) -> str:
        text = _writer.text
        # 1111 secrecy >= 1 also asks for protection; Damrongtham says it with conceal.
        head = (
            f'\n{_1}<Complainant anonymous="{"Y" if person.anonymous else "N"}"'
            f' conceal="{"Y" if protected else "N"}"'
        )
        body = ""
        if not person.anonymous:
            if person.citizen_id is not None:
                digits = person.citizen_id
                self.screen(len(digits) == 13 and digits.isascii() and digits.isdigit())
                body = f"\n{_2}<CitizenId>{text(digits)}</CitizenId>"
            body += (
                f"\n{_2}<Prefix>{text(person.prefix or '')}</Prefix>"
                f"\n{_2}<FirstName>{text(person.given_name or '')}</FirstName>"
                f"\n{_2}<LastName>{text(person.family_name or '')}</LastName>"
            )
        if person.phone is not None:
            body += f"\n{_2}<Phone>{text(self.phone(person.phone))}</Phone>"
        if person.email is not None:
            self.screen(len(person.email) <= 254 and _screens.EMAIL.fullmatch(person.email))
            body += f"\n{_2}<Email>{text(person.email)}</Email>"
        if not person.anonymous and person.address is not None:
            body += self.address(person.address)
        if not body:
            return head + "/>"
        return f"{head}>{body}\n{_1}</Complainant>"

    def phone(self, e164: str) -> str:
        if not e164.startswith("+66") or len(e164) not in (11, 12):
            self.problem("/complainant/phone", f"{e164} is not a Thai number")
            return e164
        styled = phone.to_thai_style(e164)
        self.screen(_screens.PHONE.fullmatch(styled))
        return styled

    def address(self, address: Address) -> str:
        subdistrict = address.area.subdistrict
        names = _names_block(subdistrict, _3) if subdistrict else None
        if names is None:
            return ""  # the format cannot hold an address without a subdistrict (docstring)
        house, moo, soi, road = address.house_no, address.moo, address.soi, address.road
        if not (house or moo or soi or road) and address.line:
            house, moo, soi, road = line_parts(address.line)
        text = _writer.text
        out = f"\n{_2}<Address>"
        if house:
            out += f"\n{_3}<HouseNo>{text(house)}</HouseNo>"
        if moo:
            if not _MOO.fullmatch(moo):
                self.problem("/complainant/address/moo", f"{moo!r} is not a village number")
            out += f"\n{_3}<Moo>{text(moo)}</Moo>"
        if soi:
            out += f"\n{_3}<Soi>{text(soi)}</Soi>"
        if road:
            out += f"\n{_3}<Road>{text(road)}</Road>"
        out += names
        postcode = address.postcode
        if postcode:
            self.screen(len(postcode) == 5 and postcode.isascii() and postcode.isdigit())
            out += f"\n{_3}<PostCode>{text(postcode)}</PostCode>"
        return out + f"\n{_2}</Address>"

    def place(self, place: Place) -> str:
        subdistrict = place.area.subdistrict
        names = _names_block(subdistrict, _2) if subdistrict else None
        if names is None:
            return ""  # as for addresses
        out = f"\n{_1}<IncidentPlace>{names}"
        if place.lat is not None:
            degrees = _writer.degrees(place.lat)
            self.screen(_screens.DEGREES.fullmatch(degrees))
            out += f"\n{_2}<Lat>{degrees}</Lat>"
        if place.lon is not None:
            degrees = _writer.degrees(place.lon)
            self.screen(_screens.DEGREES.fullmatch(degrees))
            out += f"\n{_2}<Lon>{degrees}</Lon>"
        return out + f"\n{_1}</IncidentPlace>"


@lru_cache(maxsize=8192)
def _names_block(subdistrict: str, indent: str) -> str | None:
    """The ``Tambon``, ``Amphoe`` and ``Changwat`` lines of a subdistrict, as written at
    ``indent`` (the same few thousand places recur), or None for an unknown code."""
    names = _places.names_for(subdistrict)
    if names is None:
        return None
    text = _writer.text
    return (
        f"\n{indent}<Tambon>{text(names.tambon)}</Tambon>"
        f"\n{indent}<Amphoe>{text(names.amphoe)}</Amphoe>"
        f"\n{indent}<Changwat>{text(names.changwat)}</Changwat>"
    )


def _carried(origin: Reference, references: Iterable[Reference]) -> Reference | None:
    if origin.system in _CARRIED:
        return origin
    return next((r for r in references if r.system in _CARRIED), None)

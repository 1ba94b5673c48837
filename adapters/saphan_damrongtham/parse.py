"""Reading a Damrongtham message into one canonical case.

Steps: decode (:mod:`._encoding`), parse safely (:mod:`saphan.translate.safexml`: no
DOCTYPE, no entities, no network), validate against the XSD (:mod:`._schema`), and read
every field (with a :class:`._reader.Reader`; ``Complainant`` and ``Attachments`` have
modules of their own), checking what the XSD cannot: real dates, area names that resolve,
Damrongtham numbers of real centers, the anonymous rules, attachment hashes and sizes. Every
problem is reported at once, one per path, in the format's element order. A message that cannot be
read at all (unknown encoding, not well-formed, DOCTYPE, not a ``Case``) raises
:class:`~saphan.errors.InputError`; a readable case with wrong content comes back as a
record with its problems.

How fields map (agency-formats §1):

* ``TrackingNo`` without ``system`` → ``origin`` = the DRT number, ``unit`` = the center that
  numbered it (``MOI-DRT-PPDD``, ``MOI-DRT-PP`` or ``MOI-DRT``); with ``system`` → the origin
  is that system's number (unit ``PSC`` for 1111, ``OMB`` for the Ombudsman);
* ``Center`` → ``sender`` (the agency code of the center);
* codes as received → ``codes["damrongtham.channel" | ".main_type" | ".sub_type" | ".status"]``;
* a citizen ID with a wrong check digit is kept, ``citizen_id_verified=False``, with a
  warning; phones become E.164; Thai digits are read as ASCII where digits are expected;
* ``Escalation`` → reason and note, ``at`` = ``Status@at`` when the status code is 6;
* attributes and foreign elements the format does not define → ``extensions``.
"""

from __future__ import annotations

import math
import re
from typing import Final

from lxml import etree
from pydantic import ValidationError

from saphan.canonical import (
    Area,
    Case,
    CaseStatus,
    EscalationReason,
    RespondentKind,
    SourceSystem,
)
from saphan.errors import InputError, Problem
from saphan.translate import safexml
from saphan.translate.adapter import Limits, Record, validation_problems, validator
from saphan.translate.crosswalk import crosswalks

from . import _encoding, _extensions, _schema
from ._attachments import read_attachments
from ._complainant import read_complainant
from ._names import NS, agency_for_center, ascii_digits, path_rank, q, read_tracking_no
from ._reader import Part, Reader, children, text

# Most markup a real case can have (about 50 elements, plus attachments and extensions).
MAX_MARKUP: Final = 5_000
_SYSTEM_UNITS: Final = {SourceSystem.PSC1111: "PSC", SourceSystem.OMB: "OMB"}
_DEGREES: Final = re.compile(r"[-+]?[0-9]{1,3}(?:\.[0-9]+)?")
_CENTER_CODE: Final = re.compile(r"[0-9]{4}")
_NO_AREA: Final = Area()
_validate_case: Final = validator(Case)
# Enum members by value: what calling the enum gives (None where it raises), without
# the enum machinery's Python on every message (a value that is no member still goes to
# the enum, which raises as before).
_SYSTEMS: Final = {m.value: m for m in SourceSystem}
_KINDS: Final = {m.value: m for m in RespondentKind}
_STATUSES: Final = {m.value: m for m in CaseStatus}
_REASONS: Final = {m.value: m for m in EscalationReason}
#: the coded elements of Case: name, scheme, path
_CODED: Final = (
    ("Channel", "damrongtham.channel", "/Case/Channel"),
    ("MainType", "damrongtham.main_type", "/Case/MainType"),
    ("SubType", "damrongtham.sub_type", "/Case/SubType"),
)


def parse_message(data: bytes, limits: Limits) -> Record:
    """The one record of a Damrongtham message (see the module docstring)."""
    utf8, _ = _encoding.to_utf8(data)
    root = safexml.parse(
        utf8,
        encoding="utf-8",
        # base64 attachments of up to 10 MiB are single text nodes larger than libxml2's
        # default 10 MB limit; the message size is bounded before parsing, and no DTD or
        # entity can ever be read, so lifting that one limit opens no amplification.
        huge_text=True,
        max_depth=limits.max_depth,
        max_markup=MAX_MARKUP,
    )
    if root.tag != q("Case"):
        raise InputError(
            "not a Damrongtham case",
            [Problem("/", f"the root element must be Case in namespace {NS}, not {root.tag}")],
        )
    reader = Reader()
    case = read_case(reader, root, utf8)
    problems = _merge(reader.problems, _schema.check(root))
    tracking = reader.tracking_no
    if problems or case is None:
        return Record(0, data, problems=tuple(problems), tracking_no=tracking)
    return Record(0, data, case=case, tracking_no=tracking)


def _merge(own: list[Problem], from_schema: list[Problem]) -> list[Problem]:
    # The hand-written checks word things best; the schema adds what they do not cover.
    seen: set[str] = set()
    out: list[Problem] = []
    for problem in [*own, *from_schema]:
        if problem.path not in seen:
            seen.add(problem.path)
            out.append(problem)
    return sorted(out, key=lambda p: path_rank(p.path))


def read_case(r: Reader, root: etree._Element, source: bytes | None = None) -> Case | None:
    """The case under ``root`` (parsed from ``source``, when given), or None when ``r`` has
    recorded problems."""
    at = "/Case"
    r.optional(root, "schemaVersion")  # required by the XSD, which reports it missing
    kids = children(root)
    origin = _origin(r, r.need(kids, "TrackingNo", at))
    sender = _sender(r, r.need(kids, "Center", at))
    received = r.instant(r.need_text(kids, "ReceivedAt", at), "/Case/ReceivedAt")
    codes: dict[str, str] = {}
    for name, scheme, path in _CODED:
        value = r.code(r.need(kids, name, at), "code", scheme, path)
        if value is not None:
            codes[scheme] = value
    complainant = read_complainant(r, r.need(kids, "Complainant", at))
    respondent = _respondent(r, kids.get("Respondent"))
    matter = _matter(r, kids)
    incident = _place(r, kids.get("IncidentPlace"))
    status = _status(r, r.need(kids, "Status", at), codes)
    escalation = _escalation(r, kids.get("Escalation"), status)
    attachments = read_attachments(r, kids.get("Attachments"))
    if r.problems:
        return None
    extensions = _extensions.collect(root, r.attributes, source)
    assert origin and received and complainant and matter and status
    try:
        return _validate_case(
            {
                "origin": origin,
                "sender": sender,
                "received_at": received,
                "complainant": complainant,
                "respondent": respondent,
                "matter": matter,
                "codes": codes,
                "incident": incident,
                "escalation": escalation,
                "status": status,
                "attachments": attachments,
                "warnings": r.warnings,
                "extensions": {_extensions.KEY: extensions} if extensions else {},
            }
        )
    except ValidationError as exc:  # a gap between these checks and the model
        r.problems.extend(validation_problems(exc))
        return None


def _origin(r: Reader, element: etree._Element | None) -> Part | None:
    if element is None:
        return None
    path = "/Case/TrackingNo"
    number = (element.text or "").strip()
    r.tracking_no = number or None
    system = r.optional(element, "system")
    if not number:
        r.problem(path, "must not be empty")
        return None
    if system is None:
        found = read_tracking_no(number)
        if found is None:
            r.problem(
                path,
                f"{number!r} is not the Damrongtham number of a real center "
                "(DOPA + PP00 + PPDD + yy + nnnn)",
            )
            return None
        return {"system": SourceSystem.DRT, "ref": found.text, "unit": found.unit}
    if system not in ("PSC1111", "OMB", "AGO"):
        r.problem(f"{path}/@system", f"{system!r} is not PSC1111, OMB or AGO")
        return None
    source = _SYSTEMS[system]
    return {"system": source, "ref": number, "unit": _SYSTEM_UNITS.get(source)}


def _sender(r: Reader, element: etree._Element | None) -> str | None:
    if element is None:
        return None
    at = "/Case/Center"
    level, code = r.attr(element, "level", at), r.attr(element, "code", at)
    if level is None or code is None:
        return None
    if not _CENTER_CODE.fullmatch(ascii_digits(code)):
        r.problem(f"{at}/@code", f"{code!r} is not {_schema.FORMS['Center/@code']}")
        return None
    agency = agency_for_center(level, code)
    if agency is None:
        r.problem(at, f"level {level} with code {code} is no Damrongtham center")
    return agency


def _respondent(r: Reader, element: etree._Element | None) -> Part | None:
    if element is None:
        return None
    at = "/Case/Respondent"
    kind = r.attr(element, "type", at)
    parsed = _KINDS.get((kind or "UNKNOWN").lower())
    if parsed is None:
        r.problem(f"{at}/@type", f"{kind!r} is not a respondent type")
        return None
    return {"kind": parsed, "name": text(element)}


def _matter(r: Reader, kids: dict[str, etree._Element]) -> Part | None:
    at = "/Case"
    title = r.need_text(kids, "Subject", at)
    detail = r.need_text(kids, "Detail", at)
    too_long = False
    for name, value, limit in (("Subject", title, 500), ("Detail", detail, 20_000)):
        if value is not None and len(value) > limit:
            r.problem(f"{at}/{name}", f"longer than {limit} characters ({len(value)})")
            too_long = True
    if title is None or detail is None or too_long:
        return None
    request = text(kids.get("Request"))
    return {"title": title, "detail": detail, "request": request}


def _place(r: Reader, element: etree._Element | None) -> Part | None:
    if element is None:
        return None
    at = "/Case/IncidentPlace"
    kids = children(element)
    area = r.area(kids, at)
    lat = _degrees(r, text(kids.get("Lat")), f"{at}/Lat", 90)
    lon = _degrees(r, text(kids.get("Lon")), f"{at}/Lon", 180)
    return {"area": area or _NO_AREA, "lat": lat, "lon": lon}


def _degrees(r: Reader, value: str | None, path: str, limit: int) -> float | None:
    if value is None:
        return None
    plain = ascii_digits(value)
    degrees = float(plain) if _DEGREES.fullmatch(plain) else math.nan
    if not -limit <= degrees <= limit:  # also false for nan
        r.problem(path, f"{value!r} is not decimal degrees between -{limit} and {limit}")
        return None
    return degrees


def _status(r: Reader, element: etree._Element | None, codes: dict[str, str]) -> Part | None:
    if element is None:
        return None
    at = "/Case/Status"
    code = r.code(element, "code", "damrongtham.status", at)
    when = r.instant(r.attr(element, "at", at), f"{at}/@at")
    if code is None or when is None:
        return None
    meaning = crosswalks().decode("damrongtham.status", code)
    if meaning is None:
        r.problem(f"{at}/@code", f"{code!r} has no agreed meaning")
        return None
    codes["damrongtham.status"] = code
    return {"code": _STATUSES.get(meaning) or CaseStatus(meaning), "at": when}


def _escalation(r: Reader, element: etree._Element | None, status: Part | None) -> Part | None:
    if element is None:
        return None
    at, scheme = "/Case/Escalation", "damrongtham.escalation_reason"
    reason = r.code(element, "reason", scheme, at)
    if reason is None:
        return None
    meaning = crosswalks().decode(scheme, reason)
    if meaning is None:
        r.problem(f"{at}/@reason", f"{reason!r} has no agreed meaning")
        return None
    # the escalation happened when the status says so (code 6), and only then is it known
    escalated = status is not None and status["code"] is CaseStatus.ESCALATED
    return {
        "reason": _REASONS.get(meaning) or EscalationReason(meaning),
        "note": text(element),
        "at": status["at"] if escalated and status is not None else None,
    }

"""One 1111 record → canonical :class:`~saphan.canonical.Case`.

The mapping (agency-formats.md §3): when ``ext_ref`` is present it names the origin (the
case started elsewhere) and ``ticket_no``, if any, is 1111's own reference; otherwise the
ticket is the origin (numbered by ``PSC``). ``recv_ms`` is when the complaint was first
lodged. ``person`` is the complainant (null when anonymous), ``hide_identity`` conceals the
identity, ``secrecy`` is kept (≥ 1 also protects the identity, see
:attr:`Case.identity_protected`). Channel, kind of case, topic and status codes are kept
under ``pmo1111.*``. ``place`` is the incident, ``files`` the attachments (hash checked).
The sender is ``PSC``. Unknown keys are kept verbatim in ``extensions["pmo1111"]`` by JSON
pointer relative to the record.

1111 carries no time for a record's status: a new record (status 0) is new as of its
receipt; any other status is as of the batch (``generated_ms``), never before the receipt.

Every problem of a record is reported at once: wire problems and content problems (ticket
date, areas, files), the latter checked on the raw record so that they are found even when
the wire validation failed.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from saphan.canonical import (
    Area,
    Attachment,
    Case,
    Complexity,
    Warning,
)
from saphan.errors import Problem
from saphan.reference.calendar import BE_OFFSET, from_epoch_ms
from saphan.translate.adapter import validator
from saphan.translate.jsonfields import problems_from
from saphan.translate.jsonparts import (
    FileIn,
    area_from_parts,
    attachments,
    check_digit_ok,
    citizen_id_check,
    meaning,
)
from saphan.translate.jsonwrite import unknown_keys
from saphan_pmo1111 import wire

FORMAT = "pmo1111"
SENDER = "PSC"
_validate_case = validator(Case)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _digits(value: str, width: int) -> bool:
    return len(value) == width and value.isascii() and value.isdigit()


def ticket_date(ticket_no: str) -> date | None:
    """The CE date of a ticket's ``yymmdd`` (2-digit BE year: ``67`` is BE 2567), or None
    when it is not a real date."""
    try:
        year = 2500 + int(ticket_no[:2]) - BE_OFFSET
        return date(year, int(ticket_no[2:4]), int(ticket_no[4:6]))
    except ValueError:
        return None


_AREA_KEYS = ("prov_code", "amp_code", "tam_code")


def _areas(raw: Any, prefix: str) -> tuple[Area | None, list[Problem]]:
    block = _obj(raw)
    return area_from_parts(
        block.get("prov_code"), block.get("amp_code"), block.get("tam_code"), prefix, _AREA_KEYS
    )


@lru_cache(maxsize=4096)
def _real_ticket_date(yymmdd: str) -> bool:
    # tickets of a day share their date: checking it once per day is enough
    return ticket_date(yymmdd) is not None


class _Content:
    """What the content checks found: areas and attachments, and the problems."""

    __slots__ = ("attachments", "home", "place", "problems")

    def __init__(self, raw: dict[str, Any], prefix: str) -> None:
        self.problems: list[Problem] = []
        ticket = raw.get("ticket_no")
        if isinstance(ticket, str) and _digits(ticket, 13) and not _real_ticket_date(ticket[:6]):
            self.problems.append(
                Problem(f"{prefix}/ticket_no", f"{ticket[:6]} is not a real date (yymmdd, BE)")
            )
        self.home, found = _areas(raw.get("person"), f"{prefix}/person")
        self.problems += found
        self.place, found = _areas(raw.get("place"), f"{prefix}/place")
        self.problems += found
        files = raw.get("files")
        self.attachments: list[Attachment] = []
        if files:  # most records carry none
            self.attachments, found = attachments(
                [
                    FileIn(
                        f"{prefix}/files/{i}",
                        f.get("n"),
                        f.get("t"),
                        f.get("h"),
                        f.get("b64"),
                        keys=("n", "t", "h", "b64"),
                    )
                    for i, f in enumerate(files if isinstance(files, list) else [])
                    if isinstance(f, dict)
                ],
                f"{prefix}/files",
            )
            self.problems += found


def tracking_no(raw: Any) -> str | None:
    """``ticket_no``, else ``ext_ref.ref``, read even from an invalid record."""
    record = _obj(raw)
    ticket = record.get("ticket_no")
    if isinstance(ticket, str):
        return ticket
    ref = _obj(record.get("ext_ref")).get("ref")
    return ref if isinstance(ref, str) else None


def parse_record(
    raw: Any, prefix: str, generated_ms: int | None
) -> tuple[Case | None, list[Problem]]:
    """The case of one record, or every problem of it (paths below ``prefix``)."""
    record, problems = wire.validate_record(raw, prefix)
    content = _Content(_obj(raw), prefix)
    problems = problems + content.problems
    if record is None or problems:
        return None, problems
    try:
        return _case(record, content, generated_ms, prefix), []
    except ValidationError as exc:  # a canonical limit the wire model does not know
        return None, problems_from(exc, prefix)


def _case(r: wire.PscRecord, content: _Content, generated_ms: int | None, prefix: str) -> Case:
    # The case is validated as a whole, in one call: the values came through the wire model
    # already, and one call costs about what three of the case's parts cost one by one.
    references = []
    ticket = (
        None if r.ticket_no is None else {"system": "PSC1111", "ref": r.ticket_no, "unit": SENDER}
    )
    if r.ext_ref is not None:
        origin: dict[str, Any] = {"system": r.ext_ref.system, "ref": r.ext_ref.ref}
        if ticket is not None:
            references.append(ticket)
    else:
        assert ticket is not None  # the wire rules require one of the two
        origin = ticket
    received_at = from_epoch_ms(r.recv_ms)
    status_at = received_at
    if r.status != 0 and generated_ms is not None:
        status_at = max(received_at, from_epoch_ms(generated_ms))
    complainant, warnings = _complainant(r, content.home, prefix)
    extensions = unknown_keys(r)
    status = str(r.status)
    place = r.place
    return _validate_case(
        {
            "origin": origin,
            "references": references,
            "sender": SENDER,
            "received_at": received_at,
            "complainant": complainant,
            "matter": {"title": r.title, "detail": r.detail},
            "codes": {
                "pmo1111.channel": str(r.channel),
                "pmo1111.case_type": str(r.case_type),
                "pmo1111.topic": r.topic,
                "pmo1111.status": status,
            },
            "incident": None
            if place is None
            else {"area": content.place or _NO_AREA, "lat": place.lat, "lon": place.lon},
            "status": {"code": meaning("pmo1111.status", status), "at": status_at},
            "complexity": Complexity.COMPLEX if r.complexity == "C" else Complexity.GENERAL,
            "due_days": r.due_days,
            "secrecy": r.secrecy or 0,
            "target_agency": r.target_agency,
            "attachments": content.attachments,
            "warnings": warnings,
            "extensions": {FORMAT: extensions} if extensions else {},
        }
    )


_NO_AREA = Area()


def _has_code(area: Area) -> bool:
    return area.province is not None or area.district is not None or area.subdistrict is not None


def _complainant(
    r: wire.PscRecord, home: Area | None, prefix: str
) -> tuple[dict[str, Any], list[Warning]]:
    p = r.person
    conceal = bool(r.hide_identity)
    if p is None:
        return {"anonymous": bool(r.anonymous), "conceal_identity": conceal}, []
    verified: bool | None = True
    warnings: list[Warning] = []
    if p.id13 is None or not check_digit_ok(p.id13):  # else as citizen_id_check answers
        verified, warnings = citizen_id_check(p.id13, f"{prefix}/person/id13")
    address = None
    # ``home != Area()`` asked field by field: pydantic's ``__eq__`` is Python, and an Area
    # (frozen, no extra keys) equals Area() exactly when it has no code at all
    if p.addr is not None or p.zip is not None or (home is not None and _has_code(home)):
        address = {"line": p.addr, "area": home or _NO_AREA, "postcode": p.zip}
    complainant = {
        "anonymous": bool(r.anonymous),
        "conceal_identity": conceal,
        "citizen_id": p.id13,
        "citizen_id_verified": verified,
        "prefix": p.title,
        "given_name": p.fname,
        "family_name": p.lname,
        # the wire model holds tel to 0 and 8 or 9 digits: E.164 is +66 and the rest
        "phone": None if p.tel is None else "+66" + p.tel[1:],
        "email": p.email,
        "address": address,
    }
    return complainant, warnings

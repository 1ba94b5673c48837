"""OCC 2.1 document → canonical :class:`~saphan.canonical.Case`.

The mapping (agency-formats.md §2): ``source`` is the origin and ``source.unit`` the sender;
``occ_no`` (when set) is the Ombudsman's reference; ``submitted_at`` is when the complaint
was first lodged; ``disclose_identity: false`` conceals the complainant's identity; the
6-digit ``geocode`` gives the whole area (district and province are its prefixes, once the
subdistrict is known to exist); ``facts`` is the detail and ``relief_sought`` the request;
``referral`` is an escalation; topic and status codes are kept under ``occ.topic`` and
``occ.status``; documents are attachments whose hash and size are checked; unknown keys are
kept verbatim in ``extensions["occ"]`` by JSON pointer. A missing ``status`` reads as
received at ``submitted_at``.

Every problem is reported at once: the wire problems (:mod:`saphan_occ.wire`) and the
content problems (areas, documents), which are checked on the raw document so that they
are found even when the wire validation failed.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from saphan.canonical import (
    Area,
    Attachment,
    Case,
    CaseStatus,
    Warning,
)
from saphan.errors import Problem
from saphan.translate.adapter import validator
from saphan.translate.jsonfields import problems_from
from saphan.translate.jsonparts import (
    FileIn,
    area_from_geocode,
    attachments,
    citizen_id_check,
    meaning,
)
from saphan.translate.jsonwrite import unknown_keys
from saphan_occ import wire

FORMAT = "occ"
_validate_case = validator(Case)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class _Content:
    """What the content checks found: the areas and attachments, and the problems."""

    __slots__ = ("attachments", "home", "place", "problems")

    def __init__(self, raw: dict[str, Any]) -> None:
        complainant = _obj(raw.get("complainant"))
        address = _obj(complainant.get("address"))
        self.home, home_problems = area_from_geocode(
            address.get("geocode"), "/complainant/address/geocode"
        )
        self.place, place_problems = area_from_geocode(
            _obj(raw.get("incident")).get("geocode"), "/incident/geocode"
        )
        self.problems = home_problems + place_problems
        documents = raw.get("documents")
        self.attachments: list[Attachment] = []
        if documents:  # many cases carry none
            files = [
                FileIn(
                    f"/documents/{i}",
                    doc.get("filename"),
                    doc.get("media_type"),
                    doc.get("sha256"),
                    doc.get("content_b64"),
                    doc.get("size"),
                )
                for i, doc in enumerate(documents if isinstance(documents, list) else [])
                if isinstance(doc, dict)
            ]
            self.attachments, file_problems = attachments(files, "/documents")
            self.problems += file_problems


def tracking_no(raw: dict[str, Any]) -> str | None:
    """The sender's own number (``source.ref``), read even from an invalid document."""
    ref = _obj(raw.get("source")).get("ref")
    return ref if isinstance(ref, str) else None


def parse_document(raw: dict[str, Any]) -> tuple[Case | None, list[Problem]]:
    """The case, or every problem of the document (wire and content)."""
    document, problems = wire.validate(raw)
    content = _Content(raw)
    problems = problems + content.problems
    if document is None or problems:
        return None, problems
    try:
        return _case(document, content), []
    except ValidationError as exc:  # a canonical limit the wire model does not know
        return None, problems_from(exc)


def _case(doc: wire.OccDocument, content: _Content) -> Case:
    # The case is validated as a whole, in one call: the values came through the wire model
    # already, and one call costs about what three of the case's parts cost one by one.
    source = doc.source
    references = []
    if doc.occ_no is not None and not (source.system == "OMB" and source.ref == doc.occ_no):
        references.append({"system": "OMB", "ref": doc.occ_no, "unit": "OMB"})
    codes: dict[str, str] = {"occ.topic": doc.matter.topic}
    if doc.status is not None:
        codes["occ.status"] = doc.status.code
        status = {
            "code": meaning("occ.status", doc.status.code),
            "at": doc.status.at,
            "note": doc.status.note,
        }
    else:
        status = {"code": CaseStatus.RECEIVED, "at": doc.submitted_at}
    complainant, warnings = _complainant(doc.complainant, content.home)
    extensions = unknown_keys(doc)
    r, i, referral = doc.respondent, doc.incident, doc.referral
    matter = doc.matter
    return _validate_case(
        {
            "origin": {"system": source.system, "ref": source.ref, "unit": source.unit},
            "references": references,
            "sender": source.unit,
            "received_at": doc.submitted_at,
            "complainant": complainant,
            "respondent": None
            if r is None
            else {"kind": r.kind or "unknown", "name": r.name, "agency_code": r.agency_code},
            "matter": {
                "title": matter.title,
                "detail": matter.facts,
                "request": matter.relief_sought,
            },
            "codes": codes,
            "incident": None
            if i is None
            else {"area": content.place or _NO_AREA, "lat": i.lat, "lon": i.lon},
            "escalation": None
            if referral is None
            else {
                "reason": meaning("occ.referral_reason", referral.reason),
                "note": referral.note,
                "at": referral.referred_at,
            },
            "status": status,
            "attachments": content.attachments,
            "warnings": warnings,
            "extensions": {FORMAT: extensions} if extensions else {},
        }
    )


_NO_AREA = Area()


def _complainant(c: wire.Complainant, home: Area | None) -> tuple[dict[str, Any], list[Warning]]:
    verified, warnings = citizen_id_check(c.citizen_id, "/complainant/citizen_id")
    address = None
    if c.address is not None:
        address = {"line": c.address.line, "area": home or _NO_AREA, "postcode": c.address.postcode}
    complainant = {
        "anonymous": bool(c.anonymous),
        "conceal_identity": c.disclose_identity is False,
        "citizen_id": c.citizen_id,
        "citizen_id_verified": verified,
        "prefix": c.prefix,
        "given_name": c.given_name,
        "family_name": c.family_name,
        "phone": c.phone,
        "email": c.email,
        "address": address,
    }
    return complainant, warnings

"""Canonical :class:`~saphan.canonical.Case` → OCC 2.1 document, for one receiver.

Every key of the format is written, ``null`` where the case has nothing, in the order of
agency-formats.md §2. Date-times are written in Thai time (``+07:00``), coordinates as
decimal strings (as OCC's own messages do), phones in E.164. Unknown keys the case brought
from an earlier OCC message (``extensions["occ"]``) are put back where they were.

Holder fields: the receiver (``OMB`` or an ``AGO-RP-PP`` office) is being referred the case,
so ``referral`` is written (see :func:`referral`). Pure: no clock, no randomness.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from saphan.canonical import Case, SourceSystem
from saphan.reference.calendar import THAI_TZ
from saphan.translate.adapter import Receiver
from saphan.translate.crosswalk import crosswalks
from saphan.translate.jsonparts import address_line, decimal_text, resolve_code
from saphan.translate.jsonwrite import restore_unknown

FORMAT = "occ"
VERSION = "2.1"
#: an OCC case number (``occ_no``): "OMB" + CE year + "-" + 6 digits
OCC_NUMBER = re.compile(r"^OMB[0-9]{4}-[0-9]{6}\Z")
#: the O2 reason written for a referral whose case states no escalation (see :func:`referral`)
DEFAULT_REFERRAL_REASON = "CENTRAL_AGENCY_AUTHORITY"


def occ_number(case: Case) -> str | None:
    """The Ombudsman's number of the case, when it has one in OCC's own form.

    A number another system gave and a sender filed under OMB (for instance the Ombudsman
    passing on a case it has not numbered yet, whose ``source.ref`` is then the origin's
    number) is not an ``occ_no``.
    """
    for ref in (case.origin, *case.references):
        if ref.system == SourceSystem.OMB and OCC_NUMBER.match(ref.ref):
            return ref.ref
    return None


def when(instant: datetime) -> str:
    """An instant as OCC writes it: ISO 8601 in Thai time with its offset."""
    return instant.astimezone(THAI_TZ).isoformat()


def sending_system(case: Case) -> SourceSystem:
    """The system of the unit that sends the case (``case.sender``).

    Damrongtham centers (``MOI-DRT…``) are ``DRT``, ``OMB`` is ``OMB``, the Attorney
    General's offices (``AGO-…``) are ``AGO``. ``PSC``, ``RTP-IG`` and the other network
    agencies of 1111 are ``PSC1111``: a sender that is none of the above counts as a 1111
    network agency when the case carries a 1111 ticket (cases reach those agencies through
    1111), and as ``OTHER`` when it does not. With no sender, the origin's system is used.
    """
    sender = case.sender
    if sender is None:
        return case.origin.system
    if sender.startswith("MOI-DRT"):
        return SourceSystem.DRT
    if sender == "OMB":
        return SourceSystem.OMB
    if sender == "AGO" or sender.startswith("AGO-"):
        return SourceSystem.AGO
    if sender in ("PSC", "RTP-IG") or case.reference(SourceSystem.PSC1111) is not None:
        return SourceSystem.PSC1111
    return SourceSystem.OTHER


def source(case: Case) -> dict[str, str]:
    """The ``source`` block: the sending unit and the number it sends the case under.

    ``ref`` is the sending system's own number of the case, and ``system`` that system.
    A unit whose system has not numbered the case (a district center passing on a 1111
    case it has not registered, the Ombudsman passing on one it has not numbered) sends it
    under the number it came with: then ``ref`` is the origin's number and ``system`` the
    origin's system, so that a number is never filed under a system that did not give it.
    """
    system = sending_system(case)
    ref = case.reference(system)
    if ref is None:
        system, ref = case.origin.system, case.origin.ref
    unit = case.sender or case.origin.unit or system.value
    return {"system": system.value, "unit": unit, "ref": ref}


def referral(case: Case, receiver: Receiver, system: str) -> dict[str, Any] | None:
    """The ``referral`` block the receiver is sent.

    With an escalation: its reason (D4 → O2), note and time; without a time, the time the
    message is sent, else the time of the case's status. A case without an escalation that
    is still referred to the receiver (for instance legal help in a civil dispute, which
    the routing policy sends from a Damrongtham center to an ``AGO-RP-PP`` office) states
    no reason of its own; the format requires one, and ``CENTRAL_AGENCY_AUTHORITY`` ("belongs
    to a central agency") is the O2 reason that describes being handed to another agency
    without a finding against the sender, so it is the one written. The block is ``null``
    only when the Ombudsman writes its own case to itself (``source.system`` ``OMB``, sent
    by ``OMB`` or by no one named, for ``OMB``), the one case where OCC does not require it.
    """
    at = receiver.sent_at or case.status.at
    if case.escalation is not None:
        return {
            "reason": crosswalks().encode("occ.referral_reason", case.escalation.reason.value),
            "note": case.escalation.note,
            "referred_at": when(case.escalation.at or at),
        }
    own_case = system == SourceSystem.OMB.value and case.sender in (None, "OMB")
    if own_case and receiver.agency == "OMB":
        return None
    return {"reason": DEFAULT_REFERRAL_REASON, "note": None, "referred_at": when(at)}


def _code(case: Case, scheme: str, fallback: str) -> str:
    value = resolve_code(case.codes, scheme)
    return value if value is not None and crosswalks().is_code(scheme, value) else fallback


def _status_code(case: Case) -> str:
    # The code the case arrived with, when it still says the same thing (OCC's table is not
    # one-to-one with the canonical meanings); else the agreed code for the meaning.
    cw = crosswalks()
    own = case.codes.get("occ.status")
    if own is not None and cw.decode("occ.status", own) == case.status.code.value:
        return own
    return cw.encode("occ.status", case.status.code.value)


def render_document(case: Case, receiver: Receiver) -> dict[str, Any]:
    """The OCC document for ``receiver``, as a JSON-ready dict in the format's key order."""
    sent_by = source(case)
    c = case.complainant
    address = None
    if c.address is not None:
        address = {
            "line": address_line(c.address),
            "geocode": c.address.area.subdistrict,
            "postcode": c.address.postcode,
        }
    respondent = None
    if case.respondent is not None:
        respondent = {
            "kind": case.respondent.kind.value,
            "name": case.respondent.name,
            "agency_code": case.respondent.agency_code,
        }
    incident = None
    if case.incident is not None:
        p = case.incident
        incident = {
            "geocode": p.area.subdistrict,
            "lat": None if p.lat is None else decimal_text(p.lat),
            "lon": None if p.lon is None else decimal_text(p.lon),
        }
    document: dict[str, Any] = {
        "occ_version": VERSION,
        "occ_no": occ_number(case),
        "source": sent_by,
        "submitted_at": when(case.received_at),
        "complainant": {
            "anonymous": c.anonymous,
            "disclose_identity": not case.identity_protected,
            "citizen_id": c.citizen_id,
            "prefix": c.prefix,
            "given_name": c.given_name,
            "family_name": c.family_name,
            "phone": c.phone,
            "email": c.email,
            "address": address,
        },
        "respondent": respondent,
        "matter": {
            "title": case.matter.title,
            "facts": case.matter.detail,
            "relief_sought": case.matter.request,
            "topic": _code(case, "occ.topic", "OTHER"),
        },
        "incident": incident,
        "referral": referral(case, receiver, sent_by["system"]),
        "documents": [
            {
                "filename": a.filename,
                "media_type": a.media_type,
                "sha256": a.sha256,
                "size": a.size,
                "content_b64": a.content_b64,
            }
            for a in case.attachments
        ],
        "status": {
            "code": _status_code(case),
            "at": when(case.status.at),
            "note": case.status.note,
        },
    }
    restore_unknown(document, case.extensions.get(FORMAT, {}))
    return document

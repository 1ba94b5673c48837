"""Canonical cases → one 1111 exchange batch, for one receiver.

Every key of the format is written, ``null`` where a case has nothing, in the order of
agency-formats.md §3. Times are epoch milliseconds, phones digits with the leading 0 (a
number outside Thailand has no 1111 form and is left out). Unknown keys a case brought from
an earlier 1111 record (``extensions["pmo1111"]``) are put back where they were.

Holder field: ``target_agency`` is the receiving agency, except when the receiver is 1111
itself (``PSC``), which is told the agency the case asked for (``Case.target_agency``).
A case that 1111 did not receive first-hand carries the referral channel ``6``.

The envelope is derived, never invented: ``generated_ms`` is the time the message is sent
(``Receiver.sent_at``), else the latest status time among the cases; ``batch_id`` is
``PSC-<Thai date of that time>-<4 digits from a hash of the records>``. Pure: no clock,
no randomness, the same cases give the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from saphan.canonical import Case, Complexity, SourceSystem
from saphan.reference.calendar import thai_date, to_epoch_ms
from saphan.reference.phone import to_national
from saphan.translate.adapter import Receiver
from saphan.translate.crosswalk import Crosswalks, crosswalks
from saphan.translate.jsonparts import address_line
from saphan.translate.jsonwrite import compact, restore_unknown

FORMAT = "pmo1111"
VERSION = "1.0"
#: the agency code of the Government Complaint Center 1111 itself
PSC = "PSC"


@lru_cache(maxsize=4096)
def _codes(cw: Crosswalks, codes: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    """The channel (for a first-hand case), case type and topic of a case with ``codes``:
    the same few combinations recur, so each is worked out once (keyed by the tables too,
    so other tables are never answered from these)."""
    given = dict(codes)
    found = []
    for scheme, fallback in _CODE_SCHEMES:
        value = cw.resolve(given, scheme)
        found.append(value if value is not None and cw.is_code(scheme, value) else fallback)
    return tuple(found)


_CODE_SCHEMES = (
    ("pmo1111.channel", "6"),
    ("pmo1111.case_type", "1"),
    ("pmo1111.topic", "T15"),
)


@lru_cache(maxsize=256)
def _status_code(cw: Crosswalks, own: str | None, meaning: str) -> int:
    # The code the case arrived with, when it still says the same thing; else the agreed one.
    if own is not None and cw.decode("pmo1111.status", own) == meaning:
        return int(own)
    return int(cw.encode("pmo1111.status", meaning))


def _status(case: Case) -> int:
    return _status_code(crosswalks(), case.codes.get("pmo1111.status"), case.status.code.value)


def _tel(e164: str | None) -> str | None:
    if e164 is None or not e164.startswith("+66") or not 8 <= len(e164) - 3 <= 9:
        return None
    return to_national(e164)


def _person(case: Case) -> dict[str, Any] | None:
    c = case.complainant
    if c.anonymous:
        return None
    a = c.address
    return {
        "id13": c.citizen_id,
        "title": c.prefix,
        "fname": c.given_name,
        "lname": c.family_name,
        "tel": _tel(c.phone),
        "email": c.email,
        "addr": None if a is None else address_line(a),
        "prov_code": None if a is None else a.area.province,
        "amp_code": None if a is None else a.area.district,
        "tam_code": None if a is None else a.area.subdistrict,
        "zip": None if a is None else a.postcode,
    }


def render_record(case: Case, receiver: Receiver) -> dict[str, Any]:
    """One record for ``receiver``, as a JSON-ready dict in the format's key order."""
    place = None
    if case.incident is not None:
        p = case.incident
        place = {
            "prov_code": p.area.province,
            "amp_code": p.area.district,
            "tam_code": p.area.subdistrict,
            "lat": p.lat,
            "lon": p.lon,
        }
    first_hand = case.origin.system == SourceSystem.PSC1111
    channel, case_type, topic = _codes(crosswalks(), tuple(case.codes.items()))
    record: dict[str, Any] = {
        "ticket_no": case.reference(SourceSystem.PSC1111),
        "ext_ref": None
        if first_hand
        else {"system": case.origin.system.value, "ref": case.origin.ref},
        # not received first-hand by 1111: a referral from another agency
        "channel": int(channel) if first_hand else 6,
        "recv_ms": to_epoch_ms(case.received_at),
        "person": _person(case),
        "hide_identity": case.complainant.conceal_identity,
        "anonymous": case.complainant.anonymous,
        "case_type": int(case_type),
        "topic": topic,
        "title": case.matter.title,
        "detail": case.matter.detail,
        "place": place,
        "target_agency": case.target_agency if receiver.agency == PSC else receiver.agency,
        "complexity": "C" if case.complexity == Complexity.COMPLEX else "G",
        "due_days": case.due_days,
        "secrecy": case.secrecy,
        "status": _status(case),
        "files": [
            {"n": a.filename, "t": a.media_type, "h": a.sha256, "b64": a.content_b64}
            for a in case.attachments
        ],
    }
    restore_unknown(record, case.extensions.get(FORMAT, {}))
    return record


def _yyyymmdd(day: date) -> str:
    """``f"{day:%Y%m%d}"`` without ``strftime`` (which costs more than the rest of the
    envelope), for the years it writes with four digits."""
    if day.year < 1000:
        return f"{day:%Y%m%d}"
    return f"{day.year}{day.month:02d}{day.day:02d}"


def render_batch(cases: Sequence[Case], receiver: Receiver) -> dict[str, Any]:
    """The whole batch: envelope and one record per case, in the order given."""
    records = [render_record(case, receiver) for case in cases]
    basis = receiver.sent_at or max(case.status.at for case in cases)
    digest = hashlib.sha256(compact(records)).digest()
    number = int.from_bytes(digest[:4], "big") % 10000
    return {
        "psc_version": VERSION,
        "batch_id": f"PSC-{_yyyymmdd(thai_date(basis))}-{number:04d}",
        "generated_ms": to_epoch_ms(basis),
        "records": records,
    }

"""Writing a case for one receiver: the holder fields it decides, and identity protection.

Where the complainant asked that their identity be protected (damrongtham ``conceal``, occ
``disclose_identity: false``, 1111 ``hide_identity`` or ``secrecy`` ≥ 1), the identity is
withheld from (a) the party complained about, when that party is an agency in the directory,
and (b) holders that only receive a copy for information: they do not need it. The case
then travels as anonymous (contact details withheld too), and a warning says so.
"""

from __future__ import annotations

from datetime import datetime

from saphan.canonical import Case, Complainant, Warning
from saphan.directory.model import Agency
from saphan.translate import Receiver, get_adapter


def needs_redaction(case: Case, receiver: str, *, copy: bool) -> bool:
    if not case.identity_protected:
        return False
    respondent = case.respondent.agency_code if case.respondent else None
    return copy or (respondent is not None and respondent == receiver)


def redact(case: Case) -> Case:
    """The case without the complainant's identity or contact details."""
    withheld = Complainant(anonymous=True, conceal_identity=True)
    warning = Warning(
        path="/complainant",
        code="identity-withheld",
        message="the complainant's identity is protected and withheld from this receiver",
    )
    return case.model_copy(update={"complainant": withheld, "warnings": [*case.warnings, warning]})


def render_for(case: Case, agency: Agency, *, copy: bool, sent_at: datetime) -> bytes:
    """The exact bytes ``agency`` receives for ``case``."""
    if needs_redaction(case, agency.code, copy=copy):
        case = redact(case)
    receiver = Receiver(
        agency=agency.code, name=agency.name_th, sent_at=sent_at, options=agency.options
    )
    return get_adapter(agency.format).render(case, receiver)

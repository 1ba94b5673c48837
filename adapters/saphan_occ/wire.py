"""The OCC 2.1 document as pydantic models: the compiled twin of ``occ.schema.json``.

The JSON Schema in ``schemas/agencies/`` is the published contract; validating every
message with ``jsonschema`` would cost more than the rest of a translation, so the hot path
validates with these strict pydantic models instead, and a test proves that both accept and
refuse the same documents. Strict means no coercion: a number is not a string, ``"1"`` is
not a boolean. Patterns must read as Python's ``re`` reads them (as ``jsonschema`` does):
those of fixed length, with a ``max_length`` as long, run on pydantic's Rust engine, which
then gives the same verdict; the others go through
:func:`~saphan.translate.jsonfields.python_pattern`. Unknown keys are allowed everywhere (OCC
ignores them; the hub keeps them).

What this module does not check (see :mod:`saphan_occ.parse`): that area codes exist, that
documents decode to their hash and size, a citizen ID's check digit.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from saphan.errors import Problem
from saphan.translate.adapter import validator
from saphan.translate.jsonfields import Integral, WireDateTime, problems_from, python_pattern


class _Wire(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True, regex_engine="rust-regex")


SourceSystem = Literal["DRT", "PSC1111", "OMB", "AGO", "OTHER"]
Topic = Literal[
    "MALADMINISTRATION",
    "UNFAIR_LAW",
    "NEGLECT_OR_DELAY",
    "ETHICS",
    "LAND_AND_PROPERTY",
    "PUBLIC_SERVICE",
    "OTHER",
]
ReferralReason = Literal[
    "LEGAL_ISSUE",
    "REGULATION_AMENDMENT",
    "CENTRAL_AGENCY_AUTHORITY",
    "OFFICIAL_MISCONDUCT",
    "UNRESOLVED_AT_SOURCE",
]
Status = Literal["RECEIVED", "UNDER_REVIEW", "INVESTIGATING", "CONCLUDED", "REJECTED", "REFERRED"]
RespondentKind = Literal["official", "agency", "private", "unknown"]

Geocode = Annotated[str, Field(pattern=r"^[0-9]{6}$", max_length=6)]
Phone = Annotated[str, python_pattern(r"^\+[1-9][0-9]{6,14}$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", max_length=64)]
NonEmpty = Annotated[str, Field(min_length=1)]

_LAT_TEXT = re.compile(r"^-?(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?)$")
_LON_TEXT = re.compile(r"^-?(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?)$")


def _coordinate(limit: float, text: re.Pattern[str]) -> Any:
    def check(value: Any) -> float:
        # A number within range, or a numeric string: one error at the field, not one per
        # alternative as a pydantic union would give.
        if isinstance(value, int | float) and not isinstance(value, bool):
            # Compared before any conversion: NaN, infinities and huge integers all fail here.
            if -limit <= value <= limit:
                return float(value)
            raise PydanticCustomError("coordinate_range", f"not between -{limit:g} and {limit:g}")
        if isinstance(value, str):
            if text.search(value):
                return float(value)
            raise PydanticCustomError(
                "coordinate_text", f"not a decimal number between -{limit:g} and {limit:g}"
            )
        raise PydanticCustomError("coordinate_type", "a number or a numeric string is expected")

    return BeforeValidator(check)


Latitude = Annotated[float, _coordinate(90, _LAT_TEXT)]
Longitude = Annotated[float, _coordinate(180, _LON_TEXT)]


class Source(_Wire):
    system: SourceSystem
    unit: NonEmpty
    ref: NonEmpty


class Address(_Wire):
    line: str | None = None
    geocode: Geocode | None = None
    postcode: Annotated[str, Field(pattern=r"^[0-9]{5}$", max_length=5)] | None = None


class Complainant(_Wire):
    anonymous: bool | None = None
    disclose_identity: bool | None = None
    citizen_id: Annotated[str, Field(pattern=r"^[0-9]{13}$", max_length=13)] | None = None
    prefix: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    phone: Phone | None = None
    email: str | None = None
    address: Address | None = None


class Respondent(_Wire):
    kind: RespondentKind | None = None
    name: str | None = None
    agency_code: str | None = None


class Matter(_Wire):
    title: Annotated[str, Field(max_length=500)]
    facts: Annotated[str, Field(max_length=20000)]
    relief_sought: str | None = None
    topic: Topic


class Incident(_Wire):
    geocode: Geocode | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None


class Referral(_Wire):
    reason: ReferralReason
    note: str | None = None
    referred_at: WireDateTime | None = None


class Document(_Wire):
    filename: NonEmpty
    media_type: NonEmpty
    sha256: Sha256
    size: Annotated[int, Integral, Field(ge=0, le=10 * 1024 * 1024)] | None = None
    content_b64: str


class StatusBlock(_Wire):
    code: Status
    at: WireDateTime
    note: str | None = None


class OccDocument(_Wire):
    """The whole OCC message (one case)."""

    occ_version: Literal["2.1"]
    occ_no: Annotated[str, Field(pattern=r"^OMB[0-9]{4}-[0-9]{6}$", max_length=14)] | None = None
    source: Source
    submitted_at: WireDateTime
    complainant: Complainant
    respondent: Respondent | None = None
    matter: Matter
    incident: Incident | None = None
    referral: Referral | None = None
    documents: list[Document] | None = None
    status: StatusBlock | None = None


_validate_document = validator(OccDocument)


def _cross_field(raw: dict[str, Any]) -> list[Problem]:
    """Rules between fields, checked on the raw document so that they are reported even
    when some field is wrong (a pydantic model validator would not run then)."""
    source = raw.get("source")
    from_omb = isinstance(source, dict) and source.get("system") == "OMB"
    if not from_omb and raw.get("referral") is None:
        return [Problem("/referral", "required unless source.system is OMB")]
    return []


def validate(raw: dict[str, Any]) -> tuple[OccDocument | None, list[Problem]]:
    """The typed document, or every wire problem of ``raw`` (the same verdict as the
    JSON Schema gives)."""
    problems = _cross_field(raw)
    try:
        document = _validate_document(raw)
    except ValidationError as exc:
        return None, problems_from(exc) + problems
    return (None, problems) if problems else (document, [])

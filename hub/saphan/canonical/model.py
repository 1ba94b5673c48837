"""The canonical complaint case: the one model every agency format maps into and out of.

What it is: a frozen pydantic v2 model of a complaint case carrying everything the three
agency formats share (complainant with identity protection and anonymity, respondent, kind
and subject matter, places as DOPA codes, channel, tz-aware instants, status, escalation,
attachments with hashes, the originating system's references, warnings) and keeping what
only one format can carry:

* code values that have no exact partner in another format are kept in :attr:`Case.codes`
  under the scheme that produced them (``"damrongtham.sub_type"``, ``"pmo1111.topic"``, ...)
  so that a later holder whose format has a place for them receives the original;
* content an adapter does not understand is kept verbatim in :attr:`Case.extensions`
  under the adapter's name, never dropped.

What it is not: a store row or an API schema. Hub-assigned identifiers (case id, transfer
ids) live in the store; the model describes the case as the agencies describe it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"


def _digits(length: int) -> Any:
    return Field(pattern=rf"^[0-9]{{{length}}}$")


ProvinceCode = Annotated[str, _digits(2)]
DistrictCode = Annotated[str, _digits(4)]
SubdistrictCode = Annotated[str, _digits(6)]
Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
AgencyCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$", max_length=32)]


#: a tz-aware instant: AwareDatetime refuses naive values itself, in pydantic's compiled
#: validator (a Python check after it would run on every instant of every case read)
Instant = AwareDatetime


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


class CaseStatus(StrEnum):
    """The meanings behind the agreed status crosswalk (agency-formats §4)."""

    RECEIVED = "received"  # received / new
    FORWARDED = "forwarded"  # forwarded to another holder
    ACCEPTED = "accepted"  # accepted by the holder
    IN_PROGRESS = "in_progress"  # being worked on
    CONCLUDED = "concluded"  # concluded with a result
    REJECTED = "rejected"  # refused or closed without result
    ESCALATED = "escalated"  # escalated beyond the center (damrongtham 6)
    CANCELLED = "cancelled"  # cancelled by the complainant (pmo1111 9)


class EscalationReason(StrEnum):
    """Why a center says a matter exceeds its authority (damrongtham D4 ⇔ occ O2)."""

    LAW = "law"
    REGULATION = "regulation"
    CENTRAL_AGENCY = "central_agency"
    OFFICIAL_MISCONDUCT = "official_misconduct"
    OVERDUE = "overdue"


class RespondentKind(StrEnum):
    OFFICIAL = "official"
    AGENCY = "agency"
    PRIVATE = "private"
    UNKNOWN = "unknown"


class Complexity(StrEnum):
    GENERAL = "general"
    COMPLEX = "complex"


class SourceSystem(StrEnum):
    """Systems that number cases (the union of the three formats' system lists)."""

    DRT = "DRT"  # Damrongtham centers (MOI)
    PSC1111 = "PSC1111"  # Government Complaint Center 1111
    OMB = "OMB"  # Office of the Ombudsman (OCC)
    AGO = "AGO"  # Attorney General's rights-protection offices
    OTHER = "OTHER"


class Area(_Frozen):
    """A place as DOPA codes; coarser codes are always derivable from finer ones."""

    province: ProvinceCode | None = None
    district: DistrictCode | None = None
    subdistrict: SubdistrictCode | None = None


class Address(_Frozen):
    """A postal address. Structured parts where the sender gave them, a line otherwise."""

    house_no: str | None = None
    moo: str | None = None
    soi: str | None = None
    road: str | None = None
    line: str | None = Field(
        default=None, description="free-form street line, when the sender has no parts"
    )
    area: Area = Area()
    postcode: Annotated[str, _digits(5)] | None = None


class Complainant(_Frozen):
    anonymous: bool = False
    conceal_identity: bool = Field(
        default=False,
        description="identity must not reach the party complained about "
        "(damrongtham conceal=Y, occ disclose_identity=false, pmo1111 hide_identity/secrecy)",
    )
    citizen_id: Annotated[str, _digits(13)] | None = None
    citizen_id_verified: bool | None = Field(
        default=None, description="false when the check digit is wrong (kept, with a warning)"
    )
    prefix: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    phone: Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")] | None = Field(
        default=None, description="E.164"
    )
    email: str | None = None
    address: Address | None = None


class Respondent(_Frozen):
    kind: RespondentKind = RespondentKind.UNKNOWN
    name: str | None = None
    agency_code: str | None = None


class Matter(_Frozen):
    title: Annotated[str, Field(max_length=500)]
    detail: Annotated[str, Field(max_length=20000)]
    request: str | None = None


class Place(_Frozen):
    area: Area = Area()
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class Escalation(_Frozen):
    reason: EscalationReason
    note: str | None = None
    at: Instant | None = None


class StatusInfo(_Frozen):
    code: CaseStatus
    at: Instant
    note: str | None = None


class Attachment(_Frozen):
    filename: str
    media_type: str
    sha256: Sha256Hex
    size: Annotated[int, Field(ge=0, le=10 * 1024 * 1024)]
    content_b64: str = Field(description="base64 of the file's bytes")


class Reference(_Frozen):
    """A case number given by some system (the origin's, or any later holder's)."""

    system: SourceSystem
    ref: str
    unit: str | None = Field(default=None, description="the numbering unit, e.g. MOI-DRT-3415")


class Warning(_Frozen):
    path: str
    code: str
    message: str


class Case(_Frozen):
    """One complaint case, as every format describes it."""

    schema_version: str = SCHEMA_VERSION
    origin: Reference = Field(description="the system where the complaint was first lodged")
    references: list[Reference] = Field(
        default_factory=list, description="numbers other systems gave the case"
    )
    sender: str | None = Field(
        default=None, description="agency code of the unit that sent this message"
    )
    received_at: Instant = Field(description="when the complainant first lodged the complaint")
    complainant: Complainant
    respondent: Respondent | None = None
    matter: Matter
    codes: dict[str, str] = Field(
        default_factory=dict,
        description="agency code values by scheme (format.field), e.g. "
        "{'damrongtham.sub_type': '101', 'pmo1111.topic': 'T03'}; crosswalks fill the rest",
    )
    incident: Place | None = None
    escalation: Escalation | None = None
    status: StatusInfo
    complexity: Complexity = Complexity.GENERAL
    due_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    secrecy: Annotated[int, Field(ge=0, le=3)] = 0
    target_agency: str | None = Field(
        default=None, description="the agency the sender asked for (routing hint)"
    )
    attachments: list[Attachment] = Field(default_factory=list)
    warnings: list[Warning] = Field(default_factory=list)
    extensions: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="content an adapter did not map, kept verbatim under the adapter's name",
    )

    def reference(self, system: SourceSystem) -> str | None:
        """The number ``system`` gave this case, if any (origin first)."""
        if self.origin.system == system:
            return self.origin.ref
        for ref in self.references:
            if ref.system == system:
                return ref.ref
        return None

    @property
    def identity_protected(self) -> bool:
        """Whether the complainant's identity must not reach the party complained about."""
        return self.complainant.conceal_identity or self.secrecy >= 1

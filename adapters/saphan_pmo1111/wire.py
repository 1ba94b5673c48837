"""The 1111 exchange batch as pydantic models: the compiled twin of ``pmo1111.schema.json``.

The JSON Schema in ``schemas/agencies/`` is the published contract; the hot path validates
with these strict models instead (``jsonschema`` costs more than the rest of a
translation), and a test proves that both accept and refuse the same documents. The
envelope and each record are validated separately, because one bad record must never cost
the others: :func:`validate_envelope` looks at the envelope only (the records as an array
of 1 to 500 items), :func:`validate_record` at one record.

Strict means no coercion (``"1"`` is not a number), except that a number with no fractional
part counts as an integer, as JSON Schema counts it. Patterns must read as Python's ``re``
reads them (as ``jsonschema`` does): those of fixed length, with a ``max_length`` as long,
run on pydantic's Rust engine, which then gives the same verdict; the others go through
:func:`~saphan.translate.jsonfields.python_pattern`. Unknown keys are allowed (the hub keeps
them).

Not checked here (see :mod:`saphan_pmo1111.parse`): that ``ticket_no``'s date is real, that
area codes exist and nest, that files decode to their hash.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from saphan.errors import Problem
from saphan.translate.adapter import validator
from saphan.translate.jsonfields import Integral, problems_from, python_pattern


class _Wire(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True, regex_engine="rust-regex")


#: epoch milliseconds from 1970 to the end of 2099 (the hub's range of instants)
EpochMs = Annotated[int, Integral, Field(ge=0, le=4_102_444_799_999)]
ProvCode = Annotated[str, Field(pattern=r"^[0-9]{2}$", max_length=2)]
AmpCode = Annotated[str, Field(pattern=r"^[0-9]{4}$", max_length=4)]
TamCode = Annotated[str, Field(pattern=r"^[0-9]{6}$", max_length=6)]
TicketNo = Annotated[
    str,
    Field(pattern=r"^[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{7}$", max_length=13),
]

Channel = Annotated[Literal[1, 2, 3, 4, 5, 6], Integral]
CaseType = Annotated[Literal[1, 2, 3, 4, 5, 6], Integral]
Secrecy = Annotated[Literal[0, 1, 2, 3], Integral]
Status = Annotated[Literal[0, 1, 2, 3, 4, 5, 9], Integral]
Topic = Literal[
    "T01", "T02", "T03", "T04", "T05", "T06", "T07", "T08",
    "T09", "T10", "T11", "T12", "T13", "T14", "T15",
]  # fmt: skip


class ExtRef(_Wire):
    system: Literal["DRT", "OMB", "AGO", "OTHER"]
    ref: Annotated[str, Field(min_length=1)]


class Person(_Wire):
    id13: Annotated[str, Field(pattern=r"^[0-9]{13}$", max_length=13)] | None = None
    title: str | None = None
    fname: str | None = None
    lname: str | None = None
    tel: Annotated[str, python_pattern(r"^0[0-9]{8,9}$")] | None = None
    email: str | None = None
    addr: str | None = None
    prov_code: ProvCode | None = None
    amp_code: AmpCode | None = None
    tam_code: TamCode | None = None
    zip: Annotated[str, Field(pattern=r"^[0-9]{5}$", max_length=5)] | None = None


class Place(_Wire):
    prov_code: ProvCode | None = None
    amp_code: AmpCode | None = None
    tam_code: TamCode | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class File(_Wire):
    n: Annotated[str, Field(min_length=1)]
    t: Annotated[str, Field(min_length=1)]
    h: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", max_length=64)]
    b64: str


class PscRecord(_Wire):
    """One 1111 record (one case)."""

    ticket_no: TicketNo | None = None
    ext_ref: ExtRef | None = None
    channel: Channel
    recv_ms: EpochMs
    person: Person | None = None
    hide_identity: bool | None = None
    anonymous: bool | None = None
    case_type: CaseType
    topic: Topic
    title: Annotated[str, Field(max_length=500)]
    detail: Annotated[str, Field(max_length=20000)]
    place: Place | None = None
    target_agency: (
        Annotated[str, Field(max_length=32), python_pattern(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")]
        | None
    ) = None
    complexity: Literal["G", "C"] | None = None
    due_days: Annotated[int, Integral, Field(ge=0, le=3650)] | None = None
    secrecy: Secrecy | None = None
    status: Status
    files: list[File] | None = None


class Envelope(_Wire):
    """The batch without its records' content (each record is validated on its own)."""

    psc_version: Literal["1.0"]
    batch_id: Annotated[str, Field(pattern=r"^PSC-[0-9]{8}-[0-9]{4}$", max_length=17)]
    generated_ms: EpochMs
    records: Annotated[list[Any], Field(min_length=1, max_length=500)]


_validate_record = validator(PscRecord)
_validate_envelope = validator(Envelope)


# -- the common case, without Python in the validator --------------------------------------
#
# Integral and python_pattern run Python for each integer and each phone of every record.
# A record whose integers are plain ints and whose patterned strings do not end in a line
# feed (nearly every record) gives the same verdict and the same values without them: the
# twins below hold those fields to strict ints within the same sets of codes and to the
# same patterns on the Rust engine, and whatever they refuse goes to the models above, which
# then give the verdict and word the problems. They accept only what the models above
# accept, as they would read it: a strict int is never a boolean or a float (Integral's
# business), and the Rust pattern refuses what python_pattern would have to tidy.
# tests/unit/adapters/test_pmo1111_wire_twins.py holds them to that.


class _PlainPerson(Person):
    tel: Annotated[str, Field(pattern=r"^0[0-9]{8,9}$")] | None = None


# The codes are ints held to the same ranges (a strict Literal would take True for 1), so
# their declared types are wider than the Literals they stand for: the values are not.
class _PlainRecord(PscRecord):
    channel: Annotated[int, Field(ge=1, le=6)]  # type: ignore[assignment]
    recv_ms: Annotated[int, Field(ge=0, le=4_102_444_799_999)]
    person: _PlainPerson | None = None
    case_type: Annotated[int, Field(ge=1, le=6)]  # type: ignore[assignment]
    target_agency: (
        Annotated[str, Field(max_length=32, pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")] | None
    ) = None
    due_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    secrecy: Annotated[int, Field(ge=0, le=3)] | None = None  # type: ignore[assignment]
    # and one of STATUS_CODES, checked after
    status: Annotated[int, Field(ge=0, le=9)]  # type: ignore[assignment]


#: the codes of Status (0-5 and 9)
STATUS_CODES: frozenset[int] = frozenset(get_args(get_args(Status)[0]))
_validate_plain = validator(_PlainRecord)


def _plain_record(raw: Any) -> PscRecord | None:
    """``raw`` as the twin reads it, or None when the full model must decide."""
    try:
        record = _validate_plain(raw)
    except ValidationError:
        return None
    return record if record.status in STATUS_CODES else None


def _cross_field(raw: dict[str, Any], prefix: str) -> list[Problem]:
    """Rules between fields, checked on the raw record so that they are reported even
    when some field is wrong (a pydantic model validator would not run then)."""
    problems = []
    if raw.get("ticket_no") is None and raw.get("ext_ref") is None:
        problems.append(Problem(f"{prefix}/ticket_no", "a record needs ticket_no, ext_ref or both"))
    if raw.get("anonymous") is True and raw.get("person") is not None:
        problems.append(Problem(f"{prefix}/person", "must be null when anonymous is true"))
    return problems


def validate_record(raw: Any, prefix: str) -> tuple[PscRecord | None, list[Problem]]:
    """The typed record, or every wire problem of ``raw`` (paths below ``prefix``)."""
    problems = _cross_field(raw, prefix) if isinstance(raw, dict) else []
    record = _plain_record(raw)
    if record is None:
        try:
            record = _validate_record(raw)
        except ValidationError as exc:
            return None, problems_from(exc, prefix) + problems
    return (None, problems) if problems else (record, [])


def validate_envelope(raw: dict[str, Any]) -> tuple[Envelope | None, list[Problem]]:
    """The envelope's own verdict (the records only as an array of 1 to 500 items)."""
    try:
        return _validate_envelope(raw), []
    except ValidationError as exc:
        return None, problems_from(exc)

"""All-pairs round trips: for every ordered pair (A, B) of the three agency formats, a case
written in A, translated into B and back into A keeps every field both A and B can carry.

Tested on the spec examples (each example of format A, through each B) and on canonical
cases drawn by :mod:`strategies` (first written and read in A, which gives the case as A
describes it; that case is the reference). A and B may be the same format.

What each format carries (agency-formats.md §1-§4), as canonical fields:

================================  ===========  ===========  ===========
field                             damrongtham  occ          pmo1111
================================  ===========  ===========  ===========
received_at (to the second)       yes          yes          yes
anonymous, identity protected     yes          yes          yes
citizen ID (+ check), names       not anon.    yes          not anon.
phone (Thai), e-mail              yes          yes          not anon.
address: street, area, postcode   subdistrict  area only    not anon.
                                  only (else   as a 6-digit
                                  dropped)     geocode
respondent kind and name          yes          yes          no
respondent agency code            no           yes          no
title, detail                     yes          yes          yes
request                           yes          yes          no
subject matter                    SubType      topic        topic
kind of case                      MainType     no           case_type
channel                           Channel      no           channel
incident area, lat, lon           subdistrict  area only    yes
                                  only (else   as a geocode
                                  dropped)
escalation reason and note        yes          referral     no
escalation time                   no (1)       yes          no
status meaning                    yes          yes          yes
status time                       yes          yes          no (2)
status note                       no           yes          no
complexity, due days, secrecy,    no           no           yes
target agency
attachments                       yes          yes          yes
the case's numbers                see below
================================  ===========  ===========  ===========

(1) only as the ``Status`` time of status 6. (2) the record has no status time.
The street part of an address is compared without white space: Damrongtham splits a line
into ``HouseNo``/``Moo``/``Soi``/``Road`` and the JSON formats join the parts again as
``12/3 หมู่ 5 ซอย X ถนน Y``, so only the spacing after those words can differ.

Values that are lossy by the agreed crosswalks (§4), computed here with
:func:`saphan.translate.crosswalks`, never by skipping the field:

* subject matter: e.g. damrongtham ``104`` → occ ``OTHER`` → damrongtham ``199``; pmo1111
  ``T02`` → damrongtham ``102`` → pmo1111 ``T01``; occ ``ETHICS`` → damrongtham ``102`` → occ
  ``MALADMINISTRATION``; a scheme with no value reached gets ``199`` / ``OTHER`` / ``T15``;
* kind of case: occ has none, so it comes back as damrongtham ``01`` / pmo1111 ``1``;
  pmo1111 ``2`` → damrongtham ``01`` → pmo1111 ``1``;
* channel: a case written for a system that did not receive it first-hand carries that
  system's referral channel (damrongtham ``06``, pmo1111 ``6``); occ has no channel;
* status: each format's enum (e.g. damrongtham ``6`` escalated → occ ``REFERRED`` →
  damrongtham ``2``; pmo1111 ``9`` cancelled → damrongtham ``5`` → pmo1111 ``5``).

Holder fields are the receiver's (§5), so they are not the case's to keep: the Damrongtham
``Center`` (read back as the sender), the 1111 sender (always ``PSC``) and ``target_agency``
(kept when written for ``PSC``, as here), and the OCC ``referral`` of a case that states no
escalation: OCC requires one unless the Ombudsman writes its own case to itself, and the
occ adapter then writes ``CENTRAL_AGENCY_AUTHORITY`` at the sending time, which reads back as
an escalation; the expected value below says exactly that. The receivers used are
``MOI-DRT``, ``OMB`` and ``PSC``, with the case's status time as the sending time.

The case's numbers: Damrongtham carries one (its own number, else the first number of 1111,
the Ombudsman or the AGO), occ the sending unit's own number, else the one the case came
with (``source``), and the Ombudsman's (``occ_no``) but not which number is the origin's (it
reads ``source`` as the origin), pmo1111 the 1111 ticket and the originating system's number (``ext_ref``). Each
leg keeps every number its format carries of the case it is given, and no leg invents a
number or files one under another system.

Identity protection is compared as :attr:`Case.identity_protected`: §4 makes pmo1111
``secrecy`` ≥ 1 imply it, so a format without ``secrecy`` must carry it as its own flag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES
from hypothesis import HealthCheck, assume, given, settings
from strategies import cases

from saphan.canonical import Area, Case, EscalationReason, SourceSystem
from saphan.translate import Receiver, crosswalks, get_adapter
from saphan.translate.jsonparts import address_line

# the occ adapter's own rule (tested on its own in tests/unit/adapters/test_occ_render.py)
from saphan_occ.render import sending_system

DRT, OCC, PMO = "damrongtham", "occ", "pmo1111"
FORMATS = (DRT, OCC, PMO)
ALL = frozenset(FORMATS)
PAIRS = [(a, b) for a in FORMATS for b in FORMATS]
RECEIVERS = {DRT: "MOI-DRT", OCC: "OMB", PMO: "PSC"}
CODE_SCHEMES = {
    DRT: ("damrongtham.channel", "damrongtham.main_type", "damrongtham.sub_type"),
    OCC: ("occ.topic",),
    PMO: ("pmo1111.channel", "pmo1111.case_type", "pmo1111.topic"),
}


# -- moving a case through a format --------------------------------------------------------


def through(case: Case, fmt: str) -> Case:
    """``case`` written in ``fmt`` for its receiver and read back."""
    adapter = get_adapter(fmt)
    data = adapter.render(case, Receiver(RECEIVERS[fmt], sent_at=case.status.at))
    parsed = adapter.parse(data)
    assert not parsed.problems, f"{fmt} cannot read what it wrote: {parsed.problems}"
    assert len(parsed.records) == 1
    found = parsed.records[0].case
    assert found is not None
    return found


def writable(case: Case, fmt: str) -> bool:
    """Whether ``fmt`` can hold the case's numbers at all (Damrongtham needs one it knows)."""
    if fmt != DRT:
        return True
    carried = (SourceSystem.DRT, SourceSystem.PSC1111, SourceSystem.OMB, SourceSystem.AGO)
    return any(r.system in carried for r in [case.origin, *case.references])


# -- what a format keeps of a value ---------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What a format's rules look at besides the value: taken from the case being written."""

    anonymous: bool
    status_at: Any
    #: whether occ writes the case as the Ombudsman's own (then it needs no referral)
    ombudsman_own: bool

    @classmethod
    def of(cls, case: Case) -> Context:
        own = occ_source(case)[0] == SourceSystem.OMB and case.sender in (None, "OMB")
        return cls(case.complainant.anonymous, case.status.at, own)


Keep = Callable[[Any, Context], Any]


def same(value: Any, ctx: Context) -> Any:
    return value


def unless_anonymous(value: Any, ctx: Context) -> Any:
    return None if ctx.anonymous else value


def present(*values: Any) -> tuple[Any, ...] | None:
    """``values``, or None when none is given (so that "nothing" compares equal)."""
    return None if all(v is None for v in values) else values


@dataclass(frozen=True)
class Field:
    """A canonical field, its comparable value, and what each format that carries it
    keeps of a value (identity unless said)."""

    name: str
    view: Callable[[Case], Any]
    formats: frozenset[str]
    keep: Mapping[str, Keep] = field(default_factory=dict)

    def kept(self, fmt: str, value: Any, ctx: Context) -> Any:
        return self.keep.get(fmt, same)(value, ctx)


def street(case: Case) -> tuple[str | None, Area, str | None] | None:
    a = case.complainant.address
    if a is None:
        return None
    line = "".join((address_line(a) or "").split()) or None
    return (line, a.area, a.postcode)


def area_as_geocode(area: Area) -> Area:
    # occ writes areas as a 6-digit subdistrict code: a coarser area has no geocode
    return area if area.subdistrict is not None else Area()


def address_in_damrongtham(value: Any, ctx: Context) -> Any:
    if ctx.anonymous or value is None or value[1].subdistrict is None:
        return None
    return value


def address_in_occ(value: Any, ctx: Context) -> Any:
    return None if value is None else (value[0], area_as_geocode(value[1]), value[2])


def address_in_pmo1111(value: Any, ctx: Context) -> Any:
    if ctx.anonymous or value is None or value == (None, Area(), None):
        return None
    return value


def incident(case: Case) -> tuple[Area, float | None, float | None] | None:
    p = case.incident
    return None if p is None else (p.area, p.lat, p.lon)


def incident_in_damrongtham(value: Any, ctx: Context) -> Any:
    return None if value is None or value[0].subdistrict is None else value


def incident_in_occ(value: Any, ctx: Context) -> Any:
    return None if value is None else (area_as_geocode(value[0]), value[1], value[2])


def escalation(case: Case) -> tuple[EscalationReason, str | None] | None:
    e = case.escalation
    return None if e is None else (e.reason, e.note)


def referral_in_occ(value: Any, ctx: Context) -> Any:
    # occ requires a referral unless the Ombudsman writes its own case (holder rule, §5)
    if value is not None or ctx.ombudsman_own:
        return value
    return (EscalationReason.CENTRAL_AGENCY, None)


def referral_time_in_occ(value: Any, ctx: Context) -> Any:
    # (escalated?, time): a referral without a time is written at the sending time
    escalated, at = value
    if escalated or not ctx.ombudsman_own:
        return (True, at or ctx.status_at)
    return (False, None)


def status_in(fmt: str) -> Keep:
    def keep(meaning: Any, ctx: Context) -> Any:
        cw = crosswalks()
        return cw.decode(f"{fmt}.status", cw.encode(f"{fmt}.status", meaning))

    return keep


FIELDS = (
    Field("received_at", lambda c: c.received_at, ALL),
    Field("complainant.anonymous", lambda c: c.complainant.anonymous, ALL),
    Field("identity protected", lambda c: c.identity_protected, ALL),
    Field(
        "complainant.citizen_id",
        lambda c: present(c.complainant.citizen_id, c.complainant.citizen_id_verified),
        ALL,
        {DRT: unless_anonymous, PMO: unless_anonymous},
    ),
    Field(
        "complainant names",
        lambda c: present(
            c.complainant.prefix, c.complainant.given_name, c.complainant.family_name
        ),
        ALL,
        {DRT: unless_anonymous, PMO: unless_anonymous},
    ),
    Field("complainant.phone", lambda c: c.complainant.phone, ALL, {PMO: unless_anonymous}),
    Field("complainant.email", lambda c: c.complainant.email, ALL, {PMO: unless_anonymous}),
    Field(
        "complainant.address",
        street,
        ALL,
        {DRT: address_in_damrongtham, OCC: address_in_occ, PMO: address_in_pmo1111},
    ),
    Field(
        "respondent",
        lambda c: None if c.respondent is None else (c.respondent.kind, c.respondent.name),
        frozenset({DRT, OCC}),
    ),
    Field(
        "respondent.agency_code",
        lambda c: None if c.respondent is None else c.respondent.agency_code,
        frozenset({OCC}),
    ),
    Field("matter.title", lambda c: c.matter.title, ALL),
    Field("matter.detail", lambda c: c.matter.detail, ALL),
    Field("matter.request", lambda c: c.matter.request, frozenset({DRT, OCC})),
    Field("incident", incident, ALL, {DRT: incident_in_damrongtham, OCC: incident_in_occ}),
    Field("escalation", escalation, frozenset({DRT, OCC}), {OCC: referral_in_occ}),
    Field(
        "escalation.at",
        lambda c: (c.escalation is not None, c.escalation.at if c.escalation else None),
        frozenset({OCC}),
        {OCC: referral_time_in_occ},
    ),
    Field("status", lambda c: c.status.code.value, ALL, {f: status_in(f) for f in FORMATS}),
    Field("status.at", lambda c: c.status.at, frozenset({DRT, OCC})),
    Field("status.note", lambda c: c.status.note, frozenset({OCC})),
    Field("sender", lambda c: c.sender, frozenset({OCC})),
    Field("complexity", lambda c: c.complexity, frozenset({PMO})),
    Field("due_days", lambda c: c.due_days, frozenset({PMO})),
    Field("secrecy", lambda c: c.secrecy, frozenset({PMO})),
    Field("target_agency", lambda c: c.target_agency, frozenset({PMO})),
    Field(
        "attachments",
        lambda c: [
            (a.filename, a.media_type, a.sha256, a.size, a.content_b64) for a in c.attachments
        ],
        ALL,
    ),
)


# -- codes: the agreed crosswalks ----------------------------------------------------------


def _resolved(codes: Mapping[str, str], scheme: str, fallback: str | None = None) -> str | None:
    cw = crosswalks()
    value = cw.resolve(codes, scheme)
    return value if value is not None and cw.is_code(scheme, value) else fallback


def written_codes(fmt: str, codes: Mapping[str, str], origin: SourceSystem) -> dict[str, str]:
    """The codes ``fmt`` writes for a case holding ``codes`` (§4: own value, else the chain
    of agreed tables, else the agreed fallback, else the format's "other")."""
    found = _written(fmt, codes, origin)
    return {scheme: value for scheme, value in found.items() if value is not None}


def _written(fmt: str, codes: Mapping[str, str], origin: SourceSystem) -> dict[str, str | None]:
    if fmt == DRT:
        return {
            "damrongtham.channel": _resolved(codes, "damrongtham.channel"),
            "damrongtham.main_type": _resolved(codes, "damrongtham.main_type"),
            "damrongtham.sub_type": _resolved(codes, "damrongtham.sub_type", "199"),
        }
    if fmt == OCC:
        return {"occ.topic": _resolved(codes, "occ.topic", "OTHER")}
    first_hand = origin == SourceSystem.PSC1111
    return {
        "pmo1111.channel": _resolved(codes, "pmo1111.channel", "6") if first_hand else "6",
        "pmo1111.case_type": _resolved(codes, "pmo1111.case_type", "1"),
        "pmo1111.topic": _resolved(codes, "pmo1111.topic", "T15"),
    }


# -- numbers --------------------------------------------------------------------------------

Number = tuple[SourceSystem, str]


def numbers(case: Case) -> set[Number]:
    return {(r.system, r.ref) for r in [case.origin, *case.references]}


def occ_source(case: Case) -> Number:
    """occ ``source``: the sending unit's own number, else the number the case came with."""
    system = sending_system(case)
    ref = case.reference(system)
    return (system, ref) if ref is not None else (case.origin.system, case.origin.ref)


def carried_numbers(fmt: str, case: Case) -> set[Number]:
    """The numbers ``fmt`` writes for ``case`` (see the module docstring)."""
    if fmt == DRT:
        drt = case.reference(SourceSystem.DRT)
        if drt is not None:
            return {(SourceSystem.DRT, drt)}
        other = (SourceSystem.PSC1111, SourceSystem.OMB, SourceSystem.AGO)
        first = next((r for r in [case.origin, *case.references] if r.system in other), None)
        return set() if first is None else {(first.system, first.ref)}
    if fmt == OCC:
        omb = case.reference(SourceSystem.OMB)
        return {occ_source(case)} | ({(SourceSystem.OMB, omb)} if omb is not None else set())
    ticket = case.reference(SourceSystem.PSC1111)
    out = {(SourceSystem.PSC1111, ticket)} if ticket is not None else set()
    if case.origin.system != SourceSystem.PSC1111:
        out.add((case.origin.system, case.origin.ref))
    return out


# -- the check -------------------------------------------------------------------------------


def check_round_trip(start: Case, a: str, b: str) -> None:
    """``start`` (a case as format ``a`` describes it) through ``b`` and back into ``a``."""
    middle = through(start, b)
    back = through(middle, a)
    ctx_a, ctx_b = Context.of(start), Context.of(middle)

    for f in FIELDS:
        if not {a, b} <= f.formats:
            continue
        expected = f.kept(a, f.kept(b, f.view(start), ctx_a), ctx_b)
        assert f.view(back) == expected, f"{a}→{b}→{a} changed {f.name}"

    expected_codes = written_codes(
        a, written_codes(b, start.codes, start.origin.system), middle.origin.system
    )
    found_codes = {s: back.codes[s] for s in CODE_SCHEMES[a] if s in back.codes}
    assert found_codes == expected_codes, f"{a}→{b}→{a} codes differ from the crosswalks"

    assert carried_numbers(b, start) <= numbers(middle), f"{a}→{b} lost a number {b} carries"
    assert carried_numbers(a, middle) <= numbers(back), f"{a}→{b}→{a} lost a number {a} carries"
    assert numbers(middle) <= numbers(start), f"{a}→{b} invented or relabelled a number"
    assert numbers(back) <= numbers(start), f"{a}→{b}→{a} invented or relabelled a number"


# -- the spec examples ----------------------------------------------------------------------


def example_cases() -> Iterator[tuple[str, str, Case]]:
    for fmt in FORMATS:
        for path in sorted((EXAMPLES / fmt).glob("*")):
            parsed = get_adapter(fmt).parse(path.read_bytes())
            for record in parsed.records:
                assert record.case is not None, f"{path.name}: {record.problems}"
                yield fmt, f"{path.name}#{record.index}", record.case


def _example_params() -> list[Any]:
    if not EXAMPLES.is_dir():
        return []
    return [
        pytest.param(case, a, b, id=f"{name}-via-{b}")
        for a, name, case in example_cases()
        for b in FORMATS
    ]


@pytest.mark.parametrize(("case", "a", "b"), _example_params())
def test_example_round_trip_keeps_what_both_formats_carry(
    examples: Path, case: Case, a: str, b: str
) -> None:
    check_round_trip(case, a, b)


def test_every_pair_is_exercised_by_the_examples(examples: Path) -> None:
    sources = {a for a, _, _ in example_cases()}
    assert sources == set(FORMATS)


# -- drawn cases ------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a}-via-{b}" for a, b in PAIRS])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=cases())
def test_drawn_round_trip_keeps_what_both_formats_carry(drawn: Case, a: str, b: str) -> None:
    assume(writable(drawn, a))
    start = through(drawn, a)
    # a case whose only numbers Damrongtham cannot hold (OTHER) cannot be written there
    assume(writable(start, b))
    check_round_trip(start, a, b)

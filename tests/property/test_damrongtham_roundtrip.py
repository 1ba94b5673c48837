"""Any valid canonical case written as Damrongtham and read back keeps every field the
format can carry, in each of its three encodings; what it cannot carry is stated here."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import cases, subdistricts

from saphan.canonical import (
    Address,
    Case,
    CaseStatus,
    Complainant,
    Escalation,
    Place,
    Reference,
    Respondent,
    SourceSystem,
    StatusInfo,
)
from saphan.errors import InputError
from saphan.reference import identity
from saphan.translate.adapter import Receiver
from saphan.translate.crosswalk import crosswalks
from saphan_damrongtham import DamrongthamAdapter
from saphan_damrongtham._address import split_line

ADAPTER = DamrongthamAdapter()
# the unit the format implies for another system's number (it has no place for one)
OTHER_UNITS = {SourceSystem.PSC1111: "PSC", SourceSystem.OMB: "OMB", SourceSystem.AGO: None}


def centers() -> st.SearchStrategy[str]:
    """Agency codes of real Damrongtham centers: district, provincial and central."""
    code = st.sampled_from(subdistricts()).map(lambda s: s[0])
    return st.one_of(
        code.map(lambda c: f"MOI-DRT-{c[:4]}"),
        code.map(lambda c: f"MOI-DRT-{c[:2]}"),
        st.just("MOI-DRT"),
    )


def carried_number(case: Case) -> Reference | None:
    everything = [case.origin, *case.references]
    drt = next((r for r in everything if r.system is SourceSystem.DRT), None)
    if drt is not None:
        return drt  # the drawn Damrongtham numbers are district numbers with their unit
    other = next((r for r in everything if r.system in OTHER_UNITS), None)
    if other is None:
        return None
    return other.model_copy(update={"unit": OTHER_UNITS[other.system]})


def carried_address(address: Address | None) -> Address | None:
    if address is None or address.area.subdistrict is None:
        return None  # the format needs names down to the subdistrict
    house, moo, soi, road = address.house_no, address.moo, address.soi, address.road
    if not any((house, moo, soi, road)) and address.line:
        parts = split_line(address.line)
        house, moo, soi, road = parts.house_no, parts.moo, parts.soi, parts.road
    return Address(
        house_no=house, moo=moo, soi=soi, road=road, area=address.area, postcode=address.postcode
    )


def expected(case: Case, holder: str, origin: Reference) -> Case:
    cw = crosswalks()
    person = case.complainant
    if person.anonymous:
        complainant = Complainant(
            anonymous=True,
            # Damrongtham says protection with conceal, whichever way the case asked for it
            conceal_identity=case.identity_protected,
            phone=person.phone,
            email=person.email,
        )
    else:
        complainant = person.model_copy(
            update={
                "conceal_identity": case.identity_protected,
                "citizen_id_verified": (
                    identity.check_digit_ok(person.citizen_id) if person.citizen_id else None
                ),
                "address": carried_address(person.address),
            }
        )
    status_code = cw.encode("damrongtham.status", case.status.code.value)
    meaning = cw.decode("damrongtham.status", status_code)
    assert meaning is not None
    status = StatusInfo(code=CaseStatus(meaning), at=case.status.at)
    escalation = None
    if case.escalation is not None:
        escalation = Escalation(
            reason=case.escalation.reason,
            note=case.escalation.note,
            at=status.at if status.code is CaseStatus.ESCALATED else None,
        )
    incident = None
    if case.incident is not None and case.incident.area.subdistrict:
        incident = Place(area=case.incident.area, lat=case.incident.lat, lon=case.incident.lon)
    return Case(
        origin=origin,
        sender=holder,
        received_at=case.received_at,
        complainant=complainant,
        respondent=(
            None
            if case.respondent is None
            else Respondent(kind=case.respondent.kind, name=case.respondent.name)
        ),
        matter=case.matter,
        codes={
            "damrongtham.channel": cw.resolve(case.codes, "damrongtham.channel") or "",
            "damrongtham.main_type": cw.resolve(case.codes, "damrongtham.main_type") or "",
            "damrongtham.sub_type": cw.resolve(case.codes, "damrongtham.sub_type") or "199",
            "damrongtham.status": status_code,
        },
        incident=incident,
        escalation=escalation,
        status=status,
        attachments=case.attachments,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=cases(),
    holder=centers(),
    label=st.sampled_from(["UTF-8", "TIS-620", "windows-874"]),
)
def test_render_then_parse_keeps_what_damrongtham_carries(
    case: Case, holder: str, label: str
) -> None:
    receiver = Receiver(holder, options={"encoding": label})
    origin = carried_number(case)
    if origin is None:
        with pytest.raises(InputError) as err:
            ADAPTER.render(case, receiver)
        assert [p.path for p in err.value.problems] == ["/origin"]
        return
    out = ADAPTER.render(case, receiver)
    assert out.startswith(f'<?xml version="1.0" encoding="{label}"?>'.encode())
    back = ADAPTER.parse_one(out)
    unverified = case.complainant.citizen_id is not None and not case.complainant.anonymous
    unverified = unverified and back.complainant.citizen_id_verified is False
    assert [w.path for w in back.warnings] == (
        ["/Case/Complainant/CitizenId"] if unverified else []
    )
    assert back.model_copy(update={"warnings": []}) == expected(case, holder, origin)
    # and what came back is written the same way again
    assert ADAPTER.render(back, receiver) == out

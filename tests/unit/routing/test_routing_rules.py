"""The six rules of agency-formats §5, applied to canonical cases built directly."""

from datetime import date

import pytest
from conftest import ROOT
from routing_case_factory import district_escalation, make_case, psc_record

from saphan.canonical import Case
from saphan.canonical.model import SourceSystem
from saphan.directory import Directory
from saphan.errors import InputError
from saphan.routing import Decision, Policy, load_policy, status_recipients

POLICY = load_policy(ROOT / "mappings" / "routing.yaml")
DIRECTORY = Directory.from_files([ROOT / "mappings" / "agencies.yaml"])


def route(case: Case, fmt: str, sender: str | None = None) -> list[Decision]:
    return POLICY.route(case, fmt, sender if sender is not None else case.sender, DIRECTORY)


def targets(decisions: list[Decision]) -> list[tuple[str, str, bool]]:
    return [(d.agency, d.rule, d.copy) for d in decisions]


# -- rule 1 ----------------------------------------------------------------------------------


def test_rule1_district_escalation_goes_to_omb_with_a_copy_to_its_province() -> None:
    decisions = route(district_escalation("MOI-DRT-3415"), "damrongtham")
    assert targets(decisions) == [("OMB", "R1", False), ("MOI-DRT-34", "R1", True)]
    omb, copy = decisions
    assert omb.deadline is not None
    assert copy.deadline is None, "a copy for information asks nothing, so has no deadline"
    assert "MOI-DRT-3415" in omb.reason
    assert "provincial" in copy.reason


def test_rule1_provincial_escalation_goes_to_omb_only() -> None:
    assert targets(route(district_escalation("MOI-DRT-34"), "damrongtham")) == [
        ("OMB", "R1", False)
    ]


def test_rule1_does_not_apply_to_the_central_center_or_without_escalation() -> None:
    assert route(district_escalation("MOI-DRT"), "damrongtham") == []
    plain = make_case(sender="MOI-DRT-3415", codes={"damrongtham.main_type": "01"})
    assert route(plain, "damrongtham") == []


def test_rule1_wins_over_rule2_for_an_escalated_civil_dispute() -> None:
    case = make_case(
        sender="MOI-DRT-2009",
        codes={"damrongtham.main_type": "02", "damrongtham.sub_type": "108"},
        incident_province="20",
        escalation=True,
    )
    assert targets(route(case, "damrongtham")) == [
        ("OMB", "R1", False),
        ("MOI-DRT-20", "R1", True),
    ]


# -- rule 2 ----------------------------------------------------------------------------------

CIVIL = {"damrongtham.main_type": "02", "damrongtham.sub_type": "108"}


def test_rule2_legal_help_goes_to_ago_rp_of_the_incident_province() -> None:
    case = make_case(sender="MOI-DRT-2009", codes=CIVIL, incident_province="20", home_province="10")
    assert targets(route(case, "damrongtham")) == [("AGO-RP-20", "R2", False)]


def test_rule2_falls_back_to_the_complainants_province() -> None:
    case = make_case(sender="MOI-DRT-2009", codes=CIVIL, home_province="34")
    assert targets(route(case, "damrongtham")) == [("AGO-RP-34", "R2", False)]


def test_rule2_incident_province_is_derived_from_a_subdistrict_code() -> None:
    case = make_case(sender="MOI-DRT-2009", codes=CIVIL, incident_subdistrict="200902")
    assert targets(route(case, "damrongtham")) == [("AGO-RP-20", "R2", False)]


def test_rule2_needs_both_codes() -> None:
    other = {"damrongtham.main_type": "01", "damrongtham.sub_type": "108"}
    assert (
        route(make_case(sender="MOI-DRT-2009", codes=other, incident_province="20"), "damrongtham")
        == []
    )


def test_rule2_without_any_province_is_an_input_error_naming_the_fields() -> None:
    case = make_case(sender="MOI-DRT-2009", codes=CIVIL)
    with pytest.raises(InputError) as err:
        route(case, "damrongtham")
    (problem,) = err.value.problems
    assert problem.path == "/incident/area/province"
    assert "incident_province or complainant_province" in problem.message
    assert "R2" in problem.message


# -- rules 3, 4, 5 -----------------------------------------------------------------------------


def test_rule3_police_goes_to_rtp_ig_whatever_the_target_says() -> None:
    decisions = route(psc_record(topic="T02", target_agency="DOL"), "pmo1111")
    assert targets(decisions) == [("RTP-IG", "R3", False)]


def test_rule4_the_named_target_agency() -> None:
    decisions = route(psc_record(topic="T03", target_agency="DOL"), "pmo1111")
    assert targets(decisions) == [("DOL", "R4", False)]
    assert "DOL" in decisions[0].reason


def test_rule4_an_unknown_target_is_an_input_error_naming_it() -> None:
    with pytest.raises(InputError) as err:
        route(psc_record(target_agency="NO-SUCH"), "pmo1111")
    (problem,) = err.value.problems
    assert problem.path == "/target_agency"
    assert "NO-SUCH" in problem.message


def test_rule5_no_target_goes_to_the_province_of_the_place() -> None:
    decisions = route(psc_record(incident_province="20", home_province="10"), "pmo1111")
    assert targets(decisions) == [("MOI-DRT-20", "R5", False)]


def test_rule5_else_the_province_of_the_complainant() -> None:
    decisions = route(psc_record(home_province="10"), "pmo1111")
    assert targets(decisions) == [("MOI-DRT-10", "R5", False)]


def test_rules_1_to_5_do_not_route_an_occ_case() -> None:
    case = make_case(system=SourceSystem.OMB, sender="OMB", escalation=True)
    assert route(case, "occ") == []


def test_trace_explains_each_rule() -> None:
    trace = POLICY.trace(district_escalation("MOI-DRT-34"), "damrongtham", "MOI-DRT-34", DIRECTORY)
    assert [(t.rule, t.matched, t.evaluated) for t in trace] == [
        ("R1", True, True),
        ("R2", False, False),
        ("R3", False, False),
        ("R4", False, False),
        ("R5", False, False),
    ]
    trace = POLICY.trace(psc_record(target_agency="DOL"), "pmo1111", "PSC", DIRECTORY)
    why = {t.rule: t.why_not for t in trace}
    assert why["R1"] == "format is pmo1111, not damrongtham"
    assert why["R3"] == "pmo1111.topic is T04, not T02"
    assert why["R4"] is None


# -- rule 6 ----------------------------------------------------------------------------------


def test_rule6_a_status_travels_back_to_every_earlier_holder() -> None:
    assert POLICY.status_rule_id == "R6"
    assert POLICY.status_recipients(["PSC", "MOI-DRT-20"], "MOI-DRT-20") == ["PSC"]
    assert POLICY.status_recipients(["MOI-DRT-3415", "MOI-DRT-34", "OMB"], "OMB") == [
        "MOI-DRT-3415",
        "MOI-DRT-34",
    ]
    assert POLICY.status_recipients(["A", "B", "C"], "B") == ["A"]
    assert POLICY.status_recipients(["A", "B", "A", "C"], "C") == ["A", "B"]
    assert POLICY.status_recipients(["A", "B"], "A") == []
    assert POLICY.status_recipients(["A", "B"], "X") == ["A", "B"]


def test_rule6_module_function_uses_the_given_policy() -> None:
    assert status_recipients(["PSC", "DOL"], "DOL", policy=POLICY) == ["PSC"]


def test_the_shipped_policy_is_the_default() -> None:
    from saphan.routing import default_policy, refresh

    refresh()
    assert [r.id for r in default_policy().rules] == [r.id for r in POLICY.rules]


def test_decisions_serialise_for_the_command_line() -> None:
    (decision,) = route(psc_record(target_agency="DOL"), "pmo1111")
    data = decision.as_dict()
    assert data["agency"] == "DOL"
    assert data["deadline"] == decision.deadline.isoformat()  # type: ignore[union-attr]
    assert set(data) >= {"agency", "rule", "reason", "copy", "deadline"}


def test_routing_is_policy_data_the_copy_flag_comes_from_the_file() -> None:
    data = {
        "rules": [
            {
                "id": "X1",
                "reason": "all escalations to the central center",
                "when": {"has_escalation": True},
                "send": [{"to": "MOI-DRT"}, {"to": "OMB", "copy": True}],
            }
        ],
        "status_changes": {"id": "X6", "reason": "tell everyone", "to": "other_holders"},
    }
    policy = Policy.from_data(data)
    decisions = policy.route(district_escalation(), "damrongtham", "MOI-DRT-3415", DIRECTORY)
    assert targets(decisions) == [("MOI-DRT", "X1", False), ("OMB", "X1", True)]
    assert policy.status_recipients(["A", "B", "C"], "B") == ["A", "C"]
    # an escalated Damrongtham case: status at the escalation is day 0
    assert decisions[0].deadline == date(2024, 10, 1)

"""The policy is data: an operator adds a rule without code; mistakes are all reported."""

from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from routing_case_factory import district_escalation, make_case, psc_record

from saphan.directory import Directory
from saphan.errors import ConfigError
from saphan.routing import Policy, default_policy, load_policy, refresh

SHIPPED = ROOT / "mappings" / "routing.yaml"
DIRECTORY = Directory.from_files([ROOT / "mappings" / "agencies.yaml"])


def _with_rules(tmp_path: Path, *extra: dict, first: bool = True) -> Path:  # type: ignore[type-arg]
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["rules"] = [*extra, *data["rules"]] if first else [*data["rules"], *extra]
    path = tmp_path / "routing.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_an_added_rule_takes_effect(tmp_path: Path) -> None:
    bangkok = {
        "id": "BKK",
        "title": "Bangkok roads",
        "reason": "1111 cases about public utilities in Bangkok go to the BMA",
        "when": {
            "format": "pmo1111",
            "incident_province": "10",
            "codes": {"pmo1111.topic": ["T04", "T11"]},
        },
        "send": ["BMA"],
    }
    policy = load_policy(_with_rules(tmp_path, bangkok))
    decisions = policy.route(psc_record(incident_province="10"), "pmo1111", "PSC", DIRECTORY)
    assert [(d.agency, d.rule) for d in decisions] == [("BMA", "BKK")]
    # the shipped rules still apply to everything else
    decisions = policy.route(psc_record(incident_province="20"), "pmo1111", "PSC", DIRECTORY)
    assert [(d.agency, d.rule) for d in decisions] == [("MOI-DRT-20", "R5")]


def test_an_also_rule_adds_a_copy_and_lets_the_policy_go_on(tmp_path: Path) -> None:
    corruption = {
        "id": "NACC-COPY",
        "reason": "corruption complaints are copied to the NACC",
        "when": {"codes": {"pmo1111.topic": "T01"}},
        "send": [{"to": "NACC", "copy": True}],
        "also": True,
    }
    policy = load_policy(_with_rules(tmp_path, corruption))
    decisions = policy.route(
        psc_record(topic="T01", target_agency="DLA"), "pmo1111", "PSC", DIRECTORY
    )
    assert [(d.agency, d.rule, d.copy) for d in decisions] == [
        ("NACC", "NACC-COPY", True),
        ("DLA", "R4", False),
    ]


def test_the_default_policy_follows_the_mappings_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything_to_psc = {
        "id": "ALL",
        "reason": "during the pilot every Damrongtham case is also sent to 1111",
        "when": {"format": "damrongtham", "not": {"has_escalation": True}},
        "send": ["PSC"],
    }
    _with_rules(tmp_path, everything_to_psc)
    monkeypatch.setenv("SAPHAN_MAPPINGS", str(tmp_path))
    refresh()
    try:
        case = make_case(sender="MOI-DRT-3415", codes={"damrongtham.main_type": "01"})
        decisions = default_policy().route(case, "damrongtham", "MOI-DRT-3415", DIRECTORY)
        assert [d.agency for d in decisions] == ["PSC"]
        decisions = default_policy().route(
            district_escalation(), "damrongtham", "MOI-DRT-3415", DIRECTORY
        )
        assert [d.agency for d in decisions] == ["OMB", "MOI-DRT-34"]
    finally:
        monkeypatch.delenv("SAPHAN_MAPPINGS")
        refresh()


def test_any_and_sender_conditions(tmp_path: Path) -> None:
    rule = {
        "id": "UBON",
        "reason": "Ubon centers send land cases to DOL ({sender})",
        "when": {
            "sender_province": "34",
            "any": [
                {"codes": {"damrongtham.sub_type": "101"}},
                {"codes": {"damrongtham.main_type": "06"}},
            ],
            "has_escalation": False,
        },
        "send": ["DOL"],
    }
    policy = load_policy(_with_rules(tmp_path, rule))
    case = make_case(sender="MOI-DRT-3415", codes={"damrongtham.sub_type": "101"})
    (decision,) = policy.route(case, "damrongtham", "MOI-DRT-3415", DIRECTORY)
    assert (decision.agency, decision.reason) == (
        "DOL",
        "Ubon centers send land cases to DOL (MOI-DRT-3415)",
    )
    assert policy.route(case, "damrongtham", "MOI-DRT-2009", DIRECTORY) == []


def test_a_destination_the_directory_does_not_know_is_a_configuration_error() -> None:
    policy = Policy.from_data(
        {
            "rules": [{"id": "X", "reason": "r", "send": ["NOWHERE"]}],
            "status_changes": {"id": "S", "reason": "r"},
        }
    )
    with pytest.raises(ConfigError) as err:
        policy.route(psc_record(), "pmo1111", "PSC", DIRECTORY)
    assert "NOWHERE" in err.value.problems[0].message
    assert err.value.problems[0].path.endswith("/rules/0/send/0/to")


def test_every_mistake_in_the_policy_file_is_reported_at_once() -> None:
    data = {
        "deadlines": {"general": 0},
        "rules": [
            {
                "id": "A",
                "reason": "r",
                "when": {"codes": {"damrongtham.main_type": 2}},
                "send": ["OMB"],
            },
            {"id": "A", "reason": "r", "when": {"colour": "red"}, "send": ["{nobody}"]},
            {"id": "B", "when": {"sender_level": "village", "has_escalation": "yes"}, "send": []},
            {"id": "C", "reason": "r", "send": [{"to": "X", "cc": True}], "also": "sometimes"},
        ],
        "status_changes": {"id": "S", "reason": "r", "to": "everybody"},
        "extra": 1,
    }
    with pytest.raises(ConfigError) as err:
        Policy.from_data(data, "routing.yaml")
    text = "\n".join(f"{p.path}: {p.message}" for p in err.value.problems)
    for expected in (
        "deadlines/general",
        'quote codes such as "02"',
        "rule id A is used twice",
        "rules/1/when/colour",
        "unknown variable 'nobody'",
        "'village' is not one of",
        "rules/2/when/has_escalation",
        "rules/2/reason",
        "rules/2/send",
        "rules/3/send/0/cc",
        "rules/3/also",
        "status_changes/to",
        "routing.yaml#/extra",
    ):
        assert expected in text, expected


def test_an_unreadable_policy_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_policy(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [", encoding="utf-8")
    with pytest.raises(ConfigError, match="YAML"):
        load_policy(bad)


def test_an_agency_reached_twice_is_kept_once_as_a_transfer() -> None:
    policy = Policy.from_data(
        {
            "rules": [
                {"id": "C", "reason": "copy", "send": [{"to": "DOL", "copy": True}], "also": True},
                {"id": "T", "reason": "transfer", "send": ["DOL", {"to": "DOL", "copy": True}]},
            ],
            "status_changes": {"id": "S", "reason": "r"},
        }
    )
    decisions = policy.route(psc_record(), "pmo1111", "PSC", DIRECTORY)
    assert [(d.agency, d.rule, d.copy) for d in decisions] == [("DOL", "T", False)]
    assert decisions[0].deadline is not None

"""``saphan route --format F FILE``: the routing dry run on the command line."""

import importlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLES, require
from routing_case_factory import psc_record

from saphan.cli import _register, app, run
from saphan.cli import route as route_cli
from saphan.errors import Problem
from saphan.testing import EchoAdapter
from saphan.translate import Adapter, get_adapter

ADAPTERS = {
    "damrongtham": ("saphan_damrongtham", "DamrongthamAdapter"),
    "occ": ("saphan_occ", "OccAdapter"),
    "pmo1111": ("saphan_pmo1111", "Pmo1111Adapter"),
}


def saphan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    _register()
    # A typer app with a single command runs it without its name; with several it is a group.
    argv = ["route", *args] if len(app.registered_commands) > 1 else list(args)
    code = run(argv)
    out, err = capsys.readouterr()
    return code, out, err


def require_adapters() -> None:
    # The registry loads every declared adapter at once, so all three must be there.
    for module, cls in ADAPTERS.values():
        if getattr(importlib.import_module(module), cls, None) is None:
            pytest.skip(f"adapter class {module}.{cls} is not implemented yet")


# -- with the test double (canonical JSON as the wire format) ------------------------------


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real: Callable[[str], Adapter] = get_adapter

    def pick(name: str) -> Adapter:
        return EchoAdapter() if name == "echo" else real(name)

    monkeypatch.setattr(route_cli, "get_adapter", pick)
    yield


ECHO_POLICY = """
rules:
  - id: E4
    reason: the sender named {target_agency}
    when: {format: echo, has_target_agency: true}
    send: ["{target_agency}"]
  - id: E5
    reason: to the province of the place
    when: {format: echo}
    send: ["MOI-DRT-{incident_province|complainant_province}"]
status_changes: {id: E6, reason: back to earlier holders}
"""


def _echo_batch(tmp_path: Path, *cases: dict) -> Path:  # type: ignore[type-arg]
    path = tmp_path / "batch.json"
    path.write_text(json.dumps({"records": list(cases)}, ensure_ascii=False), encoding="utf-8")
    return path


def _policy(tmp_path: Path) -> Path:
    path = tmp_path / "routing.yaml"
    path.write_text(ECHO_POLICY, encoding="utf-8")
    return path


def test_route_prints_each_destination_with_rule_reason_copy_and_deadline(
    echo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = _echo_batch(
        tmp_path,
        psc_record(target_agency="DOL").model_dump(mode="json"),
        psc_record(incident_province="20").model_dump(mode="json"),
    )
    code, out, err = saphan(
        capsys, "--format", "echo", "--policy", str(_policy(tmp_path)), str(batch)
    )
    assert code == 0, err
    doc = json.loads(out)
    first, second = doc["records"]
    assert first["destinations"] == [
        {
            "agency": "DOL",
            "rule": "E4",
            "reason": "the sender named DOL",
            "copy": False,
            # the echo format is not 1111: day 0 is the status date, 11 Oct 2024
            "deadline": "2024-11-05",
            "working_days": 15,
            "deadline_basis": first["destinations"][0]["deadline_basis"],
        }
    ]
    assert second["destinations"][0]["agency"] == "MOI-DRT-20"
    assert second["sender"] == "PSC"


def test_a_record_that_cannot_be_routed_is_reported_and_the_others_printed(
    echo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = _echo_batch(
        tmp_path,
        psc_record(target_agency="NO-SUCH").model_dump(mode="json"),
        {"not": "a case"},
        psc_record(target_agency="DOL").model_dump(mode="json"),
    )
    code, out, err = saphan(
        capsys, "--format", "echo", "--policy", str(_policy(tmp_path)), str(batch)
    )
    assert code == 1
    records = json.loads(out)["records"]
    assert "problems" in records[0] and "problems" in records[1]
    assert records[2]["destinations"][0]["agency"] == "DOL"
    problem = json.loads(err)
    paths = [e["path"] for e in problem["errors"]]
    assert "/records/0/target_agency" in paths
    assert any(p.startswith("/records/1") for p in paths)


def test_explain_shows_why_each_rule_did_or_did_not_match(
    echo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = _echo_batch(tmp_path, psc_record(incident_province="20").model_dump(mode="json"))
    code, out, _ = saphan(
        capsys, "--format", "echo", "--policy", str(_policy(tmp_path)), "--explain", str(batch)
    )
    assert code == 0
    rules = json.loads(out)["records"][0]["rules"]
    assert rules[0] == {
        "rule": "E4",
        "title": "E4",
        "matched": False,
        "why_not": "has_target_agency is false",
    }
    assert rules[1]["matched"] is True


def test_an_extra_directory_file_and_today_are_honoured(
    echo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "agencies.yaml"
    extra.write_text("agencies:\n  - code: DOL\n    statutory_days: 2\n", encoding="utf-8")
    batch = _echo_batch(tmp_path, psc_record(target_agency="DOL").model_dump(mode="json"))
    args = ["--format", "echo", "--policy", str(_policy(tmp_path)), "--directory", str(extra)]
    code, out, _ = saphan(capsys, *args, "--today", "2024-10-10", str(batch))
    assert code == 0
    (dest,) = json.loads(out)["records"][0]["destinations"]
    # statutory 2 days, day 0 capped at the hub's day (Thu 10 Oct): 11 Oct, 15 Oct
    assert (dest["working_days"], dest["deadline"]) == (2, "2024-10-15")


def test_unreadable_input_and_bad_options_exit_1_with_a_problem(
    echo: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = saphan(capsys, "--format", "echo", str(tmp_path / "absent.json"))
    assert code == 1
    assert json.loads(err)["errors"] == [Problem("/file", "No such file or directory").as_dict()]
    batch = _echo_batch(tmp_path, psc_record().model_dump(mode="json"))
    code, _, err = saphan(capsys, "--format", "echo", "--today", "soon", str(batch))
    assert code == 1
    assert json.loads(err)["errors"][0]["path"] == "/today"


# -- with the real adapters and the spec's examples ----------------------------------------


def _example(capsys: pytest.CaptureFixture[str], fmt: str, name: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    """Route ``EXAMPLES/name`` (``name`` relative to the examples folder)."""
    require(EXAMPLES.is_dir(), f"the shared spec examples are not at {EXAMPLES}")
    require_adapters()
    code, out, err = saphan(capsys, "--format", fmt, str(EXAMPLES / name))
    return code, (json.loads(out) if out else {}), err


def _dest(doc: dict, i: int = 0) -> list[tuple[str, str, bool, str | None]]:  # type: ignore[type-arg]
    return [
        (d["agency"], d["rule"], d["copy"], d["deadline"])
        for d in doc["records"][i]["destinations"]
    ]


def test_example_district_escalation(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, err = _example(capsys, "damrongtham", "damrongtham/escalation-warin-chamrap.xml")
    assert code == 0, err
    # escalated Tuesday 10 Sep 2024 (10/09/2567 14:00): 15 working days -> 1 Oct 2024
    assert _dest(doc) == [("OMB", "R1", False, "2024-10-01"), ("MOI-DRT-34", "R1", True, None)]


def test_example_legal_aid(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, err = _example(capsys, "damrongtham", "damrongtham/legal-aid-sattahip.xml")
    assert code == 0, err
    # status at Friday 1 March 2024: 15 working days -> 22 March 2024
    assert _dest(doc) == [("AGO-RP-20", "R2", False, "2024-03-22")]


def test_example_provincial_case_without_escalation_stays(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, doc, err = _example(capsys, "damrongtham", "damrongtham/provincial-informal-debt.xml")
    assert code == 0, err
    assert _dest(doc) == []


def test_example_1111_batch(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, err = _example(capsys, "pmo1111", "pmo1111/batch-three-records.json")
    assert code == 0, err
    # all received on Friday 11 Oct 2024 (Thai time); the DOL case is complex
    assert [_dest(doc, i) for i in range(3)] == [
        [("RTP-IG", "R3", False, "2024-11-05")],
        [("DOL", "R4", False, "2024-11-26")],
        [("MOI-DRT-20", "R5", False, "2024-11-05")],
    ]


def test_example_1111_batch_with_a_bad_record(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc, err = _example(capsys, "pmo1111", "invalid/pmo1111-one-bad-record.json")
    assert code == 1
    assert [r["index"] for r in doc["records"] if "destinations" in r] == [0, 2]
    assert all(e["path"].startswith("/records/1") for e in json.loads(err)["errors"])

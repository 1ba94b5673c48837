"""The case catalogue: every case has its folder and README naming its spec section, the
folders and the catalogue agree, PROTOCOL.md lists every case, and a run's plan takes
the right cases for its mode, options and --only."""

from __future__ import annotations

import re

import pytest

from saphan.conformance import Level, Mode, all_cases, plan
from saphan.conformance.fixtures import conformance_dir
from saphan.errors import ConfigError


def test_every_case_has_a_folder_with_a_readme_naming_its_level_and_spec() -> None:
    for spec in all_cases():
        readme = conformance_dir() / "cases" / spec.name / "README.md"
        assert readme.is_file(), f"{spec.name} has no README"
        text = readme.read_text(encoding="utf-8")
        assert text.startswith(f"# {spec.name} ({spec.level.value};"), spec.name
        assert "**Traces to:**" in text, spec.name
        # the README names the same document as the catalogue
        document = spec.spec.split(":")[0].split(" ")[0]
        assert document in text, f"{spec.name}: README does not name {document}"


def test_the_folders_and_the_catalogue_agree() -> None:
    folders = {p.name for p in (conformance_dir() / "cases").iterdir() if p.is_dir()}
    assert folders == {spec.name for spec in all_cases()}


def test_protocol_lists_every_case_with_its_level() -> None:
    protocol = (conformance_dir() / "PROTOCOL.md").read_text(encoding="utf-8")
    for spec in all_cases():
        row = re.search(rf"^\| `{re.escape(spec.name)}` \| (\w+) \|", protocol, re.MULTILINE)
        assert row is not None, f"PROTOCOL.md has no row for {spec.name}"
        assert row.group(1) == spec.level.value


def test_names_are_unique_and_prerequisites_come_first() -> None:
    cases = all_cases()
    names = [c.name for c in cases]
    assert len(names) == len(set(names))
    for index, spec in enumerate(cases):
        for needed in spec.after:
            assert needed in names[:index], f"{spec.name} runs before {needed}"


def test_push_plan_leaves_out_pull_cases_and_skips_optional_ones() -> None:
    chosen = plan(Mode.PUSH, optional=False)
    names = [spec.name for spec, _ in chosen]
    assert "push-receipt" in names and "pull-acknowledge" not in names
    for spec, skip in chosen:
        if spec.level is Level.OPTIONAL:
            assert skip == "optional; run with --optional"
        else:
            assert skip is None


def test_optional_runs_everything_of_the_mode() -> None:
    chosen = plan(Mode.PULL, optional=True)
    assert all(skip is None for _, skip in chosen)
    assert {spec.name for spec, _ in chosen} >= {"pull-acknowledge", "pull-lost-acknowledgement"}
    assert all(Mode.PULL in spec.modes for spec, _ in chosen)


def test_only_keeps_the_named_cases_and_unknown_names_are_refused() -> None:
    chosen = dict(
        (spec.name, skip) for spec, skip in plan(Mode.PUSH, optional=False, only={"push-receipt"})
    )
    assert chosen["push-receipt"] is None
    assert chosen["push-redelivery"] == "not among the cases named with --only"
    with pytest.raises(ConfigError) as caught:
        plan(Mode.PUSH, optional=False, only={"push-receipt", "no-such-case"})
    assert [p.path for p in caught.value.problems] == ["/--only"]
    assert "no-such-case" in caught.value.problems[0].message

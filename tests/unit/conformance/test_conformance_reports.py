"""The verdict and the reports: who decides the verdict, the IntegrityError that carries
it to the command line, JUnit XML that parses with the right counts, a self-contained
HTML page that escapes what agencies answered, and result.json."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from saphan.conformance import (
    CaseResult,
    Level,
    Outcome,
    SuiteResult,
    html_report,
    summary_text,
    write_reports,
)
from saphan.errors import IntegrityError, Problem

START = datetime(2024, 9, 6, 3, 35, tzinfo=UTC)


def _case(
    name: str, outcome: Outcome, level: Level = Level.REQUIRED, reason: str = "because"
) -> CaseResult:
    return CaseResult(
        name=name,
        title=f"the title of {name}",
        group=name.split("-")[0],
        level=level,
        spec="hub-contract.md: Push mode",
        outcome=outcome,
        reason=reason,
        problems=[Problem("/answer", reason)] if outcome is Outcome.FAILED else [],
        notes=["a note"],
        duration_s=0.25,
    )


def _suite(*results: CaseResult) -> SuiteResult:
    return SuiteResult(
        format="occ",
        mode="push",
        agency="OMB",
        target="http://agency.test/inbound",
        hub_url="http://127.0.0.1:8765",
        hub_kid="kid-of-the-hub",
        started_at=START,
        finished_at=START + timedelta(seconds=2),
        results=list(results),
    )


def test_only_required_cases_decide_and_a_skipped_one_does_not_pass() -> None:
    assert _suite(
        _case("push-receipt", Outcome.PASSED),
        _case("push-replay-refused", Outcome.FAILED, Level.OPTIONAL),
    ).passed
    skipped = _suite(_case("push-receipt", Outcome.PASSED), _case("sample-valid", Outcome.SKIPPED))
    assert not skipped.passed and [r.name for r in skipped.blocking] == ["sample-valid"]
    assert not _suite(_case("push-receipt", Outcome.ERROR)).passed
    assert not _suite().passed  # nothing required ran


def test_the_verdict_reaches_the_funnel_listing_every_blocking_case() -> None:
    suite = _suite(
        _case("push-receipt", Outcome.FAILED, reason="signature does not verify"),
        _case("push-redelivery", Outcome.PASSED),
        _case("sample-valid", Outcome.SKIPPED, reason="no --sample given"),
    )
    with pytest.raises(IntegrityError) as caught:
        suite.raise_if_failed()
    assert caught.value.exit_code == 1
    assert [(p.path, p.message) for p in caught.value.problems] == [
        ("/cases/push-receipt", "failed: signature does not verify"),
        ("/cases/sample-valid", "skipped: no --sample given"),
    ]
    _suite(_case("push-receipt", Outcome.PASSED)).raise_if_failed()  # no exception


def test_junit_xml_counts_and_types(tmp_path: Path) -> None:
    suite = _suite(
        _case("push-receipt", Outcome.FAILED),
        _case("push-redelivery", Outcome.PASSED),
        _case("push-replay-refused", Outcome.FAILED, Level.OPTIONAL),
        _case("sample-valid", Outcome.SKIPPED),
        _case("status-report", Outcome.ERROR, Level.OPTIONAL),
    )
    write_reports(suite, tmp_path)
    root = ET.parse(tmp_path / "junit.xml").getroot()
    (testsuite,) = root.findall("testsuite")
    assert testsuite.get("name") == "saphan-conformance.occ.push"
    assert (
        testsuite.get("tests"),
        testsuite.get("failures"),
        testsuite.get("errors"),
        testsuite.get("skipped"),
    ) == (
        "5",
        "2",
        "1",
        "1",
    )
    cases = {c.get("name"): c for c in testsuite.findall("testcase")}
    assert cases["push-receipt"].find("failure").get("type") == "required-case-failed"  # type: ignore[union-attr]
    assert cases["push-replay-refused"].find("failure").get("type") == "optional-case-failed"  # type: ignore[union-attr]
    assert cases["sample-valid"].find("skipped") is not None
    assert cases["status-report"].find("error") is not None
    assert "problem /answer" in (cases["push-receipt"].find("failure").text or "")  # type: ignore[union-attr]
    properties = {p.get("name"): p.get("value") for p in testsuite.iter("property")}
    assert properties["verdict"] == "failed" and properties["agency"] == "OMB"


def test_the_html_report_is_self_contained_and_escapes_answers(tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script><img src="http://evil.example/x.png">'
    page = html_report(_suite(_case("push-receipt", Outcome.FAILED, reason=hostile)))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<img" not in page
    assert "<style>" in page and "<link" not in page and "@import" not in page
    assert 'src="' not in page
    assert "1 required case(s) did not pass" in page
    assert 'href="#push-receipt"' in page


def test_result_json_and_the_terminal_summary(tmp_path: Path) -> None:
    suite = _suite(
        _case("push-receipt", Outcome.FAILED, reason="receipt over other bytes"),
        _case("push-redelivery", Outcome.PASSED),
    )
    written = write_reports(suite, tmp_path)
    assert sorted(p.name for p in written) == ["junit.xml", "report.html", "result.json"]
    document = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert document["passed"] is False
    assert document["failed_required"] == ["push-receipt"]
    assert document["totals"] == {"passed": 1, "failed": 1, "skipped": 0, "error": 0}
    assert document["cases"][0]["problems"] == [
        {"path": "/answer", "message": "receipt over other bytes"}
    ]
    assert document["started_at"] == "2024-09-06T03:35:00Z" and document["duration_s"] == 2.0
    text = summary_text(suite)
    assert "FAIL  push-receipt" in text and "PASS  push-redelivery" in text
    assert text.rstrip().endswith("VERDICT: FAILED - required case(s) not passed: push-receipt")

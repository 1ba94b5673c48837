"""The run as JUnit XML, for the CI systems and test dashboards integrators already use.

One ``<testsuite>`` per run (named ``saphan-conformance.<format>.<mode>``), one
``<testcase>`` per case (``classname`` = ``conformance.<group>``). A failed case carries a
``<failure>`` whose ``type`` says whether it was required or optional (an optional
failure does not change the suite's verdict, but is not hidden); an error an
``<error>``; a skipped case ``<skipped>``. Problems and notes go in the element's text.
The settings are ``<properties>``. Written with the standard library's ElementTree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from saphan.conformance.model import CaseResult, Outcome, SuiteResult
from saphan.ledger.fields import format_utc

__all__ = ["junit_xml"]


def _text(result: CaseResult) -> str:
    lines = [f"{result.title}", f"spec: {result.spec}", f"reason: {result.reason}"]
    lines += [f"problem {p.path}: {p.message}" for p in result.problems]
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)


def _testcase(suite: ET.Element, result: CaseResult) -> None:
    element = ET.SubElement(
        suite,
        "testcase",
        classname=f"conformance.{result.group}",
        name=result.name,
        time=f"{result.duration_s:.3f}",
    )
    if result.outcome is Outcome.FAILED:
        failure = ET.SubElement(
            element, "failure", message=result.reason, type=f"{result.level.value}-case-failed"
        )
        failure.text = _text(result)
    elif result.outcome is Outcome.ERROR:
        error = ET.SubElement(element, "error", message=result.reason, type="suite-error")
        error.text = _text(result)
    elif result.outcome is Outcome.SKIPPED:
        ET.SubElement(element, "skipped", message=result.reason)
    if result.outcome is Outcome.PASSED and (result.notes or result.reason):
        out = ET.SubElement(element, "system-out")
        out.text = _text(result)


def junit_xml(result: SuiteResult) -> bytes:
    """The JUnit XML document of ``result`` (UTF-8, with an XML declaration)."""
    totals = result.totals()
    root = ET.Element(
        "testsuites",
        name="saphan-conformance",
        tests=str(len(result.results)),
        failures=str(totals[Outcome.FAILED.value]),
        errors=str(totals[Outcome.ERROR.value]),
        skipped=str(totals[Outcome.SKIPPED.value]),
        time=f"{result.duration_s:.3f}",
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name=f"saphan-conformance.{result.format}.{result.mode}",
        tests=str(len(result.results)),
        failures=str(totals[Outcome.FAILED.value]),
        errors=str(totals[Outcome.ERROR.value]),
        skipped=str(totals[Outcome.SKIPPED.value]),
        time=f"{result.duration_s:.3f}",
        timestamp=format_utc(result.started_at),
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("format", result.format),
        ("mode", result.mode),
        ("agency", result.agency),
        ("target", result.target or ""),
        ("hub_url", result.hub_url),
        ("hub_kid", result.hub_kid),
        ("verdict", "passed" if result.passed else "failed"),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for case_result in result.results:
        _testcase(suite, case_result)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"

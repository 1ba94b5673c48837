"""Showing a run: the terminal summary, the JSON result, the HTML report, and writing
them (with the JUnit XML of :mod:`.junit`) into a report folder.

* :func:`summary_text`: what the terminal shows at the end: one line per case with its
  outcome and reason, the problems of every case that did not pass, and the verdict;
* :func:`result_json`: ``result.json`` (the layout of :meth:`SuiteResult.as_dict`);
* :func:`html_report`: one self-contained page (inline CSS, no script, no external
  asset), rendered with Jinja2 from ``report.html`` beside this module, escaping
  everything the agency answered;
* :func:`write_reports`: ``junit.xml``, ``report.html`` and ``result.json`` in a folder.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jinja2

from saphan.conformance.junit import junit_xml
from saphan.conformance.model import Outcome, SuiteResult
from saphan.errors import ConfigError, Problem
from saphan.ledger.fields import format_utc

__all__ = ["html_report", "result_json", "summary_text", "write_reports"]

_MARKS = {
    Outcome.PASSED: "PASS",
    Outcome.FAILED: "FAIL",
    Outcome.SKIPPED: "SKIP",
    Outcome.ERROR: "ERR ",
}
#: Problems shown per case in the terminal; the reports have all of them.
SHOWN_PROBLEMS = 8


def summary_text(result: SuiteResult) -> str:
    """The readable end-of-run summary."""
    lines = [
        f"Saphan conformance: {result.agency} ({result.format}, {result.mode} mode)",
        f"  target {result.target or '-'}; the suite's hub {result.hub_url}",
        "",
    ]
    width = max((len(r.name) for r in result.results), default=10)
    for r in result.results:
        lines.append(f"  {_MARKS[r.outcome]}  {r.name:<{width}}  {r.level.value:<8}  {r.reason}")
    troubled = [r for r in result.results if r.outcome in {Outcome.FAILED, Outcome.ERROR}]
    for r in troubled:
        lines += ["", f"{r.name}: {r.title}", f"  spec: {r.spec}"]
        lines += [f"  - {p.path}: {p.message}" for p in r.problems[:SHOWN_PROBLEMS]]
        if len(r.problems) > SHOWN_PROBLEMS:
            lines.append(f"  ... and {len(r.problems) - SHOWN_PROBLEMS} more (see the report)")
    totals = ", ".join(f"{n} {name}" for name, n in result.totals().items())
    lines += ["", f"{totals} in {result.duration_s:.1f} s"]
    if result.passed:
        lines.append("VERDICT: PASSED - every required case passed")
    else:
        names = ", ".join(r.name for r in result.blocking) or "no required case ran"
        lines.append(f"VERDICT: FAILED - required case(s) not passed: {names}")
    return "\n".join(lines) + "\n"


def result_json(result: SuiteResult) -> str:
    return json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n"


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("report.html")


def html_report(result: SuiteResult) -> str:
    """The self-contained HTML report."""
    return _template().render(
        r=result,
        totals=result.totals(),
        blocking=result.blocking,
        started=format_utc(result.started_at),
    )


def write_reports(result: SuiteResult, folder: Path) -> list[Path]:
    """Write ``junit.xml``, ``report.html`` and ``result.json`` into ``folder``."""
    outputs = {
        "junit.xml": junit_xml(result),
        "report.html": html_report(result).encode("utf-8"),
        "result.json": result_json(result).encode("utf-8"),
    }
    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in outputs.items():
            path = folder / name
            path.write_bytes(data)
            written.append(path)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the report into {folder}: {exc.strerror}",
            [Problem("/--report", str(exc.strerror))],
        ) from None
    return written

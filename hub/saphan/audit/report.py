"""The outcome of an audit: each check with its result, every failure, and how to show them.

A :class:`AuditReport` collects failures as :class:`~saphan.errors.Problem` items (a path
such as ``/entries/1234`` or ``/receipts.jsonl/7``, and what does not hold). A log of a
million malformed entries would make a million problems; the report keeps the first
:data:`MAX_PROBLEMS` and counts the rest, and says so.

:meth:`AuditReport.render` is the readable report (a summary table); :meth:`raise_if_failed`
hands the failures to the command line's funnel as one :class:`IntegrityError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from saphan.errors import IntegrityError, Problem

__all__ = ["MAX_PROBLEMS", "AuditReport", "Check"]

MAX_PROBLEMS = 1000
Outcome = Literal["ok", "FAILED", "skipped", "note"]


@dataclass(slots=True)
class Check:
    """One line of the summary: what was checked, its outcome and a short detail."""

    name: str
    outcome: Outcome
    detail: str


@dataclass
class AuditReport:
    source: str
    origin: str | None = None
    size: int | None = None
    root: str | None = None
    checks: list[Check] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    notes: list[str] = field(default_factory=list)

    def fail(self, path: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(path, message))

    def fail_all(self, problems: list[Problem]) -> None:
        for problem in problems:
            self.fail(problem.path, problem.message)

    def check(self, name: str, failures_before: int, detail: str) -> None:
        """Record a check whose failures are those added since ``failures_before``."""
        failed = self.problem_count - failures_before
        if failed:
            detail = f"{failed} failure(s); {detail}" if detail else f"{failed} failure(s)"
        self.checks.append(Check(name, "FAILED" if failed else "ok", detail))

    def record(self, name: str, problems: list[Problem], detail: str) -> None:
        """Record a check together with its own failures."""
        before = self.problem_count
        self.fail_all(problems)
        self.check(name, before, detail)

    def skip(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, "skipped", detail))

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def render(self, *, max_listed: int = 50) -> str:
        """The readable report: header, summary table, failures (first ``max_listed``)."""
        lines = ["Saphan transfer log audit", f"  source      {self.source}"]
        if self.origin is not None:
            lines.append(f"  log         {self.origin}")
        if self.size is not None:
            lines.append(f"  checkpoint  size {self.size:,}, root {self.root}")
        lines.append("")
        width = max([len(c.name) for c in self.checks] + [5])
        lines.append(f"  {'check':<{width}}  {'result':<8}  detail")
        lines.append(f"  {'-' * width}  {'-' * 8}  {'-' * 40}")
        for c in self.checks:
            lines.append(f"  {c.name:<{width}}  {c.outcome:<8}  {c.detail}".rstrip())
        for note in self.notes:
            lines.append(f"  note: {note}")
        lines.append("")
        if self.ok:
            lines.append("RESULT: every check holds.")
            return "\n".join(lines) + "\n"
        lines.append(f"RESULT: {self.problem_count:,} failure(s).")
        for p in self.problems[:max_listed]:
            lines.append(f"  {p.path}: {p.message}")
        hidden = self.problem_count - min(len(self.problems), max_listed)
        if hidden:
            lines.append(f"  ... and {hidden:,} more (the problem list on standard error)")
        return "\n".join(lines) + "\n"

    def raise_if_failed(self) -> None:
        """Raise one :class:`IntegrityError` listing every failure (kept ones, plus a count)."""
        if self.ok:
            return
        problems = list(self.problems)
        if self.problem_count > len(problems):
            problems.append(
                Problem("/", f"{self.problem_count - len(problems):,} further failures not listed")
            )
        raise IntegrityError(
            f"the log does not verify: {self.problem_count:,} failure(s)", problems
        )

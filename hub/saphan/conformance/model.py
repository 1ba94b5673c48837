"""What a conformance run found: one :class:`CaseResult` per case, and the run's
:class:`SuiteResult`.

A case *passes*, *fails* (the agency's system did something the contract forbids or did
not do what it asks), is *skipped* (it could not run: an input is missing, a case it
depends on failed, or it is optional and optional cases were not asked for), or ends in
an *error* (the suite itself could not carry it out: a port was taken, a fixture is
broken). A run passes only when every required case passed; a required case that was
skipped or ended in an error does not pass.

This module holds the results and their JSON form (``result.json``); how they are shown
is the reports' business, how they are obtained the runner's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from saphan.errors import IntegrityError, Problem
from saphan.ledger.fields import format_utc

__all__ = ["RESULT_VERSION", "CaseResult", "Level", "Outcome", "SuiteResult"]

#: Version of the ``result.json`` layout; it changes only when a member changes meaning.
RESULT_VERSION = 1


class Level(StrEnum):
    """Whether a case decides the verdict."""

    REQUIRED = "required"
    OPTIONAL = "optional"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"


@dataclass(slots=True)
class CaseResult:
    """One case's outcome, why, and what was observed on the way.

    ``reason`` is one line for a summary; ``problems`` names every defect found (a path
    in the exchange and what is wrong); ``notes`` are observations that did not decide
    the outcome (a receipt re-signed rather than repeated, a warning of the adapter).
    """

    name: str
    title: str
    group: str
    level: Level
    spec: str
    outcome: Outcome
    reason: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED

    @property
    def counts(self) -> bool:
        """Whether this result keeps the run from passing."""
        return self.level is Level.REQUIRED and not self.passed

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "group": self.group,
            "level": self.level.value,
            "spec": self.spec,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "problems": [p.as_dict() for p in self.problems],
            "notes": list(self.notes),
            "duration_s": round(self.duration_s, 3),
        }


@dataclass(slots=True)
class SuiteResult:
    """A whole run: what was tested, with which settings, and every case's result."""

    format: str
    mode: str
    agency: str
    target: str | None
    hub_url: str
    hub_kid: str
    started_at: datetime
    finished_at: datetime | None = None
    results: list[CaseResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Every required case passed (and there was at least one)."""
        required = [r for r in self.results if r.level is Level.REQUIRED]
        return bool(required) and not any(r.counts for r in required)

    @property
    def blocking(self) -> list[CaseResult]:
        """The required cases that did not pass, in the order they ran."""
        return [r for r in self.results if r.counts]

    def totals(self) -> dict[str, int]:
        counts = {outcome.value: 0 for outcome in Outcome}
        for result in self.results:
            counts[result.outcome.value] += 1
        return counts

    @property
    def duration_s(self) -> float:
        if self.finished_at is None:
            return 0.0
        return (self.finished_at - self.started_at).total_seconds()

    def as_dict(self) -> dict[str, Any]:
        """The ``result.json`` document."""
        return {
            "suite": "saphan-conformance",
            "version": RESULT_VERSION,
            "format": self.format,
            "mode": self.mode,
            "agency": self.agency,
            "target": self.target,
            "hub_url": self.hub_url,
            "hub_kid": self.hub_kid,
            "started_at": format_utc(self.started_at),
            "finished_at": format_utc(self.finished_at) if self.finished_at else None,
            "duration_s": round(self.duration_s, 3),
            "passed": self.passed,
            "totals": self.totals(),
            "failed_required": [r.name for r in self.blocking],
            "cases": [r.as_dict() for r in self.results],
        }

    def raise_if_failed(self) -> None:
        """Hand the verdict to the command line's funnel: :class:`IntegrityError`
        listing every required case that did not pass, and why."""
        blocking = self.blocking
        if not blocking and self.passed:
            return
        problems = [Problem(f"/cases/{r.name}", f"{r.outcome.value}: {r.reason}") for r in blocking]
        if not problems:
            problems = [Problem("/cases", "no required case was run")]
        names = ", ".join(r.name for r in blocking) or "none run"
        raise IntegrityError(
            f"{len(blocking)} required conformance case(s) did not pass: {names}", problems
        )

"""Applying the routing policy: where a case goes, why, and by when.

:meth:`Policy.route` evaluates the rules of ``mappings/routing.yaml`` in order over the
:class:`~saphan.routing.facts.Facts` of a case; the first rule that matches decides, unless
it says ``also``, in which case later rules are tried too. Every destination of a matching
rule (each may carry its own extra condition) becomes a :class:`Decision`: the agency, the
rule and its reason, whether it is a copy for information, and the deadline date (none for
a copy: it asks nothing of its receiver). An agency reached twice is kept once, as a
transfer rather than a copy if either says so. No matching rule means no transfer: the
case stays with its sender, and :meth:`Policy.trace` says why each rule did not match.

A destination that cannot be named (the case lacks the area the rule needs) or that the
directory does not know is an error naming it: an :class:`~saphan.errors.InputError`
pointing at the case field that supplied it, or a :class:`~saphan.errors.ConfigError` when
the policy or the sender's own code is at fault. All such problems are reported together.

:meth:`Policy.status_recipients` applies the status rule (rule 6). Everything here is pure;
reading the policy file is :func:`load_policy`, cached by :func:`default_policy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from saphan.canonical import Case
from saphan.directory import AgencyLookup
from saphan.errors import ConfigError, InputError, Problem
from saphan.paths import mappings_dir, read_yaml
from saphan.reference.workdays import WorkingCalendar, default_calendar
from saphan.routing.deadlines import deadline
from saphan.routing.facts import SENDER_VARIABLES, VARIABLE_PATHS, Facts
from saphan.routing.rules import PolicySpec, Rule, Send, StatusAudience, parse_policy

POLICY_FILE = "routing.yaml"


@dataclass(frozen=True, slots=True)
class Decision:
    """One destination of a case."""

    agency: str
    rule: str
    reason: str
    copy: bool
    deadline: date | None
    working_days: int | None = None
    deadline_basis: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "rule": self.rule,
            "reason": self.reason,
            "copy": self.copy,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "working_days": self.working_days,
            "deadline_basis": self.deadline_basis,
        }


@dataclass(frozen=True, slots=True)
class RuleTrace:
    """How one rule fared for a case: matched, or why not."""

    rule: str
    title: str
    matched: bool
    why_not: str | None
    evaluated: bool = True


class Policy:
    """The routing rules, the status rule and the default deadlines."""

    def __init__(self, spec: PolicySpec) -> None:
        self.spec = spec

    @classmethod
    def from_data(cls, data: Any, source: str = POLICY_FILE) -> Policy:
        return cls(parse_policy(data, source))

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.spec.rules

    # -- transfers -------------------------------------------------------------------------

    def route(
        self,
        case: Case,
        source_format: str,
        sender: str | None,
        directory: AgencyLookup,
        today: date | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> list[Decision]:
        """Where ``case`` goes. ``today``: the day the hub received it, when known."""
        facts = Facts.of(case, source_format, sender, directory)
        cal = calendar or default_calendar()
        decisions: dict[str, Decision] = {}
        problems: list[tuple[Problem, bool]] = []  # (problem, is the policy's fault)
        for rule in self.spec.rules:
            if not rule.when.holds(facts):
                continue
            for send in rule.send:
                if not send.when.holds(facts):
                    continue
                code = self._destination(rule, send, facts, directory, problems)
                if code is None:
                    continue
                reason = (send.reason or rule.reason).text(facts)
                if send.copy:
                    made = Decision(code, rule.id, reason, True, None)
                else:
                    due = deadline(
                        case, source_format, directory.get(code), self.spec.defaults, cal, today
                    )
                    made = Decision(
                        code,
                        rule.id,
                        reason,
                        False,
                        due.due,
                        due.allowance.working_days,
                        due.basis,
                    )
                earlier = decisions.get(code)
                if earlier is None or (earlier.copy and not made.copy):
                    decisions[code] = made
            if not rule.also:
                break
        if problems:
            items = [p for p, _ in problems]
            if any(config for _, config in problems):
                raise ConfigError("the routing policy cannot be applied to this case", items)
            raise InputError("the case cannot be routed", items)
        return list(decisions.values())

    def _destination(
        self,
        rule: Rule,
        send: Send,
        facts: Facts,
        directory: AgencyLookup,
        problems: list[tuple[Problem, bool]],
    ) -> str | None:
        filled = send.to.fill(facts)
        if filled.text is None:
            for hole in filled.missing:
                names = " or ".join(hole)
                sender_only = all(n in SENDER_VARIABLES for n in hole)
                problems.append(
                    (
                        Problem(
                            VARIABLE_PATHS[hole[0]],
                            f"rule {rule.id} sends to {send.to.source} and needs {names}; "
                            "the case has none",
                        ),
                        sender_only,
                    )
                )
            return None
        if directory.exists(filled.text):
            return filled.text
        from_case = [n for n in filled.used if n not in SENDER_VARIABLES]
        path = VARIABLE_PATHS[from_case[0]] if from_case else f"{self.spec.source}#{send.path}/to"
        problems.append(
            (
                Problem(
                    path,
                    f"rule {rule.id} sends to {filled.text!r}, which is not in the agency "
                    "directory",
                ),
                not from_case,
            )
        )
        return None

    def trace(
        self, case: Case, source_format: str, sender: str | None, directory: AgencyLookup
    ) -> list[RuleTrace]:
        """For each rule, whether it matched and, if not, why (``saphan route --explain``)."""
        facts = Facts.of(case, source_format, sender, directory)
        out: list[RuleTrace] = []
        decided = False
        for rule in self.spec.rules:
            if decided:
                out.append(RuleTrace(rule.id, rule.title, False, "an earlier rule decided", False))
                continue
            why = rule.when.check(facts)
            out.append(RuleTrace(rule.id, rule.title, why is None, why))
            decided = why is None and not rule.also
        return out

    # -- status changes (rule 6) -----------------------------------------------------------

    @property
    def status_rule_id(self) -> str:
        return self.spec.status.id

    @property
    def status_reason(self) -> str:
        return self.spec.status.reason

    def status_recipients(self, holders_so_far: Sequence[str], reporter: str) -> list[str]:
        """Who hears of a status change ``reporter`` made, in the order they held the case.

        ``holders_so_far``: every agency that has held the case, in order (repeats allowed).
        With ``earlier_holders`` (the agreed policy) these are the holders before the
        reporter's latest turn; when the reporter never held the case, every holder hears.
        """
        chain = list(holders_so_far)
        if self.spec.status.audience is StatusAudience.EARLIER_HOLDERS and reporter in chain:
            last = len(chain) - 1 - chain[::-1].index(reporter)
            chain = chain[:last]
        return [code for code in dict.fromkeys(chain) if code != reporter]


def load_policy(path: Path | None = None) -> Policy:
    """Read the policy file (``mappings/routing.yaml`` unless ``path`` is given)."""
    target = path or mappings_dir() / POLICY_FILE
    return Policy.from_data(read_yaml(target, "routing policy "), target.name)


@cache
def default_policy() -> Policy:
    """The configured policy, read once per process (see :func:`refresh`)."""
    return load_policy()


def refresh() -> None:
    """Forget the default policy so that the file is read again."""
    default_policy.cache_clear()


def route(
    case: Case,
    source_format: str,
    sender: str | None,
    directory: AgencyLookup,
    today: date | None = None,
    *,
    policy: Policy | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[Decision]:
    """Where ``case`` goes under ``policy`` (default: the configured one)."""
    return (policy or default_policy()).route(
        case, source_format, sender, directory, today, calendar
    )


def status_recipients(
    holders_so_far: Sequence[str], reporter: str, *, policy: Policy | None = None
) -> list[str]:
    """Who hears of a status change (rule 6), under ``policy`` (default: configured)."""
    return (policy or default_policy()).status_recipients(holders_so_far, reporter)


__all__ = [
    "POLICY_FILE",
    "Decision",
    "Policy",
    "RuleTrace",
    "default_policy",
    "load_policy",
    "refresh",
    "route",
    "status_recipients",
]

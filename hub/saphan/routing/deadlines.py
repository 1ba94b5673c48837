"""Transfer deadlines: which day is day 0, and how many working days follow it.

The agreed policy (agency-formats §5): ``due_days`` working days when the sender gives
them; otherwise 15 for a general case and 30 for a complex one (the numbers live in
``mappings/routing.yaml``); an agency's statutory deadline, where the directory records one,
takes precedence over both. Day 0 is the day the routing system received the case; the
deadline is the Nth working day after it (:mod:`saphan.reference.workdays`).

Day 0, by what the message says (all as the calendar date in Thailand):

* a 1111 record (format ``pmo1111``): its ``recv_ms``, the canonical ``received_at``: 1111 is
  the routing system and this is when it received the case;
* an escalation: the date of the Damrongtham ``Status at`` that escalated it, the canonical
  ``escalation.at`` (else ``status.at``), as the policy says;
* any other case (a Damrongtham case sent on without an escalation, e.g. legal help in a
  civil dispute; a case from a format an operator's rule routes): the date of
  ``status.at``. Reasoning: Damrongtham ``ReceivedAt`` is when the complainant first lodged
  the complaint, possibly weeks before the center passed it on; counting from it would
  hand the receiving office a deadline already partly or wholly spent, for time it never
  had the case. The status a center sends with a case is its last act on it: for a case it
  passes on, the passing on, the nearest the message has to "the day the routing system
  received the case", and the same instant the policy names for an escalation. A status
  cannot precede the complaint, so ``received_at`` is a floor.

When the caller knows the day the hub itself received the message (``today``), day 0 is
never later than that: a sender's clock running ahead must not lengthen a deadline.

Pure: the calendar is a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from saphan.canonical import Case
from saphan.directory import Agency
from saphan.reference.calendar import thai_date
from saphan.reference.workdays import WorkingCalendar

PMO1111 = "pmo1111"


@dataclass(frozen=True, slots=True)
class Start:
    day: date
    basis: str


@dataclass(frozen=True, slots=True)
class Allowance:
    working_days: int
    basis: str


@dataclass(frozen=True, slots=True)
class Deadline:
    start: Start
    allowance: Allowance
    due: date

    @property
    def basis(self) -> str:
        return f"{self.allowance.basis}, counted from {self.start.day.isoformat()} " + (
            f"({self.start.basis})"
        )


def start_day(case: Case, source_format: str, today: date | None = None) -> Start:
    """Day 0 of the deadlines of a case that arrived in ``source_format``."""
    if source_format == PMO1111:
        start = Start(thai_date(case.received_at), "the day 1111 received it")
    elif case.escalation is not None:
        at = case.escalation.at or case.status.at
        start = Start(thai_date(at), "the day it was escalated")
    else:
        at = max(case.status.at, case.received_at)
        start = Start(thai_date(at), "the day of the sender's last status, when it sent it on")
    if today is not None and start.day > today:
        return Start(today, f"{start.basis}, which is later than the day the hub received it")
    return start


def allowance(case: Case, agency: Agency, defaults: Mapping[str, int]) -> Allowance:
    """How many working days ``agency`` has for ``case``."""
    if agency.statutory_days is not None:
        return Allowance(agency.statutory_days, f"statutory deadline of {agency.code}")
    if case.due_days is not None:
        return Allowance(case.due_days, "due_days given by the sender")
    kind = case.complexity.value
    return Allowance(defaults[kind], f"default for a {kind} case")


def deadline(
    case: Case,
    source_format: str,
    agency: Agency,
    defaults: Mapping[str, int],
    calendar: WorkingCalendar,
    today: date | None = None,
) -> Deadline:
    start = start_day(case, source_format, today)
    allowed = allowance(case, agency, defaults)
    return Deadline(start, allowed, calendar.add_working_days(start.day, allowed.working_days))


__all__ = ["Allowance", "Deadline", "Start", "allowance", "deadline", "start_day"]

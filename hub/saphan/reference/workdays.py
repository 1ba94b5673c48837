"""Thai government working days, for transfer deadlines.

A working day is Monday to Friday, except Thai public and government holidays as the
``holidays`` package knows them (substitution, "in lieu", days included), adjusted by an
operator override file, ``mappings/holidays-override.yaml``: the cabinet announces extra
days off (bridge holidays, mourning days) at short notice, and once in a while declares a
listed holiday, or even a weekend day, a working day. Override file format::

    days_off:                 # extra days off, e.g. announced by the cabinet
      - date: 2024-12-30
        name: วันหยุดราชการเพิ่มเป็นกรณีพิเศษ
    working_days:             # days that count as working days whatever else says
      - date: 2025-06-02
        name: ยกเลิกวันหยุด (มติคณะรัฐมนตรี)

Both lists are optional; a date may not be in both. A ``working_days`` entry wins over the
weekend and over the ``holidays`` package.

Deadline arithmetic: :func:`add_working_days` counts the start day as day 0 and returns the
Nth working day after it (whether or not the start day itself is a working day).

:class:`WorkingCalendar` is pure: it computes each year's days off once (cached per year) and
does no I/O. Reading the override file is an edge step (:func:`load_overrides`);
:func:`default_calendar` does it once per process, :func:`refresh` forgets it. This module
does not know about deadlines of particular agencies: that is routing's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from threading import Lock
from typing import Any

import holidays
from pydantic import BaseModel, ConfigDict, ValidationError

from saphan.errors import ConfigError, InputError, Problem
from saphan.paths import mappings_dir, read_yaml

OVERRIDE_FILE = "holidays-override.yaml"
HOLIDAY_CATEGORIES = ("public", "government")
#: deadlines are bounded (the canonical ``due_days`` is at most 3650); this bounds the search
MAX_WORKING_DAYS = 3650
#: Deadlines remembered per calendar, ``(start, working days)`` → day; a few per day in use.
_MEMO_SIZE = 4096


class _OverrideDay(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # the field is called ``date`` in the file; ``dt.date`` avoids the name clash
    date: dt.date
    name: str = ""


class _OverrideFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    days_off: list[_OverrideDay] = []
    working_days: list[_OverrideDay] = []


@dataclass(frozen=True, slots=True)
class Overrides:
    """Operator adjustments to the holiday list: date → the reason given."""

    days_off: Mapping[date, str] = field(default_factory=dict)
    working_days: Mapping[date, str] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: Any, source: str = OVERRIDE_FILE) -> Overrides:
        """Overrides from the parsed YAML document (``None`` means an empty file)."""
        try:
            parsed = _OverrideFile.model_validate(data or {})
        except ValidationError as exc:
            problems = [
                Problem(f"{source}#/" + "/".join(str(p) for p in err["loc"]), err["msg"])
                for err in exc.errors(include_url=False)
            ]
            raise ConfigError(f"{source} is not a valid holiday override file", problems) from None
        off = {d.date: d.name for d in parsed.days_off}
        work = {d.date: d.name for d in parsed.working_days}
        both = sorted(set(off) & set(work))
        if both:
            raise ConfigError(
                f"{source} lists dates both as days off and as working days",
                [Problem(f"{source}#/working_days", f"{d.isoformat()} is in both") for d in both],
            )
        return cls(days_off=off, working_days=work)


class WorkingCalendar:
    """Which days are Thai government working days (see the module docstring)."""

    def __init__(self, overrides: Overrides | None = None) -> None:
        self._overrides = overrides or Overrides()
        self._years: dict[int, Mapping[date, str]] = {}
        # Every case taken in on a day asks for the same few deadlines from it: each
        # (start, n) is counted out once (a calendar never changes once made).
        self._added: dict[tuple[date, int], date] = {}
        self._lock = Lock()

    def days_off(self, year: int) -> Mapping[date, str]:
        """Holidays and extra days off of ``year`` (not the weekends), date → name."""
        found = self._years.get(year)
        if found is None:
            with self._lock:
                found = self._years.get(year)
                if found is None:
                    found = self._compute(year)
                    self._years[year] = found
        return found

    def _compute(self, year: int) -> Mapping[date, str]:
        listed = holidays.country_holidays("TH", categories=HOLIDAY_CATEGORIES, years=year)
        days: dict[date, str] = {d: str(name) for d, name in listed.items()}
        days.update({d: n for d, n in self._overrides.days_off.items() if d.year == year})
        for d in self._overrides.working_days:
            days.pop(d, None)
        return days

    def holiday_name(self, day: date) -> str | None:
        """The name of the holiday or day off on ``day``, if it is one."""
        return self.days_off(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        if day in self._overrides.working_days:
            return True
        if day.weekday() >= 5:  # Saturday, Sunday
            return False
        return day not in self.days_off(day.year)

    def add_working_days(self, start: date, n: int) -> date:
        """The Nth working day after ``start`` (``start`` is day 0; n = 0 gives ``start``)."""
        if not 0 <= n <= MAX_WORKING_DAYS:
            raise InputError(
                f"a deadline of {n} working days is out of range",
                [Problem("/due_days", f"must be between 0 and {MAX_WORKING_DAYS}")],
            )
        found = self._added.get((start, n))
        if found is not None:
            return found
        day = start
        left = n
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        if len(self._added) >= _MEMO_SIZE:
            self._added.clear()
        self._added[(start, n)] = day
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days come after ``start`` up to and including ``end``."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def load_overrides(path: Path | None = None) -> Overrides:
    """Read an override file; a missing file, like an empty one, means no overrides."""
    target = path or mappings_dir() / OVERRIDE_FILE
    return Overrides.from_data(read_yaml(target, missing_ok=True), target.name)


@cache
def default_calendar() -> WorkingCalendar:
    """The calendar with the configured override file (read once; see :func:`refresh`)."""
    return WorkingCalendar(load_overrides())


def refresh() -> None:
    """Forget the default calendar, so the override file is read again."""
    default_calendar.cache_clear()


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a Thai government working day (default calendar)."""
    return default_calendar().is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The Nth working day after ``start``, ``start`` being day 0 (default calendar)."""
    return default_calendar().add_working_days(start, n)


__all__ = [
    "OVERRIDE_FILE",
    "Overrides",
    "WorkingCalendar",
    "add_working_days",
    "default_calendar",
    "is_working_day",
    "load_overrides",
    "refresh",
]

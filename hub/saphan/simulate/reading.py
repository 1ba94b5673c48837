"""What a simulated agency makes of a transfer's bytes: its adapter must read them.

A real agency system parses what it receives before it acknowledges it; the simulators
do the same with the format's adapter, so a transfer the hub rendered badly is refused
(422) instead of being acknowledged. Every record must parse: a transfer carries the
cases the hub meant to deliver, and a refused record is a defect, not a partial success.

It keeps only what the state records (tracking number, number of records); the
parsed cases themselves are not kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from saphan.errors import InputError, Problem
from saphan.translate import Adapter

__all__ = ["Reading", "read_transfer"]


@dataclass(frozen=True, slots=True)
class Reading:
    """The tracking number of the first record, and how many records there were."""

    tracking_no: str | None
    records: int


def read_transfer(adapter: Adapter, body: bytes) -> Reading:
    """Parse ``body``; :class:`InputError` lists every problem of every record."""
    parsed = adapter.parse(body)
    problems = parsed.problems
    if not parsed.records:
        problems = [Problem("", f"the {adapter.name} message holds no record")]
    if problems:
        raise InputError.from_problems(
            problems, f"the {adapter.name} message cannot be processed: {len(problems)} problem(s)"
        )
    first = parsed.records[0]
    # An adapter may leave the record's tracking number to the case's origin reference.
    tracking_no = first.tracking_no or (first.case.origin.ref if first.case else None)
    return Reading(tracking_no=tracking_no, records=len(parsed.records))

"""The pass over the entries: roots at every size asked for, however the batches fall."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saphan.audit.report import AuditReport
from saphan.audit.walk import walk
from saphan.canonical.model import CaseStatus
from saphan.ledger import entries as E
from saphan.ledger import merkle

AT = datetime(2025, 3, 1, tzinfo=UTC)


def entry(n: int) -> bytes:
    return E.StatusEntry(
        case=hashlib.sha256(str(n).encode()).hexdigest(),
        time=AT,
        agency="OMB",
        status=CaseStatus.ACCEPTED,
    ).to_bytes()


ENTRIES = [entry(n) for n in range(70)]
LEAVES = [merkle.leaf_hash(e) for e in ENTRIES]


def batches(sizes: list[int]) -> list[list[bytes]]:
    out, start = [], 0
    for size in sizes:
        out.append(ENTRIES[start : start + size])
        start += size
    if start < len(ENTRIES):
        out.append(ENTRIES[start:])
    return [b for b in out if b]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=30), max_size=6),
    st.sets(st.integers(min_value=0, max_value=70), max_size=8),
)
def test_roots_at_wanted_sizes_match_the_rfc_tree(sizes: list[int], wanted: set[int]) -> None:
    report = AuditReport("test")
    result = walk(batches(sizes), report, wanted=wanted, probes={0, 33, 69})
    assert report.ok
    assert result.count == 70
    for size in wanted | {70}:
        assert result.roots[size] == merkle.root(LEAVES[:size]), size
    assert result.probes == {0: LEAVES[0], 33: LEAVES[33], 69: LEAVES[69]}
    assert result.kinds == {"status": 70}


def test_a_malformed_entry_is_named_and_still_hashed_as_given() -> None:
    data = list(ENTRIES[:10])
    data[4] = b'{"kind":"status"}'
    report = AuditReport("test")
    result = walk([data], report)
    assert result.root == merkle.root([merkle.leaf_hash(e) for e in data])
    assert result.kinds == {"status": 9, "malformed": 1}
    assert {p.path.split("/")[2] for p in report.problems} == {"4"}
    assert result.entry_problems == report.problem_count


def test_progress_is_reported_as_entries_pass() -> None:
    seen: list[tuple[int, int | None]] = []
    walk(
        batches([10] * 7),
        AuditReport("test"),
        progress=lambda d, t: seen.append((d, t)),
        expected=70,
        every=25,
    )
    assert seen == [(30, 70), (50, 70), (70, 70)]


@pytest.mark.parametrize("count", [0, 1, 2, 3, 64, 65])
def test_small_and_power_of_two_logs(count: int) -> None:
    result = walk([ENTRIES[:count]] if count else [], AuditReport("t"), wanted={0})
    assert result.roots[0] == merkle.EMPTY_ROOT
    assert result.root == merkle.root(LEAVES[:count])


def test_the_end_is_reported_once() -> None:
    seen: list[int] = []
    walk(batches([25] * 3), AuditReport("test"), progress=lambda d, t: seen.append(d), every=35)
    assert seen == [50, 70]

"""Appends to the transfer log after rollbacks, in groups and across connections.

On SQLite an append takes the sequencer state its connection wrote last as a guess and
advances the row with a compare-and-set (``store.log._append_sqlite``). These tests make
that guess stale in every way a rollback or another writer can (a failing unit of a group
commit, a failing first unit, a rolled-back savepoint, a rolled-back transaction, another
connection appending) and then append again: every index returned, the head, and every
inclusion and consistency proof read from the store must equal the list computation over
the entries that were kept (:mod:`saphan.ledger.merkle`). Trusting a stale guess would
write nodes for a tree that is not the log's, and these comparisons would fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from groupkit import held_group
from logcheck import assert_log_is
from sqlalchemy import Connection, Engine

from saphan.ledger import merkle
from saphan.store import log as transfer_log
from saphan.store import log_append
from saphan.store.db import make_engine
from saphan.store.group import GroupCommitter
from saphan.store.migrate import upgrade


def _entry(tag: str) -> bytes:
    return b'{"tag":"%s"}' % tag.encode()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _check_log(engine: Engine, tags: list[str]) -> None:
    """The stored log holds exactly ``tags``' entries, in order, with correct nodes."""
    with engine.connect() as conn:
        stored = transfer_log.entries(conn, 0, len(tags) + 10)
        assert stored == [(i, _entry(t)) for i, t in enumerate(tags)]
        assert_log_is(conn, [merkle.leaf_hash(_entry(t)) for t in tags])


def _append(*tags: str) -> Callable[[Connection], int]:
    def unit(conn: Connection) -> int:
        return transfer_log.append(conn, [_entry(t) for t in tags])

    return unit


def _append_then_fail(*tags: str) -> Callable[[Connection], int]:
    def unit(conn: Connection) -> int:
        transfer_log.append(conn, [_entry(t) for t in tags])
        raise ValueError("refused after appending")

    return unit


def _one_group(
    group: GroupCommitter,
    first: Callable[[Connection], Any],
    units: list[Callable[[Connection], Any]],
) -> list[Any | BaseException]:
    """Outcomes of ``first`` and ``units`` run in one group, in that order."""
    head, rest = held_group(group, units, first)
    return [head, *rest]


def test_units_that_append_then_fail_in_a_group_leave_the_log_consistent(
    engine: Engine,
) -> None:
    group = GroupCommitter(engine)
    try:
        assert group.run(_append("a")) == 0
        outcomes = _one_group(
            group,
            _append("b"),
            [
                _append("c", "d"),
                _append_then_fail("x"),
                _append("e"),  # appended right after a rolled-back append
                _append_then_fail("y", "z"),
                _append_then_fail("w"),
                _append("f", "g", "h"),
            ],
        )
        assert [o if isinstance(o, int) else type(o) for o in outcomes] == [
            1,
            2,
            ValueError,
            4,
            ValueError,
            ValueError,
            5,
        ]
        assert (group.groups, group.units) == (2, 8)  # one commit for the seven
        assert group.run(_append("i")) == 8
    finally:
        group.close()
    _check_log(engine, ["a", "b", "c", "d", "e", "f", "g", "h", "i"])


def test_a_failing_first_unit_that_appended_leaves_the_log_consistent(
    engine: Engine,
) -> None:
    # The first unit has no savepoint: its failure rolls the whole transaction back.
    group = GroupCommitter(engine)
    try:
        assert group.run(_append("a")) == 0
        outcomes = _one_group(group, _append_then_fail("x", "y"), [_append("b"), _append("c")])
        assert isinstance(outcomes[0], ValueError) and outcomes[1:] == [1, 2]
        with pytest.raises(ValueError, match="refused"):
            group.run(_append_then_fail("z"))  # alone: its transaction is rolled back
        assert group.run(_append("d")) == 3
    finally:
        group.close()
    with engine.begin() as conn:
        assert transfer_log.append(conn, [_entry("e")]) == 4
    _check_log(engine, ["a", "b", "c", "d", "e"])


def test_an_append_after_a_rolled_back_transaction_on_the_same_connection(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        with conn.begin():
            assert transfer_log.append(conn, [_entry("a")]) == 0
        trans = conn.begin()
        assert transfer_log.append(conn, [_entry("x"), _entry("y")]) == 1
        trans.rollback()
        if conn.dialect.name == "sqlite":
            # the connection's guess is now ahead of the log: the case under test
            assert conn.info[log_append._WROTE][0] == 3
        with conn.begin():
            assert transfer_log.append(conn, [_entry("b")]) == 1
            assert transfer_log.append(conn, [_entry("c")]) == 2
    _check_log(engine, ["a", "b", "c"])


def test_an_append_after_a_rolled_back_savepoint(engine: Engine) -> None:
    with engine.connect() as conn, conn.begin():
        assert transfer_log.append(conn, [_entry("a")]) == 0
        nested = conn.begin_nested()
        assert transfer_log.append(conn, [_entry("x")]) == 1
        nested.rollback()
        assert transfer_log.append(conn, [_entry("b"), _entry("c")]) == 1
        nested = conn.begin_nested()
        assert transfer_log.append(conn, [_entry("y")]) == 3
        nested.commit()
    _check_log(engine, ["a", "b", "c", "y"])


def test_an_append_after_another_connection_appended(engine: Engine) -> None:
    with engine.connect() as one, engine.connect() as two:
        with one.begin():
            assert transfer_log.append(one, [_entry("a")]) == 0
        with two.begin():
            assert transfer_log.append(two, [_entry("b"), _entry("c")]) == 1
        with one.begin():
            assert transfer_log.append(one, [_entry("d")]) == 3
        with two.begin():
            assert transfer_log.append(two, [_entry("e")]) == 4
    _check_log(engine, ["a", "b", "c", "d", "e"])


@pytest.mark.parametrize(
    "rolled_back",
    [
        # the stale guess has the log's size but another compact range: only the range
        # tells them apart
        "x",
        # the guess equals the log again once the other connection appends the same
        # entry: an equal state, so the guess is right
        "a",
    ],
)
def test_a_rolled_back_append_then_another_connection_appends(
    engine: Engine, rolled_back: str
) -> None:
    with engine.connect() as one, engine.connect() as two:
        trans = one.begin()
        assert transfer_log.append(one, [_entry(rolled_back)]) == 0
        trans.rollback()
        with two.begin():
            assert transfer_log.append(two, [_entry("a")]) == 0
        with one.begin():
            assert transfer_log.append(one, [_entry("b")]) == 1
    _check_log(engine, ["a", "b"])


def test_many_small_appends_in_one_transaction(engine: Engine) -> None:
    tags = [f"t{n}" for n in range(40)]
    with engine.begin() as conn:
        for n, tag in enumerate(tags):
            assert transfer_log.append(conn, [_entry(tag)]) == n
    _check_log(engine, tags)

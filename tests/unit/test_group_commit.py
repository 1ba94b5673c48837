"""The group committer: shared transactions, one commit, per-unit failures, failed commits.

Runs on SQLite and on the real PostgreSQL (``db_url``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from groupkit import held_group
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, Table, event, insert, select
from sqlalchemy.exc import IntegrityError

from saphan.store.db import make_engine
from saphan.store.group import GroupCommitter

META = MetaData()
ROWS = Table("group_rows", META, Column("id", Integer, primary_key=True))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    META.create_all(eng)
    yield eng
    eng.dispose()


def stored(engine: Engine) -> set[int]:
    with engine.connect() as conn:
        return {int(r[0]) for r in conn.execute(select(ROWS.c.id))}


def put(row_id: int) -> Callable[[Connection], int]:
    def unit(conn: Connection) -> int:
        conn.execute(insert(ROWS).values(id=row_id))
        return row_id

    return unit


def test_concurrent_units_share_one_commit(engine: Engine) -> None:
    group = GroupCommitter(engine)
    try:
        gate, results = held_group(group, [put(i) for i in range(20)])
        assert gate is None and results == list(range(20))
        assert stored(engine) == set(range(20))
        # the twenty queued while the gate ran share its commit
        assert (group.groups, group.units) == (1, 21)
    finally:
        group.close()


def test_a_failing_unit_is_rolled_back_alone(engine: Engine) -> None:
    group = GroupCommitter(engine)

    def half_then_fail(conn: Connection) -> None:
        conn.execute(insert(ROWS).values(id=100))
        conn.execute(insert(ROWS).values(id=1))  # taken by the unit before it: refused

    try:
        _gate, results = held_group(group, [put(1), half_then_fail, put(2)])
        assert results[0] == 1 and results[2] == 2
        assert isinstance(results[1], IntegrityError)
        assert stored(engine) == {1, 2}  # not 100: the failed unit left nothing behind
    finally:
        group.close()


def test_a_failing_first_unit_is_rolled_back_and_the_units_behind_it_commit(
    engine: Engine,
) -> None:
    # The first unit of a group runs without a savepoint: its failure rolls back the
    # transaction, which holds nothing else, and the queued units run in the next one.
    group = GroupCommitter(engine)

    def insert_then_fail(conn: Connection) -> None:
        conn.execute(insert(ROWS).values(id=100))
        raise ValueError("refused")

    try:
        gate, results = held_group(group, [put(1), put(2)], insert_then_fail)
        assert isinstance(gate, ValueError) and results == [1, 2]
        assert stored(engine) == {1, 2}  # not 100
        assert (group.groups, group.units) == (2, 3)
    finally:
        group.close()


def test_a_group_takes_at_most_max_group_units(engine: Engine) -> None:
    group = GroupCommitter(engine, max_group=5)
    try:
        gate, results = held_group(group, [put(i) for i in range(20)])
        assert gate is None and results == list(range(20))
        assert stored(engine) == set(range(20))
        # the gate and four, then 5, 5, 5 and the last one
        assert (group.groups, group.units) == (5, 21)
    finally:
        group.close()


def test_a_lone_failing_unit_raises_and_keeps_nothing(engine: Engine) -> None:
    group = GroupCommitter(engine)

    def fail(conn: Connection) -> None:
        conn.execute(insert(ROWS).values(id=7))
        raise ValueError("refused")

    try:
        with pytest.raises(ValueError, match="refused"):
            group.run(fail)
        assert group.run(put(8)) == 8
        assert stored(engine) == {8}
    finally:
        group.close()


def test_a_failed_commit_fails_every_unit_of_the_group(engine: Engine) -> None:
    group = GroupCommitter(engine)
    broken = {"on": False}

    @event.listens_for(engine, "commit")
    def _refuse_commit(conn: Any) -> None:
        if broken["on"]:
            raise OSError("disk full")

    def arm(conn: Connection) -> None:
        broken["on"] = True

    try:
        gate, results = held_group(group, [put(1), arm, put(2)])
        assert all(isinstance(r, OSError) for r in [gate, *results]), (gate, results)
        broken["on"] = False
        assert stored(engine) == set()  # nothing answered, nothing kept
        assert group.run(put(3)) == 3
        assert stored(engine) == {3}
    finally:
        event.remove(engine, "commit", _refuse_commit)
        group.close()


def test_a_unit_cannot_wait_for_another(engine: Engine) -> None:
    group = GroupCommitter(engine)
    try:
        with pytest.raises(RuntimeError, match="cannot wait"):
            group.run(lambda conn: group.run(put(1)))
        assert stored(engine) == set()
    finally:
        group.close()


def test_closed_committer_refuses_work(engine: Engine) -> None:
    group = GroupCommitter(engine)
    assert group.run(put(1)) == 1
    group.close()
    with pytest.raises(RuntimeError, match="closed"):
        group.run(put(2))
    assert stored(engine) == {1}

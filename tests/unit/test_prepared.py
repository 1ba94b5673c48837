"""Prepared statements give the same rows as SQLAlchemy's own execution, in the caller's
transaction, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    Column,
    Date,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from saphan.store.db import make_engine
from saphan.store.prepared import Prepared
from saphan.store.types import UTCDateTime

META = MetaData()
ROWS = Table(
    "prepared_rows",
    META,
    Column("id", String, primary_key=True),
    Column("n", Integer),
    Column("at", UTCDateTime),
    Column("day", Date),
    Column("blob", LargeBinary),
    Column("note", String, default="python-side default"),
)
INSERT = Prepared(insert(ROWS))
BUMP = Prepared(update(ROWS).where(ROWS.c.id == bindparam("key")).values(n=bindparam("n")))
FIND = Prepared(select(ROWS.c.n, ROWS.c.blob).where(ROWS.c.id == bindparam("key")))
BANGKOK = timezone(timedelta(hours=7))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    META.create_all(eng)
    yield eng
    eng.dispose()


def row(i: int) -> dict[str, object]:
    return {
        "id": f"r{i}",
        "n": i,
        "at": datetime(2026, 11, 22, 9, i % 60, tzinfo=BANGKOK),
        "day": date(2026, 11, 1 + i % 28),
        "blob": bytes([i % 256]) * 3,
        "note": f"note {i}",
    }


def test_rows_read_back_as_sqlalchemy_wrote_them(engine: Engine) -> None:
    with engine.begin() as conn:
        INSERT.run(conn, row(1))
        INSERT.executemany(conn, [row(i) for i in range(2, 6)])
        assert BUMP.run(conn, {"key": "r3", "n": 33}) == 1
    with engine.connect() as conn:
        got = {r.id: r for r in conn.execute(select(ROWS))}
    assert sorted(got) == [f"r{i}" for i in range(1, 6)]
    for i in range(1, 6):
        want = row(i)
        r = got[f"r{i}"]
        assert r.n == (33 if i == 3 else i)
        # stored in UTC, read back aware, the same instant
        assert r.at == want["at"] and r.at.tzinfo == UTC
        assert r.day == want["day"] and bytes(r.blob) == want["blob"]
        assert r.note == want["note"]


def test_select_first_and_missing(engine: Engine) -> None:
    with engine.begin() as conn:
        INSERT.run(conn, row(7))
        found = FIND.first(conn, {"key": "r7"})
        assert found is not None and found[0] == 7 and bytes(found[1]) == row(7)["blob"]
        assert FIND.first(conn, {"key": "nobody"}) is None


def test_rolled_back_with_the_caller(engine: Engine) -> None:
    with engine.connect() as conn:
        with conn.begin():
            INSERT.run(conn, row(1))
            savepoint = conn.begin_nested()
            INSERT.run(conn, row(2))
            savepoint.rollback()
        with conn.begin() as outer:
            INSERT.run(conn, row(3))
            outer.rollback()
    with engine.connect() as conn:
        assert [r.id for r in conn.execute(select(ROWS.c.id))] == ["r1"]


def test_a_missing_value_is_refused_not_written_as_null(engine: Engine) -> None:
    values = row(1)
    del values["note"]  # has a Python-side default only SQLAlchemy's execution would apply
    with engine.begin() as conn, pytest.raises(ValueError, match="note"):
        INSERT.run(conn, values)


def test_naive_datetimes_are_refused_by_the_column_type(engine: Engine) -> None:
    values = row(1) | {"at": datetime(2026, 11, 22, 9, 0)}  # noqa: DTZ001 - the point
    with engine.begin() as conn, pytest.raises(ValueError, match="naive"):
        INSERT.run(conn, values)


def test_driver_errors_come_as_sqlalchemys(engine: Engine) -> None:
    with engine.begin() as conn:
        INSERT.run(conn, row(1))
        savepoint = conn.begin_nested()
        with pytest.raises(IntegrityError):  # what callers catch for a lost race
            INSERT.run(conn, row(1))
        savepoint.rollback()
        INSERT.run(conn, row(2))
    with engine.connect() as conn:
        assert sorted(r.id for r in conn.execute(select(ROWS.c.id))) == ["r1", "r2"]


def test_reading_outside_a_transaction_begins_one(engine: Engine) -> None:
    with engine.begin() as conn:
        INSERT.run(conn, row(4))
    with engine.connect() as conn:
        found = FIND.first(conn, {"key": "r4"})
        assert found is not None and found[0] == 4
        assert conn.in_transaction()  # begun as SQLAlchemy's autobegin would, then closed

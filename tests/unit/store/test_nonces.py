"""The replay store in a database: one first use per nonce across processes, and on SQLite
a file of its own, so that recording a nonce never waits for the intakes' writer lock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nonce_race import first_uses
from sqlalchemy import text

from saphan.store.db import make_engine
from saphan.store.migrate import upgrade
from saphan.store.nonces import SqlNonceStore, open_replay_store, replay_url

UNTIL = datetime.now(UTC) + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("database", "replay"),
    [
        ("sqlite:////srv/hub/saphan.db", "sqlite:////srv/hub/saphan-replay.db"),
        ("sqlite:///data/hub.sqlite3", "sqlite:///data/hub-replay.sqlite3"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql://u@db:5432/saphan", "postgresql://u@db:5432/saphan"),
    ],
)
def test_where_the_replay_records_are_kept(database: str, replay: str) -> None:
    assert replay_url(database) == replay


def test_two_processes_sharing_a_database_see_one_first_use(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()
    # Two stores opened on the same database are what two hub processes hold.
    first, second = open_replay_store(db_url), open_replay_store(db_url)
    try:
        assert first.seen_or_record("OCC", "n1", UNTIL) is False
        assert second.seen_or_record("OCC", "n1", UNTIL) is True
        assert first.seen_or_record("OCC", "n1", UNTIL) is True
        assert second.seen_or_record("DOL", "n1", UNTIL) is False
    finally:
        first.close()
        second.close()


def test_concurrent_threads_see_exactly_one_first_use(tmp_path: Path) -> None:
    store = open_replay_store(f"sqlite:///{tmp_path / 'saphan.db'}")
    try:
        answers = first_uses(store, UNTIL, threads=6, nonces=50)
    finally:
        store.close()
    assert answers.count(False) == 50
    assert answers.count(True) == 5 * 50


def test_on_sqlite_a_nonce_is_recorded_while_the_database_is_locked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'saphan.db'}"
    engine = make_engine(url)
    upgrade(engine)
    store = open_replay_store(url)
    recorded = threading.Event()

    def record() -> None:
        if not store.seen_or_record("OCC", "n1", UNTIL):
            recorded.set()

    try:
        with engine.begin() as conn:  # BEGIN IMMEDIATE: the writer lock of the main file
            conn.execute(text("UPDATE log_state SET size = size"))
            # Recorded from another thread while this transaction holds the lock: were the
            # records in the main file, this would wait out the busy timeout and fail.
            worker = threading.Thread(target=record)
            worker.start()
            worker.join(timeout=20)
            assert recorded.is_set()
        assert (tmp_path / "saphan-replay.db").is_file()
        assert store.seen_or_record("OCC", "n1", UNTIL) is True
    finally:
        store.close()
        engine.dispose()


def test_expired_records_are_purged_and_live_ones_kept(db_url: str) -> None:
    engine = make_engine(db_url, durable=False)
    upgrade(engine)
    store = SqlNonceStore(engine, purge_every=1)  # purge on every call
    try:
        past = datetime.now(UTC) - timedelta(minutes=1)
        assert store.seen_or_record("OCC", "old", past) is False  # recorded, then purged
        assert store.seen_or_record("OCC", "live", UNTIL) is False
        assert store.seen_or_record("OCC", "old", past) is False  # forgotten: expired
        assert store.seen_or_record("OCC", "live", UNTIL) is True  # still remembered
    finally:
        store.close()
        engine.dispose()

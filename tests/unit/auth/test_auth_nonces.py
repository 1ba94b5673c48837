"""The in-memory replay store: atomic, per key id, and forgetting only what expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nonce_race import first_uses

from saphan.auth import MemoryNonceStore, NonceStore

T0 = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_it_is_a_nonce_store() -> None:
    assert isinstance(MemoryNonceStore(), NonceStore)


def test_a_nonce_is_seen_the_second_time_only_for_the_same_keyid() -> None:
    store = MemoryNonceStore(clock=Clock())
    until = T0 + timedelta(minutes=5)
    assert store.seen_or_record("OCC", "n1", until) is False
    assert store.seen_or_record("OCC", "n1", until) is True
    assert store.seen_or_record("DOL", "n1", until) is False
    assert store.seen_or_record("OCC", "n2", until) is False
    assert len(store) == 3


def test_entries_are_kept_until_they_expire_then_purged() -> None:
    clock = Clock()
    store = MemoryNonceStore(clock=clock)
    store.seen_or_record("OCC", "short", T0 + timedelta(minutes=1))
    store.seen_or_record("OCC", "long", T0 + timedelta(minutes=10))
    clock.now = T0 + timedelta(minutes=1)  # exactly at expiry: still remembered
    assert store.seen_or_record("OCC", "short", T0 + timedelta(minutes=1)) is True
    clock.now = T0 + timedelta(minutes=2)
    assert store.seen_or_record("OCC", "other", T0 + timedelta(minutes=3)) is False
    assert len(store) == 2  # "short" purged; "long" and "other" remain
    assert store.seen_or_record("OCC", "long", T0 + timedelta(minutes=10)) is True
    assert store.seen_or_record("OCC", "short", T0 + timedelta(minutes=4)) is False


def test_concurrent_callers_see_exactly_one_first_use() -> None:
    store = MemoryNonceStore(clock=Clock())
    answers = first_uses(store, T0 + timedelta(minutes=5), threads=8, nonces=200)
    assert answers.count(False) == 200  # each nonce accepted once, whoever got there
    assert answers.count(True) == 7 * 200

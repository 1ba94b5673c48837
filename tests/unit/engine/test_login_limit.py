"""Failed operator logins are limited per address for the hub as a whole: two hub processes
on one database (here: two services) count the same failures, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from saphan.clock import FixedClock
from saphan.config import Settings
from saphan.engine import operators
from saphan.engine import services as services_mod
from saphan.engine.services import Services
from saphan.errors import AuthenticationError, TooManyRequests

PASSWORD = "a long console passphrase"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def hubs(db_url: str, tmp_path: Path) -> Iterator[tuple[Services, Services, FixedClock]]:
    clock = FixedClock(T0)
    one = services_mod.build(
        Settings(data_dir=tmp_path / "one", db_url=db_url, delivery_workers=False), clock=clock
    )
    two = services_mod.build(
        Settings(data_dir=tmp_path / "two", db_url=db_url, delivery_workers=False), clock=clock
    )
    operators.add_operator(one, "somchai", PASSWORD, "operator")
    try:
        yield one, two, clock
    finally:
        one.close()
        two.close()


def test_failures_from_an_address_count_across_processes_until_the_window_passes(
    hubs: tuple[Services, Services, FixedClock],
) -> None:
    one, two, clock = hubs
    for attempt in range(operators.MAX_FAILURES):
        with pytest.raises(AuthenticationError) as wrong:
            operators.login(one if attempt % 2 else two, "somchai", "guess", "198.51.100.7")
        assert not isinstance(wrong.value, TooManyRequests)
    # Over the limit on both processes, even with the right password.
    for svc in (one, two):
        with pytest.raises(TooManyRequests):
            operators.login(svc, "somchai", PASSWORD, "198.51.100.7")
    # Another address is not touched, and the user is not locked out.
    assert operators.login(two, "somchai", PASSWORD, "203.0.113.9")
    clock.advance(operators.FAILURE_WINDOW + timedelta(seconds=1))
    assert operators.login(one, "somchai", PASSWORD, "198.51.100.7")


def test_successes_and_logins_without_an_address_are_not_counted(
    hubs: tuple[Services, Services, FixedClock],
) -> None:
    one, _two, _clock = hubs
    for _ in range(operators.MAX_FAILURES + 2):
        assert operators.login(one, "somchai", PASSWORD, "198.51.100.7")
        with pytest.raises(AuthenticationError):
            operators.login(one, "somchai", "guess")  # the command line: no address
    with pytest.raises(AuthenticationError) as wrong:
        operators.login(one, "somchai", "guess", "198.51.100.7")
    assert not isinstance(wrong.value, TooManyRequests)  # the first failure of the address

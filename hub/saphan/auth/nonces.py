"""Replay protection: remember each ``(keyid, nonce)`` until its signature expires.

:class:`NonceStore` is the one operation a verifier needs; it must be atomic, so that
two hub processes receiving the same captured request at once cannot both accept it.
:class:`MemoryNonceStore` serves a single process (tests, the demo, a one-process
hub); a store shared by every hub process belongs next to the database, not here.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class NonceStore(Protocol):
    """Where the verifier records the nonces it has accepted."""

    def seen_or_record(self, keyid: str, nonce: str, expires_at: datetime) -> bool:
        """Atomically: return True if ``(keyid, nonce)`` is already recorded and not yet
        past its own ``expires_at``; otherwise record it until ``expires_at`` and return
        False. An entry may be forgotten once ``expires_at`` has passed, never before."""
        ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


class MemoryNonceStore:
    """A thread-safe in-process :class:`NonceStore` that purges expired entries.

    ``clock`` says what "now" is when purging; give it the same clock the verifier
    uses (tests that verify at a fixed time must pass a clock fixed at that time, or a
    nonce recorded "in the past" would be purged at once). Purging is amortised: each
    call drops the entries that have expired since the last one, in expiry order.
    """

    def __init__(self, clock: Callable[[], datetime] = _utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._expiry: dict[tuple[str, str], datetime] = {}
        # (expires_at, keyid, nonce); every key in _expiry appears here exactly once.
        self._queue: list[tuple[datetime, str, str]] = []

    def seen_or_record(self, keyid: str, nonce: str, expires_at: datetime) -> bool:
        """See :meth:`NonceStore.seen_or_record`; ``expires_at`` must be tz-aware."""
        key = (keyid, nonce)
        with self._lock:
            self._purge(self._clock())
            if key in self._expiry:
                return True
            self._expiry[key] = expires_at
            heapq.heappush(self._queue, (expires_at, keyid, nonce))
            return False

    def __len__(self) -> int:
        """How many nonces are remembered (expired ones may linger until the next call)."""
        with self._lock:
            return len(self._expiry)

    def _purge(self, now: datetime) -> None:
        queue = self._queue
        while queue and queue[0][0] < now:
            _, keyid, nonce = heapq.heappop(queue)
            del self._expiry[(keyid, nonce)]

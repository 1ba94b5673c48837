"""A small token-bucket rate limit per client address, for public lookups.

Per process and in memory on purpose: it limits abuse of the public tracking lookup
(guessing numbers) without a shared store; behind several processes the limit applies
per process, which the operator sizes accordingly.
"""

from __future__ import annotations

import time
from threading import Lock

from fastapi import Request

from saphan.errors import Problem, TooManyRequests


class TokenBucket:
    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.rate = rate_per_s
        self.burst = burst
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._state.get(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                self._state[key] = (tokens, now)
                return False
            self._state[key] = (tokens - 1, now)
            if len(self._state) > 10000:
                self._state.clear()
            return True


def check_rate(request: Request, bucket: str) -> None:
    buckets: dict[str, TokenBucket] = request.app.state.rate_limits
    limiter = buckets.get(bucket)
    client = request.client.host if request.client else "unknown"
    if limiter is not None and not limiter.allow(client):
        raise TooManyRequests(
            "too many lookups; try again in a minute", [Problem("", "rate limit reached")]
        )

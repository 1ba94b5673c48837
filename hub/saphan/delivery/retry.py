"""The retry policy as a pure function: attempt count and a random draw in, decision out.

Exponential backoff with full jitter (the AWS architecture blog's "full jitter"): the n-th
retry waits a uniform random time in ``[base * 2**(n-1) / 2, base * 2**(n-1)]``, capped.
Half of the window is kept as a floor so retries never bunch at zero. After
``max_attempts`` failed attempts the transfer is dead-lettered. Durable state (attempts,
next attempt time, last error) lives in the database; this module only decides.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_s: float = 2.0
    cap_s: float = 600.0
    max_attempts: int = 8

    def window(self, attempts: int) -> tuple[float, float]:
        """The (low, high) wait in seconds after ``attempts`` failed attempts (≥ 1)."""
        high = min(self.cap_s, self.base_s * 2 ** max(0, attempts - 1))
        return high / 2, high


@dataclass(frozen=True, slots=True)
class Decision:
    dead: bool
    next_attempt_at: datetime | None


def decide(
    policy: RetryPolicy,
    attempts: int,
    now: datetime,
    *,
    retryable: bool = True,
    draw: float | None = None,
) -> Decision:
    """What to do after the ``attempts``-th failed attempt.

    ``draw`` in [0, 1) picks the point in the jitter window (random when omitted); tests
    pass it to make schedules exact.
    """
    if not retryable or attempts >= policy.max_attempts:
        return Decision(dead=True, next_attempt_at=None)
    low, high = policy.window(attempts)
    u = random.random() if draw is None else draw  # noqa: S311 - jitter, not security
    return Decision(dead=False, next_attempt_at=now + timedelta(seconds=low + (high - low) * u))

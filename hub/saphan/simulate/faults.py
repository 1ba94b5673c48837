"""Deliberate misbehaviour of a simulated agency: fault flags and run-time controls.

Two kinds, for two kinds of test:

* :class:`Fault` flags are fixed when the agency starts. Each makes it a *broken*
  agency, the kind the conformance suite must catch and the hub must never count as a
  delivery (a receipt signed with the wrong key, over other bytes, ...).
* :class:`Controls` are changed at run time through ``POST /_control``. They make a
  *correct* agency unreliable for a while (failing the next N requests, failing at a
  seeded random rate, answering slowly or never), which is what retries, dead letters
  and crash-safety tests need.

``POST /_control`` can also ask the agency to report a status change to the hub now
(:class:`StatusRequest`), which the conformance suite's status case uses.

This module holds the settings and the seeded draw; the agency app acts on them.
"""

from __future__ import annotations

import asyncio
import random
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ControlRequest", "Controls", "Fault", "StatusRequest", "Verdict"]


class Fault(StrEnum):
    """A way to be a broken agency (``--fault NAME``)."""

    WRONG_KEY = "wrong_key"  # receipts name the agency's key id but another key signs them
    RECEIPT_OVER_OTHER_BYTES = "receipt_over_other_bytes"  # sha256 of bytes never received
    NON_IDEMPOTENT = "non_idempotent"  # a redelivery is processed again, with a new receipt
    ACCEPT_UNSIGNED = "accept_unsigned"  # no signature check at all
    ALWAYS_500 = "always_500"  # every delivery fails with 500
    MALFORMED_RECEIPT = "malformed_receipt"  # answers 200 with a receipt that is no JWS


class StatusRequest(BaseModel):
    """Report a status change for a case to the hub (``report_status`` of a control)."""

    model_config = ConfigDict(extra="forbid")

    case_id: str = Field(min_length=1, max_length=128, description="the hub's case id")
    status: str | None = Field(
        default=None, description="the agency's own code; default: its code for in progress"
    )
    note: str | None = Field(default=None, max_length=2000)


class ControlRequest(BaseModel):
    """The body of ``POST /_control``: only the fields given change anything."""

    model_config = ConfigDict(extra="forbid")

    reset: bool = Field(default=False, description="first restore every control's default")
    forget: bool = Field(default=False, description="also clear the recorded transfers")
    fail_next: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="answer the next N deliveries with 503, unprocessed"
    )
    fail_rate: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None, description="answer this share of deliveries with 503 (seeded draw)"
    )
    seed: int | None = Field(default=None, description="reseed the random draw")
    delay_ms: Annotated[int, Field(ge=0, le=600_000)] | None = Field(
        default=None, description="wait this long before handling each delivery"
    )
    hang: bool | None = Field(
        default=None, description="never answer deliveries (until hang is set false)"
    )
    drop_receipt_next: Annotated[int, Field(ge=0)] | None = Field(
        default=None,
        description="process the next N deliveries, then answer 503 as if the answer was lost",
    )
    report_status: StatusRequest | None = Field(
        default=None, description="report this status change to the hub now, signed"
    )


class Verdict(StrEnum):
    """What the controls say to do with one delivery."""

    PROCEED = "proceed"
    FAIL = "fail"  # 503 before processing
    DROP_RECEIPT = "drop_receipt"  # process, then 503


class Controls:
    """The current settings and the seeded random draw for ``fail_rate``."""

    def __init__(self, seed: int = 0) -> None:
        self._default_seed = seed
        self.fail_next = 0
        self.fail_rate = 0.0
        self.delay_ms = 0
        self.drop_receipt_next = 0
        self.seed = seed
        # Not for security: a repeatable sequence of failures for tests and benchmarks.
        self._rng = random.Random(seed)  # noqa: S311
        self._released = asyncio.Event()
        self._released.set()

    @property
    def hang(self) -> bool:
        return not self._released.is_set()

    def apply(self, request: ControlRequest) -> None:
        if request.reset:
            self.fail_next = 0
            self.fail_rate = 0.0
            self.delay_ms = 0
            self.drop_receipt_next = 0
            self.reseed(self._default_seed)
            self.release()
        if request.seed is not None:
            self.reseed(request.seed)
        if request.fail_next is not None:
            self.fail_next = request.fail_next
        if request.fail_rate is not None:
            self.fail_rate = request.fail_rate
        if request.delay_ms is not None:
            self.delay_ms = request.delay_ms
        if request.drop_receipt_next is not None:
            self.drop_receipt_next = request.drop_receipt_next
        if request.hang is True:
            self._released.clear()
        elif request.hang is False:
            self.release()

    def release(self) -> None:
        """End a hang: every delivery held answers 503 and the next ones are handled."""
        self._released.set()

    def reseed(self, seed: int) -> None:
        self.seed = seed
        self._rng.seed(seed)

    async def wait(self) -> bool:
        """Apply ``delay_ms`` and ``hang``; True when a hang was released (answer 503)."""
        if self.delay_ms:
            await asyncio.sleep(self.delay_ms / 1000)
        if self._released.is_set():
            return False
        await self._released.wait()
        return True

    def before_processing(self) -> Verdict:
        """Whether to fail this delivery before it is processed (consumes a draw)."""
        if self.fail_next > 0:
            self.fail_next -= 1
            return Verdict.FAIL
        # Draw for every delivery, even at rate 0, so the sequence a seed gives does not
        # depend on when the rate was changed.
        if self._rng.random() < self.fail_rate:
            return Verdict.FAIL
        return Verdict.PROCEED

    def after_processing(self) -> Verdict:
        if self.drop_receipt_next > 0:
            self.drop_receipt_next -= 1
            return Verdict.DROP_RECEIPT
        return Verdict.PROCEED

    def as_dict(self) -> dict[str, Any]:
        return {
            "fail_next": self.fail_next,
            "fail_rate": self.fail_rate,
            "seed": self.seed,
            "delay_ms": self.delay_ms,
            "hang": self.hang,
            "drop_receipt_next": self.drop_receipt_next,
        }

"""A simulated pull-mode agency: it polls the hub's inbox and acknowledges what it reads.

Each round (:meth:`Puller.run_once`) asks ``GET /v1/inbox?limit=N``, and for every
transfer listed: decodes the body, checks it against the ``payload_sha256`` the hub
stated, parses it with the format's adapter, records it in the same
:class:`~saphan.simulate.state.AgencyState` a push agency keeps, and posts a signed
receipt to ``POST /v1/transfers/{id}/receipt``.

A transfer whose acknowledgement the hub accepted is never acknowledged again, even if the
hub lists it once more; one whose acknowledgement failed is acknowledged again with the
receipt already issued, so it is processed once however often it is listed. A transfer
whose bytes do not match their digest, or do not parse, is recorded as rejected and not
acknowledged: the contract has no negative acknowledgement, and the hub must not count it
as delivered.

:meth:`Puller.run` repeats rounds until a stop event is set. What it does not do:
report statuses (see :mod:`.client`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from saphan.clock import Clock, SystemClock
from saphan.errors import DeliveryError, HubError, InputError, Problem
from saphan.ledger.keys import SigningKey
from saphan.simulate.client import HubAnswer, HubClient
from saphan.simulate.reading import read_transfer
from saphan.simulate.receipts import ReceiptSigner, sha256_hex
from saphan.simulate.state import AgencyState, Outcome
from saphan.translate import Adapter, get_adapter
from saphan.translate.adapter import validation_problems

__all__ = ["InboxTransfer", "PullReport", "Puller"]

log = logging.getLogger("saphan.simulate.puller")


class InboxTransfer(BaseModel):
    """One transfer as ``GET /v1/inbox`` lists it; members beyond these are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    transfer_id: str
    case_id: str
    format: str
    media_type: str
    body_b64: str
    payload_sha256: str
    created_at: str


class _Inbox(BaseModel):
    model_config = ConfigDict(extra="ignore")

    transfers: list[dict[str, object]]


@dataclass(slots=True)
class PullReport:
    """What one round did."""

    listed: int = 0
    processed: int = 0
    acknowledged: int = 0
    already_acknowledged: int = 0
    rejected: int = 0
    failed_acknowledgements: int = 0


class Puller:
    """A pull-mode agency: ``code`` speaking ``format_name``, signing with ``key``."""

    def __init__(
        self,
        code: str,
        format_name: str,
        key: SigningKey,
        hub_url: str,
        *,
        state: AgencyState | None = None,
        state_path: Path | None = None,
        adapter: Adapter | None = None,
        limit: int = 50,
        interval_s: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.code = code
        self.format = format_name
        self.adapter = adapter or get_adapter(format_name)
        self.state = state if state is not None else AgencyState(state_path)
        self.limit = limit
        self.interval_s = interval_s
        self._clock = clock or SystemClock()
        self._receipts = ReceiptSigner(code, key)
        self._hub = HubClient(hub_url, code, key, transport=transport, clock=self._clock)

    async def aclose(self) -> None:
        await self._hub.aclose()

    async def run_once(self) -> PullReport:
        """One round: list, process, acknowledge. Raises :class:`DeliveryError` when the
        inbox cannot be read; problems with single transfers are recorded, not raised."""
        answer = await self._hub.inbox(self.limit)
        items = _listed(answer)
        report = PullReport(listed=len(items))
        for index, item in enumerate(items):
            try:
                transfer = InboxTransfer.model_validate(item)
            except ValidationError as exc:
                self.state.count("malformed_listings")
                report.rejected += 1
                log.warning("inbox item %d: %s", index, validation_problems(exc))
                continue
            await self._take(transfer, report)
        return report

    async def _take(self, transfer: InboxTransfer, report: PullReport) -> None:
        tid = transfer.transfer_id
        try:
            body = base64.b64decode(transfer.body_b64, validate=True)
        except (binascii.Error, ValueError):
            body = None
        sha = sha256_hex(body) if body is not None else "-"
        seen = self.state.note_received(tid, transfer.case_id, sha, self._clock.now())
        if seen.status is Outcome.ACKNOWLEDGED:
            self.state.count("duplicates")
            report.already_acknowledged += 1
            return
        try:
            receipt = self._process(transfer, body, sha)
        except InputError as exc:
            self.state.mark_rejected(tid, exc.problems)
            report.rejected += 1
            log.warning("transfer %s refused: %s", tid, exc.detail)
            return
        if receipt is None:
            return
        report.processed += 1
        answer = await self._hub.acknowledge(tid, receipt)
        # 409: the hub already holds a receipt for it (an earlier answer was lost).
        if answer.ok or answer.status == 409:
            self.state.mark_acknowledged(tid, self._clock.now())
            report.acknowledged += 1
        else:
            self.state.count("failed_acknowledgements")
            report.failed_acknowledgements += 1
            log.warning("receipt for %s refused with %d: %s", tid, answer.status, answer.body)

    def _process(self, transfer: InboxTransfer, body: bytes | None, sha: str) -> str | None:
        """The receipt to send: the earlier one when this transfer was already processed."""
        problems: list[Problem] = []
        if body is None:
            problems.append(Problem("/body_b64", "not base64"))
        elif sha != transfer.payload_sha256.lower():
            problems.append(Problem("/payload_sha256", f"the body's SHA-256 is {sha}"))
        if transfer.format != self.format:
            problems.append(
                Problem("/format", f"{transfer.format!r}; this agency reads {self.format!r}")
            )
        if problems:
            raise InputError.from_problems(problems, "the transfer cannot be taken")
        assert body is not None
        seen = self.state.get(transfer.transfer_id)
        if seen is not None and seen.times_processed and seen.receipt is not None:
            if seen.sha256 == sha:
                return seen.receipt
            raise InputError(
                "this transfer id was already processed with other bytes",
                [Problem("/transfer_id", f"{transfer.transfer_id} carried {seen.sha256}")],
            )
        reading = read_transfer(self.adapter, body)
        receipt = self._receipts.issue(
            transfer.case_id, transfer.transfer_id, body, self._clock.now()
        )
        self.state.mark_processed(
            transfer.transfer_id,
            sha256=sha,
            tracking_no=reading.tracking_no,
            records=reading.records,
            body=body,
            receipt=receipt,
        )
        return receipt

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; a full page of new work is followed at once."""
        while not stop.is_set():
            full = False
            try:
                report = await self.run_once()
                # Only new work justifies asking again at once: a hub that keeps listing
                # acknowledged transfers must not turn the loop into a busy one.
                full = report.listed >= self.limit and report.processed > 0
            except HubError as exc:
                log.warning("pull round failed: %s", exc.detail)
            if full:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.interval_s)


def _listed(answer: HubAnswer) -> list[dict[str, object]]:
    if not answer.ok:
        detail = answer.body.get("detail") if isinstance(answer.body, dict) else answer.body
        raise DeliveryError(
            f"the inbox answered {answer.status}", [Problem("/v1/inbox", str(detail))]
        )
    try:
        return _Inbox.model_validate(answer.body).transfers
    except ValidationError as exc:
        raise DeliveryError(
            "the inbox answer is not a list of transfers",
            validation_problems(exc),
        ) from None

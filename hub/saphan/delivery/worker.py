"""The push worker of one hub process: claim due transfers, push them concurrently, record
the outcomes together (one transaction per batch: a group commit).

Several processes run this loop against the same database; claims keep them apart
(:mod:`saphan.store.claims`). A process killed mid-batch loses nothing: its claims expire
and the transfers go out again under the same ids, which receivers deduplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from saphan.delivery import outcome
from saphan.delivery.push import PushClient, PushResult
from saphan.engine.services import Services
from saphan.errors import HubError
from saphan.ledger.entries import ReceiptEntry
from saphan.logs import bind
from saphan.store import claims

log = logging.getLogger("saphan.delivery")


@dataclass(frozen=True, slots=True)
class _Job:
    claim: claims.Claimed
    payload: bytes
    endpoint: str | None


@dataclass(frozen=True, slots=True)
class _Checked:
    """A push's outcome, its receipt already verified (``receipt``) or refused (``error``)."""

    job: _Job
    expected: outcome.Expected
    receipt: str | None
    kid: str
    digest: str
    error: str | None


class PushWorker:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        s = svc.settings
        self.client = PushClient(
            svc.keys.current, timeout_s=s.delivery_timeout_s, concurrency=s.delivery_concurrency
        )
        self._stop = asyncio.Event()
        self.rounds = 0
        #: the previous round's outcomes, being recorded while the next round pushes
        self._recording: asyncio.Task[None] | None = None

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    worked = await self._round()
                except HubError as exc:
                    log.error("delivery round failed: %s", exc.detail)
                    worked = 0
                except Exception:
                    log.exception("delivery round failed")
                    worked = 0
                if not worked:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), self.svc.settings.poll_interval_s)
        finally:
            try:
                await self._settle()
            except Exception:
                log.exception("recording the last delivery round failed")
            await self.client.close()

    async def run_once(self) -> int:
        """One round: claim, push, record. Returns how many transfers it handled."""
        count = await self._round()
        await self._settle()
        return count

    async def _settle(self) -> None:
        """Wait for the previous round's outcomes to be recorded (its errors raise here)."""
        task, self._recording = self._recording, None
        if task is not None:
            await task

    async def _round(self) -> int:
        """Claim and push a round; its outcomes are recorded while the next round claims
        and pushes (one round recorded at a time, in order). The transfers being recorded
        are still leased to this worker, so no round claims them again; after a crash they
        are pushed again when the lease runs out, as after a crash mid-round."""
        jobs = await asyncio.to_thread(self._claim)
        if not jobs:
            await self._settle()
            return 0
        sem = asyncio.Semaphore(self.svc.settings.delivery_concurrency)

        async def one(job: _Job) -> tuple[_Job, PushResult, float]:
            async with sem:
                started = time.perf_counter()
                if job.endpoint is None:
                    return (
                        job,
                        PushResult(False, error="agency has no push endpoint", retryable=True),
                        0.0,
                    )
                result = await self.client.push(
                    job.endpoint,
                    fmt=job.claim.format,
                    body=job.payload,
                    transfer_id=job.claim.id,
                    case_id=job.claim.case_id,
                )
                return job, result, time.perf_counter() - started

        results = await asyncio.gather(*(one(j) for j in jobs))
        await self._settle()
        self._recording = asyncio.create_task(asyncio.to_thread(self._record, results))
        self.rounds += 1
        return len(jobs)

    def _claim(self) -> list[_Job]:
        return self.svc.db.group.run(self._claim_in)

    def _claim_in(self, conn: Connection) -> list[_Job]:
        svc = self.svc
        now = svc.clock.now()
        claimed = claims.claim(
            conn,
            worker=svc.worker_id,
            now=now,
            lease=timedelta(seconds=svc.settings.delivery_lease_s),
            limit=svc.settings.delivery_batch,
        )
        jobs = []
        for c in claimed:
            payload = svc.vault.open(conn, c.case_id, c.sealed_payload)
            agency = svc.directory.find(c.to_agency)
            jobs.append(_Job(c, payload, agency.push_endpoint if agency else None))
        return jobs

    def _record(self, results: list[tuple[_Job, PushResult, float]]) -> None:
        svc = self.svc
        now = svc.clock.now()
        # Receipts are checked before the transaction (signatures are CPU work, and the
        # transaction is the group committer's, shared with intakes).
        checked = [self._check(job, result, seconds, now) for job, result, seconds in results]
        svc.db.group.run(lambda conn: self._record_in(conn, checked, now))

    def _check(self, job: _Job, result: PushResult, seconds: float, now: datetime) -> _Checked:
        svc, c = self.svc, job.claim
        expected = outcome.Expected(c.id, c.case_id, c.to_agency, c.payload_sha256)
        svc.metrics.delivery_latency.labels(c.to_agency).observe(seconds)
        error = result.error
        if result.ok and result.receipt is not None:
            try:
                agency = svc.directory.get(c.to_agency)
                kid, digest = outcome.check_receipt(agency, result.receipt, expected)
            except HubError as exc:
                error = f"receipt refused: {exc.detail}"
            else:
                svc.metrics.handover_latency.labels(c.to_agency).observe(
                    (now - c.created_at).total_seconds()
                )
                return _Checked(job, expected, result.receipt, kid, digest, None)
        return _Checked(job, expected, None, "", "", error or "unknown error")

    def _record_in(self, conn: Connection, checked: list[_Checked], now: datetime) -> None:
        svc = self.svc
        done: list[tuple[outcome.Expected, ReceiptEntry]] = []
        for item in checked:
            c = item.job.claim
            with bind(case_id=c.case_id, transfer_id=c.id):
                if item.receipt is not None:
                    entry = outcome.record_delivery(
                        conn,
                        item.expected,
                        receipt=item.receipt,
                        kid=item.kid,
                        digest=item.digest,
                        worker=svc.worker_id,
                        now=now,
                    )
                    if entry is not None:
                        done.append((item.expected, entry))
                        svc.metrics.deliveries.labels(c.to_agency, "delivered").inc()
                    continue
                svc.metrics.deliveries.labels(c.to_agency, "failed").inc()
                outcome.failed(
                    conn,
                    svc,
                    item.expected,
                    error=item.error or "unknown error",
                    attempts_before=c.attempts,
                    worker=svc.worker_id,
                    now=now,
                )
        # last: the log's sequencer is held from the append to the commit
        outcome.log_deliveries(conn, done, now=now)

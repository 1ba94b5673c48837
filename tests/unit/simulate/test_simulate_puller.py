"""The pull-mode agency against a small fake hub: it signs its calls, checks each body's
digest, parses it, acknowledges each transfer exactly once with a receipt over the decoded
bytes, and retries only an acknowledgement the hub did not accept."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from simulate_helpers import AGENCY_KEY, example, open_receipt, sha256

from saphan.auth import MemoryNonceStore, target_uri, verify_request
from saphan.errors import AuthenticationError, DeliveryError
from saphan.ledger.keys import SigningKey
from saphan.simulate import AgencyState, Puller

HUB = "http://hub.test/saphan"


class FakeHub:
    """The hub's inbox and receipt endpoints, just enough to be pulled from."""

    def __init__(self, *, keep_listing: bool = False) -> None:
        self.keep_listing = keep_listing  # list acknowledged transfers again (a lagging hub)
        self.transfers: dict[str, dict[str, Any]] = {}
        self.acks: dict[str, list[str]] = {}
        self.refuse_next_ack: set[str] = set()
        self.inbox_calls = 0
        self.nonces = MemoryNonceStore()
        self.app = FastAPI()
        self.app.get("/saphan/v1/inbox")(self.inbox)
        self.app.post("/saphan/v1/transfers/{transfer_id}/receipt")(self.receipt)

    def offer(self, transfer_id: str, body: bytes, *, stated_sha: str | None = None) -> None:
        self.transfers[transfer_id] = {
            "transfer_id": transfer_id,
            "case_id": f"C-{transfer_id}",
            "format": "occ",
            "media_type": "application/json",
            "body_b64": base64.b64encode(body).decode("ascii"),
            "payload_sha256": stated_sha or sha256(body),
            "created_at": "2025-06-01T03:00:00Z",
        }

    def _caller(self, request: Request, body: bytes) -> str:
        path = request.scope["raw_path"].decode("latin-1").removeprefix("/saphan")
        url = target_uri(HUB, path, request.scope["query_string"].decode("latin-1"))
        keys = {"OMB": [AGENCY_KEY.public.key]}
        signed = verify_request(
            request.method,
            url,
            request.headers.items(),
            body,
            lambda kid: keys.get(kid, []),
            self.nonces,
            datetime.now(UTC),
        )
        return signed.keyid

    async def inbox(self, request: Request) -> JSONResponse:
        self.inbox_calls += 1
        try:
            self._caller(request, b"")
        except AuthenticationError as exc:
            return JSONResponse(exc.to_problem(), status_code=401)
        limit = int(request.query_params["limit"])
        listed = [
            t for tid, t in self.transfers.items() if self.keep_listing or tid not in self.acks
        ]
        return JSONResponse({"transfers": listed[:limit]})

    async def receipt(self, transfer_id: str, request: Request) -> JSONResponse:
        body = await request.body()
        try:
            self._caller(request, body)
        except AuthenticationError as exc:
            return JSONResponse(exc.to_problem(), status_code=401)
        jws = (await request.json())["receipt"]
        if transfer_id in self.refuse_next_ack:
            self.refuse_next_ack.discard(transfer_id)
            return JSONResponse({"detail": "try later"}, status_code=500)
        self.acks.setdefault(transfer_id, []).append(jws)
        return JSONResponse({"ok": True})


def puller(hub: FakeHub, state: AgencyState | None = None, limit: int = 10) -> Puller:
    return Puller(
        "OMB",
        "occ",
        AGENCY_KEY,
        HUB,
        state=state,
        limit=limit,
        interval_s=0.05,
        transport=httpx.ASGITransport(app=hub.app),
    )


def test_it_pulls_and_acknowledges_each_transfer_once_with_a_true_receipt() -> None:
    hub = FakeHub(keep_listing=True)
    first, _ = example("occ")
    second = first + b"\n"  # other bytes, the same case
    hub.offer("T-1", first)
    hub.offer("T-2", second)
    agency = puller(hub)

    async def rounds() -> list[Any]:
        try:
            return [await agency.run_once(), await agency.run_once()]
        finally:
            await agency.aclose()

    once, twice = asyncio.run(rounds())
    assert (once.listed, once.processed, once.acknowledged) == (2, 2, 2)
    assert (twice.listed, twice.processed, twice.already_acknowledged) == (2, 0, 2)
    assert {tid: len(jws) for tid, jws in hub.acks.items()} == {"T-1": 1, "T-2": 1}
    for tid, body in (("T-1", first), ("T-2", second)):
        receipt = open_receipt(hub.acks[tid][0])
        assert receipt.sha256 == sha256(body)
        assert (receipt.transfer_id, receipt.case_id) == (tid, f"C-{tid}")
        assert (receipt.sender, receipt.receiver) == ("SAPHAN", "OMB")
        record = agency.state.get(tid)
        assert record is not None
        assert record.status == "acknowledged"
        assert (record.times_received, record.times_processed) == (2, 1)
    assert agency.state.totals()["duplicates"] == 2


def test_a_refused_acknowledgement_is_sent_again_with_the_same_receipt() -> None:
    hub = FakeHub()
    body, _ = example("occ")
    hub.offer("T-1", body)
    hub.refuse_next_ack.add("T-1")
    agency = puller(hub)

    async def rounds() -> list[Any]:
        try:
            return [await agency.run_once(), await agency.run_once(), await agency.run_once()]
        finally:
            await agency.aclose()

    failed, retried, idle = asyncio.run(rounds())
    assert failed.failed_acknowledgements == 1
    assert retried.acknowledged == 1
    assert idle.listed == 0
    assert len(hub.acks["T-1"]) == 1
    record = agency.state.get("T-1")
    assert record is not None
    assert record.times_processed == 1  # processed once, acknowledged on the second try
    assert hub.acks["T-1"][0] == record.receipt


def test_a_body_that_does_not_match_its_digest_or_parse_is_not_acknowledged(
    examples: Path,
) -> None:
    hub = FakeHub()
    body, _ = example("occ")
    invalid = (examples / "invalid" / "occ-unknown-topic-no-complainant.json").read_bytes()
    hub.offer("T-corrupt", body, stated_sha=sha256(b"something else"))
    hub.offer("T-invalid", invalid)
    agency = puller(hub)

    async def once() -> Any:
        try:
            return await agency.run_once()
        finally:
            await agency.aclose()

    report = asyncio.run(once())
    assert (report.rejected, report.acknowledged) == (2, 0)
    assert hub.acks == {}
    corrupt = agency.state.get("T-corrupt")
    invalid_record = agency.state.get("T-invalid")
    assert corrupt is not None and invalid_record is not None
    assert corrupt.status == invalid_record.status == "rejected"
    assert corrupt.problems[0]["path"] == "/payload_sha256"
    assert len(invalid_record.problems) >= 2


def test_the_loop_runs_until_stopped_and_keeps_state_in_a_file(tmp_path: Path) -> None:
    hub = FakeHub()
    body, _ = example("occ")
    for i in range(3):
        hub.offer(f"T-{i}", body + b" " * i)
    state = AgencyState(tmp_path / "omb.sqlite")
    agency = puller(hub, state=state, limit=2)

    async def loop() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(agency.run(stop))
        for _ in range(200):
            if len(hub.acks) == 3:
                break
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, timeout=2)
        await agency.aclose()

    asyncio.run(loop())
    assert sorted(hub.acks) == ["T-0", "T-1", "T-2"]
    state.close()
    reopened = AgencyState(tmp_path / "omb.sqlite")
    assert reopened.totals()["acknowledged"] == 3
    assert all(r.times_processed == 1 for r in reopened.records())


def test_an_unauthenticated_inbox_answer_stops_the_round_with_a_delivery_error() -> None:
    hub = FakeHub()
    impostor = Puller(
        "OMB",
        "occ",
        SigningKey.generate(),
        HUB,
        transport=httpx.ASGITransport(app=hub.app),
    )

    async def once() -> None:
        try:
            await impostor.run_once()
        finally:
            await impostor.aclose()

    with pytest.raises(DeliveryError) as refused:
        asyncio.run(once())
    assert "401" in refused.value.detail
    assert hub.inbox_calls == 1

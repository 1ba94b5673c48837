"""An agency's calls to the hub: each is signed so the hub's verifier accepts it under
the agency's code, goes to the contract's path with the contract's body, and comes back
as status + JSON; a hub that cannot be reached is a DeliveryError."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from simulate_helpers import AGENCY_KEY, example

from saphan.auth import MemoryNonceStore, verify_request
from saphan.errors import AuthenticationError, DeliveryError
from saphan.simulate import HubClient, SyncHubClient

HUB = "https://hub.example.go.th/saphan"


def _raw_path(request: httpx.Request) -> str:
    return request.url.raw_path.decode("ascii").partition("?")[0]


class Recorder:
    """A hub stand-in that verifies each request as the hub would and echoes it."""

    def __init__(self) -> None:
        self.nonces = MemoryNonceStore()
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        try:
            who = verify_request(
                request.method,
                str(request.url),
                request.headers.multi_items(),
                request.content,
                lambda kid: [AGENCY_KEY.public.key] if kid == "MOI-DRT-34" else [],
                self.nonces,
                datetime.now(UTC),
            )
        except AuthenticationError as exc:
            return httpx.Response(401, json=exc.to_problem())
        if request.url.path.endswith("/plain"):
            return httpx.Response(200, text="not json")
        return httpx.Response(
            201 if request.method == "POST" else 200,
            json={
                "keyid": who.keyid,
                "path": _raw_path(request),
                "query": request.url.query.decode(),
            },
        )


def test_every_call_is_signed_and_addressed_as_the_contract_says() -> None:
    hub = Recorder()
    body, _ = example("damrongtham")
    at = datetime(2025, 6, 1, 10, 30, tzinfo=timezone(timedelta(hours=7)))
    with SyncHubClient(HUB, "MOI-DRT-34", AGENCY_KEY, transport=httpx.MockTransport(hub)) as c:
        submitted = c.submit("damrongtham", body, idempotency_key="k-1")
        status = c.report_status("C-1", "ACCEPTED", at, note=None)
        case = c.get_case("C-1")
        inbox = c.inbox(limit=7)
        ack = c.acknowledge("T/1", "a.b.c")

    assert [a.status for a in (submitted, status, case, inbox, ack)] == [201, 201, 200, 200, 201]
    assert all(a.ok and a.body["keyid"] == "MOI-DRT-34" for a in (submitted, case, ack))
    assert submitted.body["path"] == "/saphan/v1/inbound/damrongtham"
    assert case.body["path"] == "/saphan/v1/cases/C-1"
    assert inbox.body == {"keyid": "MOI-DRT-34", "path": "/saphan/v1/inbox", "query": "limit=7"}
    assert ack.body["path"] == "/saphan/v1/transfers/T%2F1/receipt"

    sent = {r.url.path.rsplit("/", 1)[-1]: r for r in hub.seen}
    assert sent["damrongtham"].headers["content-type"] == "application/xml"
    assert sent["damrongtham"].headers["idempotency-key"] == "k-1"
    assert sent["damrongtham"].content == body
    assert json.loads(sent["status"].content) == {
        "status": "ACCEPTED",
        "at": "2025-06-01T03:30:00Z",
        "note": None,
    }
    assert json.loads(sent["receipt"].content) == {"receipt": "a.b.c"}


def test_the_async_client_signs_too_and_keeps_a_refusal_as_an_answer() -> None:
    hub = Recorder()
    body, _ = example("occ")

    async def calls() -> list[int]:
        async with HubClient(
            HUB, "MOI-DRT-34", AGENCY_KEY, transport=httpx.MockTransport(hub)
        ) as agency:
            ok = await agency.submit("occ", body)
            plain = await agency.get_case("plain")
        async with HubClient(
            HUB, "OMB", AGENCY_KEY, transport=httpx.MockTransport(hub)
        ) as stranger:
            refused = await stranger.submit("occ", body)
        assert ok.body["path"] == "/saphan/v1/inbound/occ"
        assert plain.body == "not json"
        assert refused.body["errors"][0]["path"] == "/signature/keyid"
        return [ok.status, plain.status, refused.status]

    assert asyncio.run(calls()) == [201, 200, 401]
    assert hub.seen[0].headers["content-type"] == "application/json"


def test_an_unreachable_hub_is_a_delivery_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with (
        SyncHubClient(HUB, "OMB", AGENCY_KEY, transport=httpx.MockTransport(down)) as c,
        pytest.raises(DeliveryError) as failed,
    ):
        c.get_case("C-1")
    assert failed.value.problems[0].path == "/v1/cases/C-1"

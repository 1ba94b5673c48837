"""Pull mode in this process: the suite serves its inbox on a real local port and the
agency's client runs beside it on the same event loop. The reference pull client passes
every pull case (and reports statuses on its own); a client that acknowledges whatever
is listed fails pull-acknowledge-once; one that never signs fails pull-acknowledge."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import httpx
from conformance_helpers import AGENCY_KEY, agency_keys, free_port

from saphan.conformance import Mode, Outcome, SuiteResult, SuiteSettings, run_suite
from saphan.errors import DeliveryError, HubError
from saphan.ledger.keys import SigningKey
from saphan.simulate import HubClient, Puller
from saphan.simulate import Outcome as Seen
from saphan.simulate.receipts import ReceiptSigner

Client = Callable[[str, asyncio.Event], Coroutine[Any, Any, None]]
PULL_CASES = ("messages-render", "pull-acknowledge", "pull-acknowledge-once")
OPTIONAL_CASES = ("pull-lost-acknowledgement", "status-report")


def run_pull(client: Client, *, optional: bool, wait_s: float = 5) -> SuiteResult:
    port = free_port()
    hub_url = f"http://127.0.0.1:{port}"
    settings = SuiteSettings(
        format="occ",
        mode=Mode.PULL,
        agency="OMB",
        agency_keys=agency_keys(),
        hub_key=SigningKey.generate(),
        optional=optional,
        # the pull cases (no --sample here); the optional ones only when asked for
        only=frozenset(PULL_CASES + (OPTIONAL_CASES if optional else ())),
        listen_port=port,
        wait_s=wait_s,
    )

    async def main() -> SuiteResult:
        stop = asyncio.Event()
        task = asyncio.create_task(client(hub_url, stop))
        try:
            return await run_suite(settings)
        finally:
            stop.set()
            await task

    return asyncio.run(main())


async def reference_client(hub_url: str, stop: asyncio.Event) -> None:
    """The reference puller; it also reports "under review" for each case it acknowledged."""
    puller = Puller("OMB", "occ", AGENCY_KEY, hub_url, interval_s=0.05)
    reported: set[str] = set()
    async with HubClient(hub_url, "OMB", AGENCY_KEY) as hub:
        while not stop.is_set():
            try:
                await puller.run_once()
            except HubError:  # the suite's hub does not listen yet, or any more
                await asyncio.sleep(0.05)
                continue
            for record in puller.state.records():
                if record.status is Seen.ACKNOWLEDGED and record.case_id not in reported:
                    reported.add(record.case_id)
                    with contextlib.suppress(DeliveryError):  # the run may just have ended
                        await hub.report_status(record.case_id, "UNDER_REVIEW", datetime.now(UTC))
            await asyncio.sleep(0.05)
    await puller.aclose()


async def acknowledges_everything(hub_url: str, stop: asyncio.Event) -> None:
    """A broken client: it acknowledges every transfer each time it is listed."""
    signer = ReceiptSigner("OMB", AGENCY_KEY)
    async with HubClient(hub_url, "OMB", AGENCY_KEY) as hub:
        while not stop.is_set():
            try:
                listing = await hub.inbox(50)
                for item in listing.body["transfers"] if listing.ok else []:
                    body = base64.b64decode(item["body_b64"])
                    now = datetime.now(UTC)
                    jws = signer.issue(item["case_id"], item["transfer_id"], body, now)
                    await hub.acknowledge(item["transfer_id"], jws)
            except HubError:  # the suite's hub does not listen yet, or any more
                pass
            await asyncio.sleep(0.05)


async def never_signs(hub_url: str, stop: asyncio.Event) -> None:
    """A broken client: its inbox requests carry no signature."""
    async with httpx.AsyncClient(base_url=hub_url) as http:
        while not stop.is_set():
            with contextlib.suppress(httpx.HTTPError):
                await http.get("/v1/inbox", params={"limit": 10})
            await asyncio.sleep(0.05)


def _outcome(result: SuiteResult, name: str) -> Outcome:
    return next(r.outcome for r in result.results if r.name == name)


def test_the_reference_pull_client_passes_every_pull_case() -> None:
    result = run_pull(reference_client, optional=True)
    outcomes = {r.name: (r.outcome, r.reason) for r in result.results}
    for name in (
        "pull-acknowledge",
        "pull-acknowledge-once",
        "pull-lost-acknowledgement",
        "status-report",
    ):
        assert outcomes[name][0] is Outcome.PASSED, outcomes[name]
    assert outcomes["pull-lost-acknowledgement"][1].endswith("with the same receipt")
    assert outcomes["status-report"][1] == "code 'UNDER_REVIEW' (accepted), signed by OMB"


def test_a_client_that_acknowledges_again_fails_acknowledge_once() -> None:
    result = run_pull(acknowledges_everything, optional=False)
    assert _outcome(result, "pull-acknowledge") is Outcome.PASSED
    once = next(r for r in result.results if r.name == "pull-acknowledge-once")
    assert once.outcome is Outcome.FAILED
    assert all(
        "more time(s) after the hub accepted its receipt" in p.message for p in once.problems
    )
    assert len(once.problems) == 3  # every transfer offered


def test_a_client_that_does_not_sign_is_refused_and_named() -> None:
    result = run_pull(never_signs, optional=False, wait_s=1)
    pulled = next(r for r in result.results if r.name == "pull-acknowledge")
    assert pulled.outcome is Outcome.FAILED
    assert pulled.reason.startswith("/v1/inbox: the client did not ask for its inbox")
    assert any(p.message.startswith("missing; the request is not signed") for p in pulled.problems)
    assert _outcome(result, "pull-acknowledge-once") is Outcome.SKIPPED

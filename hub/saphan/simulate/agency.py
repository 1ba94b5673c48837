"""A simulated push-mode agency system: a FastAPI app the hub delivers transfers to.

``POST /inbound`` is what the hub pushes to (hub contract, "Push mode"). The app checks
the hub's RFC 9421 signature against the hub's published keys, counts the arrival,
parses the body with the agency format's adapter (422 problem+json when it does not
parse), and answers ``{"receipt": "<JWS>"}`` signed with the agency's key. A redelivery
of a transfer id already processed gets the same receipt again and is not processed a
second time; bytes that differ from the first delivery's get 409.

For tests, the demo and benchmarks, without authentication; they answer only clients on
the loopback interface (403 otherwise) unless :attr:`AgencyConfig.open_test_interface` is
set, so a simulator bound to a public address cannot be steered or read from outside:

* ``GET /_state``: per transfer id, times received and processed, digest, case id,
  tracking number, outcome, receipt; totals; the current controls and faults;
* ``GET /_received/{transfer_id}``: the bytes as processed;
* ``POST /_control``: make it fail, slow or hang for a while (:mod:`.faults`), or report
  a status change for a case to the hub now (``report_status``; the hub's answer is
  returned under that name);
* ``GET /healthz``.

:class:`AgencyConfig` fault flags make it a deliberately broken agency for the
conformance suite. What it does not do: talk to the hub on its own (reporting status is
:mod:`.client`'s), or run a server (:mod:`.server`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from saphan.api.problems import install as install_problem_handlers
from saphan.api.problems import problem
from saphan.auth import MemoryNonceStore, target_uri
from saphan.clock import Clock, SystemClock
from saphan.errors import (
    AuthenticationError,
    ConfigError,
    ConflictError,
    ForbiddenError,
    InputError,
    NotFoundError,
    Problem,
)
from saphan.ledger.keys import SigningKey
from saphan.simulate.client import HubClient
from saphan.simulate.faults import ControlRequest, Controls, Fault, StatusRequest, Verdict
from saphan.simulate.hubkeys import HubKeys
from saphan.simulate.reading import read_transfer
from saphan.simulate.receipts import ReceiptSigner, sha256_hex
from saphan.simulate.state import AgencyState
from saphan.translate import Adapter, crosswalks, get_adapter

__all__ = ["AgencyConfig", "SimulatedAgency", "create_agency_app", "jwks_url"]

TRANSFER_ID = "saphan-transfer-id"
CASE_ID = "saphan-case-id"


def jwks_url(hub_url: str) -> str:
    """Where a hub publishes its keys."""
    return f"{hub_url.rstrip('/')}/.well-known/jwks.json"


@dataclass(frozen=True)
class AgencyConfig:
    """Everything a simulated push agency needs.

    ``public_url`` is the base URL the hub is configured with for this agency (its
    directory endpoint without ``/inbound``); signatures cover the full URL, so it must
    be the address the hub uses, not the one the server happens to bind. The hub's
    keys come from ``hub_url``'s JWKS, from ``hub_keys``, or both.
    """

    code: str
    format: str
    key: SigningKey
    public_url: str
    hub_url: str | None = None
    hub_keys: Mapping[str, Sequence[Ed25519PublicKey]] | None = None
    state_path: Path | None = None
    faults: frozenset[Fault] = frozenset()
    seed: int = 0
    #: answer the test interface (/_state, /_received, /_control) from any address
    open_test_interface: bool = False
    clock: Clock = field(default_factory=SystemClock)
    #: the format's adapter; looked up by ``format`` when not given
    adapter: Adapter | None = None
    #: how to reach the hub's JWKS (tests pass an in-process transport)
    transport: httpx.AsyncBaseTransport | None = None

    @property
    def endpoint(self) -> str:
        """The URL the directory lists for this agency."""
        return f"{self.public_url.rstrip('/')}/inbound"


class SimulatedAgency:
    """The agency's behaviour, independent of the web framework's routing."""

    def __init__(self, config: AgencyConfig) -> None:
        unverifiable = config.hub_url is None and not config.hub_keys
        if unverifiable and Fault.ACCEPT_UNSIGNED not in config.faults:
            raise ConfigError(
                "a push agency needs the hub's keys to check its signatures",
                [Problem("/hub_url", "give the hub's URL (for its JWKS) or its keys")],
            )
        self.config = config
        self.adapter = config.adapter or get_adapter(config.format)
        self.state = AgencyState(config.state_path)
        self.controls = Controls(config.seed)
        self.receipts = ReceiptSigner(config.code, config.key, config.faults)
        self.hub_keys = HubKeys(
            jwks_url(config.hub_url) if config.hub_url else None,
            config.hub_keys,
            transport=config.transport,
        )
        self.nonces = MemoryNonceStore(clock=config.clock.now)
        self._public_url = config.public_url.rstrip("/")
        target_uri(self._public_url, "/")  # refuse an unusable public URL at start

    def has(self, fault: Fault) -> bool:
        return fault in self.config.faults

    async def deliver(self, request: Request) -> Response:
        """Handle one push from the hub (see the module docstring)."""
        body = await request.body()
        self.state.count("requests")
        if self.has(Fault.ALWAYS_500):
            self.state.count("failed")
            return problem(500, "Internal error", "this agency always fails", kind="internal")
        if not self.has(Fault.ACCEPT_UNSIGNED):
            url = target_uri(
                self._public_url,
                request.scope["raw_path"].decode("latin-1"),
                request.scope["query_string"].decode("latin-1"),
            )
            try:
                await self.hub_keys.authenticate(
                    request.method,
                    url,
                    request.headers.items(),
                    body,
                    self.nonces,
                    self.config.clock.now(),
                )
            except AuthenticationError:
                self.state.count("unauthenticated")
                raise
        transfer_id, case_id = _transfer_headers(request)
        if await self.controls.wait():
            return self._unavailable("the agency was hanging")
        sha = sha256_hex(body)
        self.state.note_received(transfer_id, case_id, sha, self.config.clock.now())
        if self.controls.before_processing() is Verdict.FAIL:
            return self._unavailable("a failure was injected")

        # From here to the answer there is no ``await``: on the event loop, checking for a
        # duplicate, processing and recording happen as one step, so two deliveries of the
        # same transfer at once cannot both be processed.
        receipt = self._process(transfer_id, case_id, body, sha)
        if self.controls.after_processing() is Verdict.DROP_RECEIPT:
            return self._unavailable("processed, but the answer was dropped")
        return JSONResponse({"receipt": receipt})

    def _process(self, transfer_id: str, case_id: str, body: bytes, sha: str) -> str:
        """Process the transfer unless it was already; the receipt to answer either way."""
        seen = self.state.get(transfer_id)
        assert seen is not None  # counted as received just before
        if seen.times_processed and not self.has(Fault.NON_IDEMPOTENT):
            if seen.sha256 != sha or seen.receipt is None:
                self.state.count("conflicts")
                raise ConflictError(
                    "this transfer id was already delivered with other bytes",
                    [
                        Problem(
                            "/headers/saphan-transfer-id", f"{transfer_id} carried {seen.sha256}"
                        )
                    ],
                )
            self.state.count("duplicates")
            return seen.receipt
        try:
            reading = read_transfer(self.adapter, body)
            receipt = self.receipts.issue(case_id, transfer_id, body, self.config.clock.now())
        except InputError as exc:
            self.state.mark_rejected(transfer_id, exc.problems)
            raise
        self.state.mark_processed(
            transfer_id,
            sha256=sha,
            tracking_no=reading.tracking_no,
            records=reading.records,
            body=body,
            receipt=receipt,
        )
        return receipt

    async def report_status(self, request: StatusRequest) -> dict[str, Any]:
        """Report a status change to the hub, signed; the hub's status and answer.

        Without a code, the agency's own code for "in progress" is sent. Raises
        :class:`InputError` when the agency has no hub URL, :class:`DeliveryError` when
        the hub cannot be reached.
        """
        if self.config.hub_url is None:
            raise InputError(
                "this agency does not know the hub's URL",
                [Problem("/report_status", "start the agency with the hub's URL")],
            )
        code = request.status or crosswalks().encode(self.adapter.status_scheme(), "in_progress")
        async with HubClient(
            self.config.hub_url,
            self.config.code,
            self.config.key,
            transport=self.config.transport,
            clock=self.config.clock,
        ) as hub:
            answer = await hub.report_status(
                request.case_id, code, self.config.clock.now(), request.note
            )
        self.state.count("status_reports")
        return {"status": answer.status, "body": answer.body}

    def _unavailable(self, why: str) -> Response:
        self.state.count("injected_failures")
        return problem(503, "Service unavailable", why, kind="unavailable")

    def snapshot(self) -> dict[str, Any]:
        return {
            "agency": self.config.code,
            "format": self.config.format,
            "faults": sorted(self.config.faults),
            "controls": self.controls.as_dict(),
            **self.state.snapshot(),
        }


def _transfer_headers(request: Request) -> tuple[str, str]:
    values = {name: request.headers.get(name, "").strip() for name in (TRANSFER_ID, CASE_ID)}
    missing = [Problem(f"/headers/{name}", "missing") for name, v in values.items() if not v]
    if missing:
        raise InputError("a transfer names its transfer and case", missing)
    return values[TRANSFER_ID], values[CASE_ID]


def create_agency_app(config: AgencyConfig) -> FastAPI:
    """The push agency as an ASGI app; ``app.state.agency`` is its :class:`SimulatedAgency`."""
    agency = SimulatedAgency(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        agency.state.close()

    app = FastAPI(
        title=f"Simulated agency {config.code} ({config.format})",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.agency = agency
    install_problem_handlers(app)

    @app.post("/inbound", summary="a transfer pushed by the hub")
    async def inbound(request: Request) -> Response:
        return await agency.deliver(request)

    def local_only(request: Request) -> None:
        if not config.open_test_interface and not _loopback(request):
            host = request.client.host if request.client else "an unknown address"
            raise ForbiddenError(
                "the test interface answers the loopback interface only",
                [Problem("", f"request from {host}; start the agency with open_test_interface")],
            )

    # every route of the test interface, and nothing else, goes through the check
    test_interface = [Depends(local_only)]

    @app.get(
        "/_state", summary="what the agency received and processed", dependencies=test_interface
    )
    async def state() -> dict[str, Any]:
        return agency.snapshot()

    @app.get(
        "/_received/{transfer_id}",
        summary="the bytes of a processed transfer",
        dependencies=test_interface,
    )
    async def received(transfer_id: str) -> Response:
        body = agency.state.body(transfer_id)
        if body is None:
            raise NotFoundError(
                "no such transfer was processed",
                [Problem("/transfer_id", f"{transfer_id} was not processed here")],
            )
        return Response(body, media_type=agency.adapter.media_type)

    @app.post("/_control", summary="inject failures, delays and hangs", dependencies=test_interface)
    async def control(request: ControlRequest) -> dict[str, Any]:
        agency.controls.apply(request)
        if request.forget:
            agency.state.clear()
        answer = agency.controls.as_dict()
        if request.report_status is not None:
            answer["report_status"] = await agency.report_status(request.report_status)
        return answer

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "agency": config.code}

    return app


def _loopback(request: Request) -> bool:
    if request.client is None:
        return False
    try:
        address = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 on a dual-stack socket
    return address.is_loopback

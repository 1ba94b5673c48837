"""The suite's own hub endpoint, served on a local port while the suite runs.

The agency's system talks to the hub too, and the suite stands in for it:

* ``GET /.well-known/jwks.json``: the suite's hub key (a fresh one per run unless
  ``--hub-key`` names a file), which the agency uses to check the suite's pushes;
* ``POST /v1/cases/{case_id}/status``: the agency reports a status change in its own
  codes; every report is recorded with what is wrong with it;
* ``GET /v1/inbox`` and ``POST /v1/transfers/{id}/receipt``: pull mode (:mod:`.inbox`);
* ``GET /healthz``.

Requests the agency makes must be signed as the hub contract says (RFC 9421, ``keyid``
= the agency's code, one of its keys); a request that is not is answered 401, like the
hub would, and recorded. The signed ``@target-uri`` is rebuilt from the public URL the
agency was given (``--public-url``, else the bound address).

:func:`serving` runs the app with uvicorn on the caller's event loop, without taking over
the process's signal handlers (Ctrl-C stays the command line's).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from saphan.auth import MemoryNonceStore, target_uri, verify_request
from saphan.clock import Clock
from saphan.conformance.agencykeys import AgencyKeys
from saphan.conformance.inbox import Inbox, refusal
from saphan.engine.status import parse_report
from saphan.errors import AuthenticationError, ConfigError, HubError, InputError, Problem
from saphan.ledger.keys import SigningKey
from saphan.simulate.server import base_url, bind
from saphan.translate import crosswalks

__all__ = ["HubSide", "StatusReceived", "serving"]

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True, slots=True)
class StatusReceived:
    """One ``POST /v1/cases/{case_id}/status`` and what was wrong with it."""

    case_id: str
    at: datetime
    answered: int
    keyid: str | None = None
    code: str | None = None
    meaning: str | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.answered == 200


@dataclass(slots=True)
class HubSide:
    """What the suite's hub knows and records (see the module docstring)."""

    hub_key: SigningKey
    agency: str
    keys: AgencyKeys
    status_scheme: str
    clock: Clock
    public_url: str = ""
    cases: set[str] = field(default_factory=set)
    statuses: list[StatusReceived] = field(default_factory=list)
    refused: list[tuple[str, tuple[Problem, ...]]] = field(default_factory=list)
    inbox: Inbox = field(init=False)
    nonces: MemoryNonceStore = field(init=False)

    def __post_init__(self) -> None:
        self.inbox = Inbox(self.agency, self.keys)
        self.nonces = MemoryNonceStore(clock=self.clock.now)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.hub_key.public.jwk()]}

    def authenticate(self, request: Request, body: bytes) -> str:
        """The agency's code when ``request`` is signed by it; AuthenticationError else."""
        scope = request.scope
        url = target_uri(
            self.public_url,
            scope["raw_path"].decode("latin-1"),
            scope["query_string"].decode("latin-1"),
        )

        def resolve(keyid: str) -> list[Ed25519PublicKey]:
            return self.keys.request_keys() if keyid == self.agency else []

        try:
            verified = verify_request(
                request.method,
                url,
                request.headers.items(),
                body,
                resolve,
                self.nonces,
                self.clock.now(),
            )
        except AuthenticationError as exc:
            self.refused.append((f"{request.method} {request.url.path}", tuple(exc.problems)))
            raise
        return verified.keyid

    # Handlers.

    async def status(self, request: Request) -> Response:
        case_id = request.path_params["case_id"]
        body = await request.body()
        now = self.clock.now()
        try:
            keyid = self.authenticate(request, body)
        except AuthenticationError as exc:
            self.statuses.append(StatusReceived(case_id, now, 401, problems=tuple(exc.problems)))
            return _problem(exc)
        try:
            report = parse_report(body)
        except HubError as exc:
            self.statuses.append(
                StatusReceived(case_id, now, exc.http_status, keyid, problems=tuple(exc.problems))
            )
            return _problem(exc)
        meaning = crosswalks().decode(self.status_scheme, report.status)
        problems: list[Problem] = []
        if meaning is None:
            known = ", ".join(crosswalks().codes(self.status_scheme)) or "none"
            problems.append(
                Problem(
                    "/status",
                    f"{report.status!r} is not a {self.status_scheme} code; known: {known}",
                )
            )
        if case_id not in self.cases:
            problems.append(Problem("/case_id", f"{case_id} is not a case the suite sent"))
        answered = 404 if case_id not in self.cases else 422 if problems else 200
        self.statuses.append(
            StatusReceived(case_id, now, answered, keyid, report.status, meaning, tuple(problems))
        )
        if problems:
            return _document(answered, refusal(answered, "the status report is refused", problems))
        return JSONResponse({"case_id": case_id, "status": meaning, "transfers": []})

    async def inbox_list(self, request: Request) -> Response:
        body = await request.body()
        try:
            self.authenticate(request, body)
        except AuthenticationError as exc:
            return _problem(exc)
        try:
            limit = int(request.query_params.get("limit", "50"))
        except ValueError:
            limit = 50
        return JSONResponse(self.inbox.answer_poll(limit, self.clock.now()))

    async def receipt(self, request: Request) -> Response:
        transfer_id = request.path_params["transfer_id"]
        body = await request.body()
        try:
            self.authenticate(request, body)
        except AuthenticationError as exc:
            return _problem(exc)
        jws: str | None = None
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if isinstance(document, dict) and isinstance(document.get("receipt"), str):
            jws = document["receipt"]
        status, answer = self.inbox.acknowledge(transfer_id, jws, self.clock.now())
        return _document(status, answer)

    def app(self) -> Starlette:
        async def jwks(request: Request) -> Response:
            return JSONResponse(self.jwks())

        async def healthz(request: Request) -> Response:
            return JSONResponse({"status": "ok", "role": "saphan conformance suite"})

        return Starlette(
            routes=[
                Route("/.well-known/jwks.json", jwks, methods=["GET"]),
                Route("/healthz", healthz, methods=["GET"]),
                Route("/v1/cases/{case_id}/status", self.status, methods=["POST"]),
                Route("/v1/inbox", self.inbox_list, methods=["GET"]),
                Route("/v1/transfers/{transfer_id}/receipt", self.receipt, methods=["POST"]),
            ]
        )


def _document(status: int, document: Any) -> Response:
    media = PROBLEM_JSON if status >= 400 else "application/json"
    return JSONResponse(document, status_code=status, media_type=media)


def _problem(exc: HubError) -> Response:
    headers = {"WWW-Authenticate": 'Signature realm="saphan"'} if exc.http_status == 401 else None
    return JSONResponse(
        exc.to_problem(), status_code=exc.http_status, media_type=PROBLEM_JSON, headers=headers
    )


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the suite runs inside a command whose
    Ctrl-C must stop the whole run, not only this server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serving(hub: HubSide, host: str, port: int, public_url: str | None) -> AsyncIterator[str]:
    """Serve ``hub`` on ``host:port`` (0 picks a free port) on the running event loop;
    yields the base URL the agency must use, which is also set as ``hub.public_url``."""
    sock = bind(host, port)
    config = uvicorn.Config(
        hub.app(), log_config=None, log_level="warning", access_log=False, lifespan="off"
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise ConfigError(
                    "the suite's hub endpoint did not start",
                    [Problem("/--listen", f"{host}:{port}")],
                )
            await asyncio.sleep(0.01)
        hub.public_url = (public_url or base_url(sock)).rstrip("/")
        try:
            target_uri(hub.public_url, "/")  # refuse an unusable URL before anyone calls
        except InputError as exc:
            raise ConfigError(f"--public-url {public_url}: {exc.detail}", exc.problems) from None
        yield hub.public_url
    finally:
        server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=5)
        except TimeoutError:
            server.force_exit = True
            await task
        sock.close()

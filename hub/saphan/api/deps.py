"""FastAPI dependencies: the hub's services, the authenticated agency, the operator.

Agency authentication reads the whole body (already capped by :class:`BodyLimit`),
rebuilds the signed ``@target-uri`` from the hub's public URL and the raw request path,
and verifies the RFC 9421 signature against the agency's keys in the directory, with the
replay store shared by every process. The verified body travels with the caller so the
route handles exactly the bytes that were signed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from saphan.auth import target_uri, verify_request
from saphan.engine.services import Services
from saphan.errors import AuthenticationError, Problem
from saphan.store.nonces import SqlNonceStore


async def get_services(request: Request) -> Services:
    # async: FastAPI runs a plain def dependency in a worker thread, a hop (and a wake-up
    # of that thread) per request for one attribute read.
    svc: Services = request.app.state.services
    return svc


ServicesDep = Annotated[Services, Depends(get_services)]


@dataclass(frozen=True, slots=True)
class Caller:
    agency: str
    body: bytes


def _base_url(request: Request, svc: Services) -> str:
    if svc.settings.public_url:
        return svc.settings.public_url
    # Development only (production requires public_url): the URL the client used.
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


def _unsigned(request: Request) -> bool:
    return "signature-input" not in request.headers or "signature" not in request.headers


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """A request whose body is read and whose signature is still to be checked.

    :meth:`verify` is synchronous CPU and database work: routes that go to a worker thread
    anyway (intake) call it there, saving a second thread hop per request.
    """

    body: bytes
    check: Callable[[], Caller]

    def verify(self) -> Caller:
        return self.check()


async def signed_request(request: Request, svc: ServicesDep) -> SignedRequest:
    if svc.settings.require_signatures and _unsigned(request):
        # Refused before the body is read, so that nobody unauthenticated makes the hub
        # buffer up to max_body_bytes. The verifier itself names the missing fields: it
        # stops there, before any URL, key, digest or nonce is looked at.
        verify_request(
            request.method,
            str(request.url),
            list(request.headers.items()),
            b"",
            lambda keyid: [],
            request.app.state.nonces,
            svc.clock.now(),
        )
    body = await request.body()
    if not svc.settings.require_signatures:
        agency = request.headers.get("saphan-agency")
        if not agency:
            raise AuthenticationError(
                "no agency named", [Problem("/headers/saphan-agency", "missing")]
            )
        caller = Caller(agency, body)
        return SignedRequest(body, lambda: caller)
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    url = target_uri(
        _base_url(request, svc),
        raw_path.decode("latin-1"),
        request.scope.get("query_string", b"").decode("latin-1"),
    )
    nonces: SqlNonceStore = request.app.state.nonces

    def resolve(keyid: str) -> list[Ed25519PublicKey]:
        agency = svc.directory.find(keyid)
        if agency is None:
            return []
        return [Ed25519PublicKey.from_public_bytes(k.raw) for k in agency.keys]

    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]]
    method, now = request.method, svc.clock.now()
    skew = timedelta(seconds=svc.settings.signature_skew_s)
    validity = timedelta(seconds=svc.settings.signature_max_validity_s)

    def check() -> Caller:
        verified = verify_request(method, url, headers, body, resolve, nonces, now, skew, validity)
        return Caller(verified.keyid, body)

    return SignedRequest(body, check)


SignedDep = Annotated[SignedRequest, Depends(signed_request)]


async def authenticated_agency(signed: SignedDep) -> Caller:
    return await run_in_threadpool(signed.verify)


AgencyDep = Annotated[Caller, Depends(authenticated_agency)]

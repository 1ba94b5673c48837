"""Talking to the hub as an agency: submit, report status, read a case, pull, acknowledge.

Every call is signed with :class:`saphan.auth.SaphanSigner` (``keyid`` = the agency's
code) and returns a :class:`HubAnswer`: the HTTP status and the JSON the hub answered
(a problem document on failure), so callers assert on exactly what the hub said.
:class:`HubClient` is asynchronous (the puller, benchmarks); :class:`SyncHubClient` is the
same for plain scripts and tests. The calls are described once, by :class:`Call`, and
turned into httpx arguments once; each client only does its own (blocking or awaited) I/O.

What it does not do: retry, or judge the answer (a 4xx is a result, not an exception).
Only a hub that cannot be reached at all raises, as :class:`~saphan.errors.DeliveryError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypedDict, TypeVar
from urllib.parse import quote

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from saphan.auth import SaphanSigner
from saphan.clock import Clock, SystemClock
from saphan.errors import DeliveryError, Problem
from saphan.ledger.fields import format_utc
from saphan.ledger.keys import SigningKey

__all__ = ["Call", "HubAnswer", "HubClient", "SyncHubClient", "media_type_for"]

#: Media types of the agency formats (hub contract); any other format sends JSON.
MEDIA_TYPES = {"damrongtham": "application/xml"}


def media_type_for(format_name: str) -> str:
    return MEDIA_TYPES.get(format_name, "application/json")


@dataclass(frozen=True, slots=True)
class HubAnswer:
    """What the hub answered: status, JSON body (text when not JSON, None when empty)."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @classmethod
    def of(cls, response: httpx.Response) -> HubAnswer:
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except ValueError:
                body = response.text
        return cls(response.status_code, body, dict(response.headers))


@dataclass(frozen=True, slots=True)
class Call:
    """One request to the hub, described before it is sent."""

    method: str
    path: str
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str | int] = field(default_factory=dict)

    @staticmethod
    def submit(format_name: str, body: bytes, idempotency_key: str | None = None) -> Call:
        headers = {"Content-Type": media_type_for(format_name)}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return Call("POST", f"/v1/inbound/{quote(format_name, safe='')}", body, headers)

    @staticmethod
    def report_status(case_id: str, code: str, at: datetime, note: str | None = None) -> Call:
        document = {"status": code, "at": format_utc(at), "note": note}
        return _json_call("POST", f"/v1/cases/{quote(case_id, safe='')}/status", document)

    @staticmethod
    def get_case(case_id: str) -> Call:
        return Call("GET", f"/v1/cases/{quote(case_id, safe='')}")

    @staticmethod
    def inbox(limit: int) -> Call:
        return Call("GET", "/v1/inbox", params={"limit": limit})

    @staticmethod
    def acknowledge(transfer_id: str, receipt: str) -> Call:
        path = f"/v1/transfers/{quote(transfer_id, safe='')}/receipt"
        return _json_call("POST", path, {"receipt": receipt})


def _json_call(method: str, path: str, document: dict[str, Any]) -> Call:
    content = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return Call(method, path, content, {"Content-Type": "application/json"})


def _unreachable(hub_url: str, call: Call, exc: httpx.HTTPError) -> DeliveryError:
    return DeliveryError(
        f"the hub at {hub_url} cannot be reached",
        [Problem(call.path, f"{type(exc).__name__}: {exc}")],
    )


def _signer(code: str, key: SigningKey | Ed25519PrivateKey, clock: Clock) -> SaphanSigner:
    private = key.private if isinstance(key, SigningKey) else key
    return SaphanSigner(private, code, clock=clock.now)


class _ClientOptions(TypedDict):
    """How both clients open their httpx client (all but the transport)."""

    base_url: str
    auth: httpx.Auth
    timeout: float
    follow_redirects: bool


def _client_options(
    hub_url: str, code: str, key: SigningKey | Ed25519PrivateKey, timeout_s: float, clock: Clock
) -> _ClientOptions:
    return _ClientOptions(
        base_url=hub_url,
        auth=_signer(code, key, clock),
        timeout=timeout_s,
        # Redirects are not followed: a signature for one URL must not go to another.
        follow_redirects=False,
    )


class _RequestArgs(TypedDict):
    """One :class:`Call` as the arguments of ``request`` on either httpx client."""

    method: str
    url: str
    content: bytes | None
    headers: dict[str, str]
    params: dict[str, str | int]


def _request_args(call: Call) -> _RequestArgs:
    return _RequestArgs(
        method=call.method,
        url=call.path,
        content=call.content or None,
        headers=dict(call.headers),
        params=dict(call.params),
    )


_TransportT = TypeVar("_TransportT", httpx.BaseTransport, httpx.AsyncBaseTransport)
_HttpT = TypeVar("_HttpT", httpx.Client, httpx.AsyncClient)


class _Connection(Generic[_TransportT, _HttpT]):
    """What both clients are built from: the hub's address, the agency's code, and an
    httpx client that signs every request. Each client opens its own kind of httpx client
    (:meth:`_open`) and does its own I/O with it."""

    def __init__(
        self,
        hub_url: str,
        code: str,
        key: SigningKey | Ed25519PrivateKey,
        *,
        transport: _TransportT | None = None,
        timeout_s: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        self.hub_url = hub_url.rstrip("/")
        self.code = code
        options = _client_options(self.hub_url, code, key, timeout_s, clock or SystemClock())
        self._http: _HttpT = self._open(transport, options)

    def _open(self, transport: _TransportT | None, options: _ClientOptions) -> _HttpT:
        raise NotImplementedError


class HubClient(_Connection[httpx.AsyncBaseTransport, httpx.AsyncClient]):
    """An agency's asynchronous, signed connection to the hub."""

    def _open(
        self, transport: httpx.AsyncBaseTransport | None, options: _ClientOptions
    ) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=transport, **options)

    async def send(self, call: Call) -> HubAnswer:
        try:
            response = await self._http.request(**_request_args(call))
        except httpx.HTTPError as exc:
            raise _unreachable(self.hub_url, call, exc) from None
        return HubAnswer.of(response)

    async def submit(
        self, format_name: str, body: bytes, idempotency_key: str | None = None
    ) -> HubAnswer:
        """``POST /v1/inbound/{format}``: submit a message in the agency's format."""
        return await self.send(Call.submit(format_name, body, idempotency_key))

    async def report_status(
        self, case_id: str, code: str, at: datetime, note: str | None = None
    ) -> HubAnswer:
        """``POST /v1/cases/{case_id}/status`` with the agency's own status code."""
        return await self.send(Call.report_status(case_id, code, at, note))

    async def get_case(self, case_id: str) -> HubAnswer:
        """``GET /v1/cases/{case_id}``: the case and its timeline."""
        return await self.send(Call.get_case(case_id))

    async def inbox(self, limit: int = 50) -> HubAnswer:
        """``GET /v1/inbox?limit=N``: transfers waiting for this agency."""
        return await self.send(Call.inbox(limit))

    async def acknowledge(self, transfer_id: str, receipt: str) -> HubAnswer:
        """``POST /v1/transfers/{transfer_id}/receipt`` with the agency's receipt."""
        return await self.send(Call.acknowledge(transfer_id, receipt))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class SyncHubClient(_Connection[httpx.BaseTransport, httpx.Client]):
    """The same calls as :class:`HubClient`, blocking."""

    def _open(self, transport: httpx.BaseTransport | None, options: _ClientOptions) -> httpx.Client:
        return httpx.Client(transport=transport, **options)

    def send(self, call: Call) -> HubAnswer:
        try:
            response = self._http.request(**_request_args(call))
        except httpx.HTTPError as exc:
            raise _unreachable(self.hub_url, call, exc) from None
        return HubAnswer.of(response)

    def submit(
        self, format_name: str, body: bytes, idempotency_key: str | None = None
    ) -> HubAnswer:
        return self.send(Call.submit(format_name, body, idempotency_key))

    def report_status(
        self, case_id: str, code: str, at: datetime, note: str | None = None
    ) -> HubAnswer:
        return self.send(Call.report_status(case_id, code, at, note))

    def get_case(self, case_id: str) -> HubAnswer:
        return self.send(Call.get_case(case_id))

    def inbox(self, limit: int = 50) -> HubAnswer:
        return self.send(Call.inbox(limit))

    def acknowledge(self, transfer_id: str, receipt: str) -> HubAnswer:
        return self.send(Call.acknowledge(transfer_id, receipt))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

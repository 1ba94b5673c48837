"""Shared material for the simulator tests: the hub's and an agency's keys, example
bodies, a signed push to an in-process agency app, and receipt checking."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Coroutine, Iterable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from conftest import EXAMPLES

from saphan.auth import SaphanSigner
from saphan.ledger.keys import SigningKey
from saphan.ledger.receipts import ReceiptPayload, verify_receipt
from saphan.simulate import AgencyConfig, Fault, create_agency_app
from saphan.translate import get_adapter

T = TypeVar("T")

PUBLIC = "http://agency.test"
HUB_KEY = SigningKey.generate()
AGENCY_KEY = SigningKey.generate()

#: one example message per format, and the media type the hub pushes it with
BODIES = {
    "damrongtham": ("damrongtham/escalation-warin-chamrap.xml", "application/xml"),
    "occ": ("occ/referral-from-warin-chamrap.json", "application/json"),
    "pmo1111": ("pmo1111/batch-three-records.json", "application/json"),
}


def example(format_name: str) -> tuple[bytes, str]:
    relative, media_type = BODIES[format_name]
    return (EXAMPLES / relative).read_bytes(), media_type


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def first_tracking_no(format_name: str, body: bytes) -> str | None:
    """What the format's adapter itself reads as the first record's tracking number."""
    record = get_adapter(format_name).parse(body).records[0]
    return record.tracking_no or (record.case.origin.ref if record.case else None)


def config(
    format_name: str = "occ",
    *,
    code: str = "OMB",
    faults: Iterable[Fault] = (),
    state_path: Path | None = None,
    seed: int = 0,
) -> AgencyConfig:
    return AgencyConfig(
        code=code,
        format=format_name,
        key=AGENCY_KEY,
        public_url=PUBLIC,
        hub_keys={HUB_KEY.kid: [HUB_KEY.public.key]},
        state_path=state_path,
        faults=frozenset(faults),
        seed=seed,
    )


class AppClient:
    """A blocking client for an ASGI app in this process, on one event loop kept for its
    lifetime (so the app's asyncio objects stay usable between calls)."""

    def __init__(
        self, app: Any, base_url: str = PUBLIC, address: tuple[str, int] = ("127.0.0.1", 123)
    ) -> None:
        self.app = app
        self._runner = asyncio.Runner()
        transport = httpx.ASGITransport(app=app, client=address)
        self.http = httpx.AsyncClient(transport=transport, base_url=base_url)

    def run(self, awaitable: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(awaitable)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.run(self.http.post(url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.run(self.http.get(url, **kwargs))

    def __enter__(self) -> AppClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.run(self.http.aclose())
        self._runner.close()


def client(agency_config: AgencyConfig) -> AppClient:
    return AppClient(create_agency_app(agency_config))


def hub_signer(key: SigningKey = HUB_KEY) -> SaphanSigner:
    return SaphanSigner(key.private, key.kid)


def push(
    http: AppClient,
    body: bytes,
    *,
    transfer_id: str = "T-0001",
    case_id: str = "C-2025-0001",
    media_type: str = "application/json",
    auth: httpx.Auth | None = None,
) -> httpx.Response:
    """POST /inbound the way the hub does: signed, with the transfer headers."""
    return http.post(
        "/inbound",
        content=body,
        headers={
            "Content-Type": media_type,
            "Saphan-Transfer-Id": transfer_id,
            "Saphan-Case-Id": case_id,
        },
        auth=auth if auth is not None else hub_signer(),
    )


def open_receipt(jws: str) -> ReceiptPayload:
    """The receipt's payload, verified with the agency's key as the directory lists it."""
    return verify_receipt(jws, lambda kid: AGENCY_KEY.public.key if kid == AGENCY_KEY.kid else None)


def state(http: AppClient) -> dict[str, object]:
    answer = http.get("/_state")
    assert answer.status_code == 200
    document: dict[str, object] = answer.json()
    return document

"""Both ends agree: requests signed by SaphanSigner in httpx (sync and async) pass
verify_request in a server that rebuilds @target-uri from its public base URL, behind a
proxy that forwards to another address and strips the base path."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import pytest
from auth_helpers import AGENCY, BASE, NOW, KeyDirectory
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from saphan.auth import MemoryNonceStore, SaphanSigner, target_uri, verify_request
from saphan.errors import AuthenticationError, InputError

PREFIX = "/saphan"  # the path of BASE, which the proxy strips before forwarding


class Hub:
    """A stand-in server: what the proxy forwards, and what the hub must do with it."""

    def __init__(self, directory: KeyDirectory, public_base: str = BASE) -> None:
        self.directory = directory
        self.public_base = public_base
        self.nonces = MemoryNonceStore(clock=lambda: NOW)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        # The proxy: https://hub.example.go.th/saphan/... -> http://10.0.0.5:8000/...
        raw_path, _, query = request.url.raw_path.decode("ascii").partition("?")
        assert raw_path.startswith(PREFIX)
        app_path = raw_path[len(PREFIX) :]
        # The hub: rebuild what the client signed from the configured public base URL.
        url = target_uri(self.public_base, app_path, query)
        try:
            who = verify_request(
                request.method,
                url,
                request.headers.multi_items(),
                request.content,
                self.directory,
                self.nonces,
                NOW,
            )
        except AuthenticationError as exc:
            return httpx.Response(401, json=exc.to_problem())
        return httpx.Response(200, json={"keyid": who.keyid, "path": app_path, "query": query})


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def hub(key: Ed25519PrivateKey) -> Hub:
    directory = KeyDirectory()
    directory.add(AGENCY, key)
    return Hub(directory)


def client(hub: Hub, key: Ed25519PrivateKey) -> httpx.Client:
    auth = SaphanSigner(key, AGENCY, clock=lambda: NOW)
    return httpx.Client(base_url=BASE, transport=httpx.MockTransport(hub), auth=auth)


def test_a_sync_post_and_a_get_with_an_encoded_query_verify(
    hub: Hub, key: Ed25519PrivateKey
) -> None:
    with client(hub, key) as c:
        posted = c.post("/v1/inbound/occ", json={"subject": "ถนนชำรุด"})
        pulled = c.get("/v1/inbox", params={"limit": 5, "q": "ก ข"})
    assert posted.status_code == 200, posted.text
    assert posted.json()["path"] == "/v1/inbound/occ"
    assert pulled.status_code == 200, pulled.text
    assert pulled.json()["query"] == "limit=5&q=%E0%B8%81+%E0%B8%82"
    assert all("signature" in r.headers and "content-digest" in r.headers for r in hub.seen)


def test_an_async_client_signs_the_same_way(hub: Hub, key: Ed25519PrivateKey) -> None:
    async def run() -> list[httpx.Response]:
        auth = SaphanSigner(key, AGENCY, clock=lambda: NOW)
        transport = httpx.MockTransport(hub)
        async with httpx.AsyncClient(base_url=BASE, transport=transport, auth=auth) as c:
            return [
                await c.post(
                    "/v1/transfers/T-1/receipt",
                    content=b"{}",
                    headers={"content-type": "application/json"},
                ),
                await c.get("/v1/cases/C-1"),
            ]

    responses = asyncio.run(run())
    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]


def test_a_server_that_rebuilds_the_url_from_its_own_address_refuses(
    key: Ed25519PrivateKey,
) -> None:
    directory = KeyDirectory()
    directory.add(AGENCY, key)
    misconfigured = Hub(directory, public_base="http://10.0.0.5:8000")
    with client(misconfigured, key) as c:
        response = c.post("/v1/inbound/occ", json={"subject": "x"})
    assert response.status_code == 401
    assert [e["path"] for e in response.json()["errors"]] == ["/signature"]


def test_a_captured_request_sent_again_is_a_replay(hub: Hub, key: Ed25519PrivateKey) -> None:
    with client(hub, key) as c:
        assert c.post("/v1/inbound/occ", json={"subject": "x"}).status_code == 200
    captured = hub.seen[-1]
    with httpx.Client(transport=httpx.MockTransport(hub)) as attacker:
        again = attacker.post(captured.url, content=captured.content, headers=captured.headers)
    assert again.status_code == 401
    assert again.json()["errors"][0]["message"].startswith("replayed")


def test_a_request_changed_after_signing_is_refused(hub: Hub, key: Ed25519PrivateKey) -> None:
    def tamper(request: httpx.Request) -> httpx.Response:
        request.headers["content-type"] = "text/plain"
        return hub(request)

    auth = SaphanSigner(key, AGENCY, clock=lambda: NOW)
    with httpx.Client(base_url=BASE, transport=httpx.MockTransport(tamper), auth=auth) as c:
        response = c.post("/v1/inbound/occ", json={"subject": "x"})
    assert response.status_code == 401
    assert [e["path"] for e in response.json()["errors"]] == ["/signature"]


def test_an_expired_clock_on_the_client_is_refused(hub: Hub, key: Ed25519PrivateKey) -> None:
    auth = SaphanSigner(key, AGENCY, clock=lambda: NOW - timedelta(minutes=10))
    with httpx.Client(base_url=BASE, transport=httpx.MockTransport(hub), auth=auth) as c:
        response = c.get("/v1/inbox")
    assert response.status_code == 401
    assert response.json()["errors"][0]["path"] == "/signature/expires"


def test_a_body_without_content_type_is_not_signed(hub: Hub, key: Ed25519PrivateKey) -> None:
    with client(hub, key) as c, pytest.raises(InputError):
        c.post("/v1/inbound/occ", content=b"<xml/>")
    assert hub.seen == []


def test_the_problem_names_every_error_in_rfc_9457_form(hub: Hub, key: Ed25519PrivateKey) -> None:
    with httpx.Client(base_url=BASE, transport=httpx.MockTransport(hub)) as c:
        response = c.post("/v1/inbound/occ", json={})
    body = json.loads(response.text)
    assert response.status_code == 401 and body["status"] == 401
    assert {e["path"] for e in body["errors"]} == {"/headers/signature-input", "/headers/signature"}

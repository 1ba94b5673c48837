"""The hub's real app in this process for the security tests: requests over
``httpx.ASGITransport`` (the lifespan started, bodies streamed as a server would), signed
by hand so that each test can break one part of a signature, and the checks every error
answer must pass.

Also: the demo people's personal data, read from example files by the adapters themselves,
so that tests can look for it in bytes, JSON and logs.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Coroutine, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from hubkit import AgencyKeys, make_hub

from saphan.api.app import create_app
from saphan.auth import sign_request
from saphan.canonical import Case
from saphan.clock import FixedClock
from saphan.engine.services import Services
from saphan.translate import get_adapter

T = TypeVar("T")
BASE = "http://hub.test"
PROBLEM = "application/problem+json"
MEDIA = {"damrongtham": "application/xml", "occ": "application/json", "pmo1111": "application/json"}

#: What an answer to a client must never show: tracebacks, source or data paths, SQL.
INTERNALS = re.compile(
    re.escape(str(Path(__file__).resolve().parents[2].parent))  # where the project lives
    + r"|Traceback|File \"|\.py\b|/home/|/tmp/|site-packages|sqlalchemy|sqlite|psycopg"
    r"|\bSELECT\b.*\bFROM\b|\bINSERT INTO\b|\bUPDATE\b.*\bSET\b|\bWHERE\b",
    re.IGNORECASE,
)


def assert_problem(answer: httpx.Response, status: int) -> dict[str, Any]:
    """An RFC 9457 answer with ``status``, a non-empty ``errors`` list and no internals."""
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"].startswith(PROBLEM), answer.headers
    body: dict[str, Any] = answer.json()
    assert body["status"] == status and body["title"] and body["type"]
    assert isinstance(body["errors"], list) and body["errors"], body
    assert all(set(e) == {"path", "message"} for e in body["errors"]), body["errors"]
    assert not INTERNALS.search(answer.text), answer.text
    return body


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Hub:
    """One app over one ``Services``; call it with :meth:`send` / :meth:`signed`."""

    svc: Services
    keys: AgencyKeys
    clock: FixedClock
    app: FastAPI
    _runner: asyncio.Runner = field(default_factory=asyncio.Runner)
    _lifespan: AbstractAsyncContextManager[Any] | None = None
    http: httpx.AsyncClient | None = None

    def start(self) -> Hub:
        self._lifespan = self.app.router.lifespan_context(self.app)
        self.run(self._lifespan.__aenter__())
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=BASE)
        return self

    def stop(self) -> None:
        if self.http is not None:
            self.run(self.http.aclose())
        if self._lifespan is not None:
            self.run(self._lifespan.__aexit__(None, None, None))
        self._runner.close()

    def run(self, awaitable: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(awaitable)

    def send(
        self, method: str, path: str, body: bytes | AsyncIterator[bytes] = b"", **headers: str
    ) -> httpx.Response:
        assert self.http is not None
        clean = {k.replace("_", "-"): v for k, v in headers.items()}
        return self.run(self.http.request(method, path, content=body or None, headers=clean))

    def signature(
        self,
        code: str,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        content_type: str | None = None,
        key: Ed25519PrivateKey | None = None,
        at: datetime | None = None,
        ttl: timedelta = timedelta(minutes=5),
    ) -> dict[str, str]:
        """The headers (Content-Type included) that sign this request as ``code``."""
        headers = {"Content-Type": content_type} if content_type else {}
        if body and not content_type:
            headers["Content-Type"] = "application/json"
        signed = sign_request(
            method,
            BASE + path,
            headers,
            body,
            key or self.keys[code].private,
            code,
            at or self.clock.now(),
            ttl,
        )
        return {**headers, **signed}

    def signed(
        self, code: str, method: str, path: str, body: bytes = b"", **options: Any
    ) -> httpx.Response:
        headers = self.signature(code, method, path, body, **options)
        return self.send(method, path, body, **headers)

    def submit(self, code: str, fmt: str, body: bytes) -> httpx.Response:
        return self.signed(code, "POST", f"/v1/inbound/{fmt}", body, content_type=MEDIA[fmt])


@contextmanager
def running(services: Services, keys: AgencyKeys, clock: FixedClock) -> Iterator[Hub]:
    hub = Hub(services, keys, clock, create_app(services.settings, services=services)).start()
    try:
        yield hub
    finally:
        hub.stop()


@contextmanager
def in_process_hub(db_url: str, data_dir: Path, **overrides: Any) -> Iterator[Hub]:
    """A hub on ``db_url`` whose clock stands at the real time (nonces expire as in life).

    ``overrides`` are settings fields of any type; ``Settings`` validates them.
    """
    svc, keys, clock = make_hub(db_url, data_dir, clock=FixedClock(now_utc()), **overrides)
    try:
        with running(svc, keys, clock) as hub:
            yield hub
    finally:
        svc.close()


async def chunks(count: int, size: int, taken: list[int]) -> AsyncIterator[bytes]:
    """``count`` chunks of ``size`` bytes, noting in ``taken`` how many were pulled."""
    for _ in range(count):
        taken.append(size)
        yield b"x" * size


# -- the people of the example messages ----------------------------------------------------


def cases_of(fmt: str, data: bytes) -> list[Case]:
    return get_adapter(fmt).parse(data).cases


def phone_forms(e164: str) -> set[str]:
    """``+66812345678`` as people and systems write it: ``0812345678``, ``081-234-5678``."""
    local = "0" + e164.removeprefix("+66")
    forms = {e164, local}
    if len(local) == 10:
        forms.add(f"{local[:3]}-{local[3:6]}-{local[6:]}")
    return forms


def identity_strings(case: Case) -> set[str]:
    """The complainant's name, citizen ID, phone and e-mail as they may appear in text."""
    c = case.complainant
    found = {v for v in (c.given_name, c.family_name, c.citizen_id, c.email) if v}
    if c.phone:
        found |= phone_forms(c.phone)
    if c.address and c.address.line:
        found.add(c.address.line)
    return found


def personal_strings(case: Case) -> set[str]:
    """Identity plus what the complaint says (title, detail, request)."""
    m = case.matter
    return identity_strings(case) | {v for v in (m.title, m.detail, m.request) if v}


def found_in(data: bytes, needles: Iterable[str]) -> list[str]:
    """Which needles appear in ``data`` as UTF-8, TIS-620 or JSON-escaped text."""
    hits = []
    for needle in needles:
        forms = {needle.encode(), json.dumps(needle).strip('"').encode()}
        with suppress(UnicodeEncodeError):
            forms.add(needle.encode("tis-620"))
        if any(form in data for form in forms):
            hits.append(needle)
    return hits

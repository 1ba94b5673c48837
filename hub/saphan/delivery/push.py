"""The push transport: one signed POST of a transfer's exact bytes to an agency endpoint.

Uses one pooled ``aiohttp`` session per worker (its client costs a fraction of httpx's CPU per
request, and the HTTP client is a large part of a delivery's cost). Each request is signed
with RFC 9421 by the hub's current key and carries ``Saphan-Transfer-Id`` and
``Saphan-Case-Id``. tenacity retries a failed connection set-up within this one attempt
only; the durable retry schedule is the outbox's (:mod:`saphan.delivery.retry`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_fixed

from saphan.auth import sign_request
from saphan.ledger.keys import SigningKey

MEDIA_TYPES = {"damrongtham": "application/xml"}
MAX_ANSWER = 64 * 1024


@dataclass(frozen=True, slots=True)
class PushResult:
    ok: bool
    receipt: str | None = None
    error: str | None = None
    retryable: bool = True


def media_type(fmt: str) -> str:
    return MEDIA_TYPES.get(fmt, "application/json")


class PushClient:
    def __init__(self, key: SigningKey, *, timeout_s: float, concurrency: int = 16) -> None:
        self._key = key
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._concurrency = concurrency
        self._session: aiohttp.ClientSession | None = None

    async def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._concurrency * 2, limit_per_host=self._concurrency
            )
            self._session = aiohttp.ClientSession(timeout=self._timeout, connector=connector)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def push(
        self, url: str, *, fmt: str, body: bytes, transfer_id: str, case_id: str
    ) -> PushResult:
        session = await self._open()
        headers = {
            "Content-Type": media_type(fmt),
            "Saphan-Transfer-Id": transfer_id,
            "Saphan-Case-Id": case_id,
        }
        headers.update(
            sign_request(
                "POST", url, headers, body, self._key.private, self._key.kid, datetime.now(UTC)
            )
        )
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(aiohttp.ClientConnectorError),
                stop=stop_after_attempt(2),
                wait=wait_fixed(0.05),
                reraise=True,
            ):
                with attempt:
                    async with session.post(url, data=body, headers=headers) as resp:
                        raw = await resp.content.read(MAX_ANSWER + 1)
                        status = resp.status
        except TimeoutError:
            return PushResult(False, error="no answer in time")
        except aiohttp.ClientError as exc:
            return PushResult(False, error=f"connection failed: {type(exc).__name__}")
        if not 200 <= status < 300:
            return PushResult(False, error=f"HTTP {status}: {_snippet(raw)}")
        try:
            answer = json.loads(raw)
            receipt = answer["receipt"]
            if not isinstance(receipt, str):
                raise TypeError("receipt is not a string")
        except (ValueError, KeyError, TypeError) as exc:
            return PushResult(False, error=f"answer without a receipt: {exc}")
        return PushResult(True, receipt=receipt)


def _snippet(raw: bytes) -> str:
    text = raw[:200].decode("utf-8", errors="replace")
    return " ".join(text.split())

"""The suite acting as the hub in push mode: POST a transfer to the agency's endpoint.

A push is what :mod:`saphan.delivery.push` sends: the exact bytes, ``Content-Type`` of
the format, ``Saphan-Transfer-Id`` and ``Saphan-Case-Id``, and an RFC 9421 signature by
the hub's key (``keyid`` = its key id). The cases also need pushes the hub would never
send, so :meth:`Pusher.prepare` and :meth:`Pusher.send` are separate: a case may drop
the signature, change the body after signing, sign with a key the hub never published,
sign at another time, or send one signed request twice.

Every answer comes back as an :class:`Answer` (status, media type, bytes, JSON when it
is JSON); only an endpoint that cannot be reached raises, as
:class:`~saphan.errors.DeliveryError`. :func:`post` does that for any of the agency's
addresses (its control interface too). Judging the answer is the cases' business.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from saphan.auth import sign_request
from saphan.auth.policy import DEFAULT_TTL
from saphan.clock import Clock
from saphan.errors import DeliveryError, Problem
from saphan.ledger.keys import SigningKey

__all__ = ["MAX_ANSWER", "Answer", "Prepared", "Pusher", "post"]

#: Longest answer read from an agency; a receipt answer is a few hundred bytes.
MAX_ANSWER = 256 * 1024
PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the agency answered."""

    status: int
    media_type: str
    content: bytes
    document: Any = None

    @classmethod
    def of(cls, response: httpx.Response) -> Answer:
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        content = response.content[:MAX_ANSWER]
        document: Any = None
        if content:
            try:
                document = json.loads(content)
            except ValueError:
                document = None
        return cls(response.status_code, media, content, document)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def receipt(self) -> str | None:
        """The ``receipt`` member of a JSON object answer, when it is a string."""
        if isinstance(self.document, dict):
            value = self.document.get("receipt")
            return value if isinstance(value, str) else None
        return None

    @property
    def has_receipt_member(self) -> bool:
        return isinstance(self.document, dict) and "receipt" in self.document

    @property
    def is_problem(self) -> bool:
        return self.media_type == PROBLEM_JSON and isinstance(self.document, dict)

    def brief(self) -> str:
        """``HTTP 422 application/problem+json: <detail>``, for reasons and notes."""
        text = f"HTTP {self.status}"
        if self.media_type:
            text += f" {self.media_type}"
        detail: Any = None
        if isinstance(self.document, dict):
            detail = self.document.get("detail") or self.document.get("title")
        elif self.content:
            detail = self.content[:120].decode("utf-8", errors="replace")
        if detail:
            text += f": {' '.join(str(detail).split())[:160]}"
        return text


@dataclass(frozen=True, slots=True)
class Prepared:
    """A request ready to send: the headers (signed or not) and the body."""

    headers: dict[str, str]
    body: bytes
    transfer_id: str
    case_id: str
    sent_at: datetime


class Pusher:
    """POSTs transfers to ``target`` as the hub whose key is ``hub_key``."""

    def __init__(
        self, target: str, hub_key: SigningKey, http: httpx.AsyncClient, clock: Clock
    ) -> None:
        self.target = target
        self.hub_key = hub_key
        self._http = http
        self._clock = clock

    def prepare(
        self,
        body: bytes,
        media_type: str,
        *,
        transfer_id: str,
        case_id: str,
        sign: bool = True,
        key: SigningKey | None = None,
        at: datetime | None = None,
        ttl: timedelta = DEFAULT_TTL,
    ) -> Prepared:
        """The headers the hub sends with ``body``; signed by ``key`` (default: the
        hub's) at ``at`` (default: now) unless ``sign`` is False."""
        now = self._clock.now()
        headers = {
            "Content-Type": media_type,
            "Saphan-Transfer-Id": transfer_id,
            "Saphan-Case-Id": case_id,
        }
        if sign:
            signer = key or self.hub_key
            headers.update(
                sign_request(
                    "POST", self.target, headers, body, signer.private, signer.kid, at or now, ttl
                )
            )
        return Prepared(headers, body, transfer_id, case_id, now)

    async def send(self, prepared: Prepared, body: bytes | None = None) -> Answer:
        """Send ``prepared``; ``body`` replaces its body (a change after signing)."""
        return await post(
            self._http,
            self.target,
            f"the agency's endpoint {self.target}",
            "/target",
            content=prepared.body if body is None else body,
            headers=prepared.headers,
        )

    async def deliver(
        self, body: bytes, media_type: str, *, transfer_id: str, case_id: str
    ) -> tuple[Prepared, Answer]:
        """One ordinary signed push, as the hub makes it."""
        prepared = self.prepare(body, media_type, transfer_id=transfer_id, case_id=case_id)
        return prepared, await self.send(prepared)


async def post(
    http: httpx.AsyncClient,
    url: str,
    what: str,
    path: str,
    *,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    json: Any = None,
) -> Answer:
    """POST to one of the agency's addresses (``what`` names it) and read its answer;
    when it cannot be reached, a :class:`DeliveryError` with the reason at ``path``."""
    try:
        response = await http.post(url, content=content, headers=headers, json=json)
    except httpx.HTTPError as exc:
        raise DeliveryError(
            f"{what} cannot be reached", [Problem(path, f"{type(exc).__name__}: {exc}")]
        ) from None
    return Answer.of(response)

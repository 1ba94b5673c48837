"""What every case works with: the settings, the suite's hub endpoint, a push client,
the messages to deliver, the results so far, and a way to tell the person at the
terminal what the suite is waiting for.

:class:`Context` is built once per run by the runner. It also carries the few things
one case leaves for another (the transfers the agency pulled, for instance), by name in
``shared``, so that a case never reaches into another's locals.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from saphan.conformance.fixtures import Message
from saphan.conformance.hubside import HubSide
from saphan.conformance.model import CaseResult
from saphan.conformance.pusher import Answer, Pusher, post
from saphan.conformance.settings import SuiteSettings
from saphan.errors import ConfigError, DeliveryError, Problem
from saphan.translate import Adapter

__all__ = ["Context", "new_id"]


def new_id() -> str:
    """A fresh transfer or case id, shaped like the hub's."""
    return str(uuid.uuid4())


@dataclass(slots=True)
class Context:
    settings: SuiteSettings
    adapter: Adapter
    hub: HubSide
    http: httpx.AsyncClient
    messages: list[Message]
    message_problems: list[Problem]
    say: Callable[[str], None]
    results: dict[str, CaseResult] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def pusher(self) -> Pusher:
        """The push client for ``--target`` (push mode only)."""
        if not self.settings.target:
            raise ConfigError("no --target to push to", [Problem("/--target", "missing")])
        return Pusher(self.settings.target, self.settings.hub_key, self.http, self.settings.clock)

    def message(self, index: int = 0) -> Message:
        """One of the messages to deliver; a run without any cannot push or pull."""
        if not self.messages:
            raise ConfigError(
                "the suite has no message to deliver",
                self.message_problems or [Problem("/examples", "none")],
            )
        return self.messages[index % len(self.messages)]

    async def wait_for(self, done: Callable[[], bool], timeout_s: float) -> bool:
        """Wait until ``done()`` holds or ``timeout_s`` passes; whether it held."""
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def agency_state(self) -> dict[str, Any] | None:
        """``GET {control}/_state`` of an agency that offers it; None without ``--control``.

        Raises :class:`DeliveryError` when the control interface was named but does not
        answer with a JSON object.
        """
        control = self.settings.control
        if not control:
            return None
        url = f"{control.rstrip('/')}/_state"
        try:
            response = await self.http.get(url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise DeliveryError(
                f"the agency's state at {url} cannot be read", [Problem("/--control", str(exc))]
            ) from None
        if not isinstance(document, dict):
            raise DeliveryError(
                f"the agency's state at {url} is not a JSON object",
                [Problem("/--control", 'expected {"transfers": {...}}')],
            )
        return document

    async def control(self, document: dict[str, Any]) -> Answer:
        """``POST {control}/_control`` with ``document``; the agency's answer."""
        control = self.settings.control
        if not control:
            raise ConfigError("no --control interface", [Problem("/--control", "missing")])
        url = f"{control.rstrip('/')}/_control"
        return await post(
            self.http, url, f"the agency's control interface at {url}", "/--control", json=document
        )

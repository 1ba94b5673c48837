"""Checking that a push really comes from the hub: the hub's keys, and the signature.

The hub signs every push with its current key (``keyid`` = the key's id) and publishes
its current and earlier public keys at ``GET {hub}/.well-known/jwks.json`` (RFC 8037 OKP
JWKs with ``kid``). :class:`HubKeys` holds those keys: given directly, or fetched from
the JWKS URL when a request names a key id it does not know yet (first use, or after
the hub rotated), at most once per ``min_interval_s`` so that forged key ids cannot make
it hammer the hub. :meth:`HubKeys.authenticate` runs
:func:`saphan.auth.verify_request` with them.

What it does not do: decide what the request may do once it is authenticated.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from saphan.auth import NonceStore, VerifiedRequest, verify_request
from saphan.errors import AuthenticationError, DeliveryError, InputError, Problem
from saphan.ledger.pubkeys import parse_public_key

__all__ = ["HubKeys", "jwks_keys"]


def jwks_keys(document: object) -> dict[str, list[Ed25519PublicKey]]:
    """The Ed25519 keys of a JWK set by key id; keys of other kinds are passed over."""
    keys: dict[str, list[Ed25519PublicKey]] = {}
    items = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise InputError("not a JWK set", [Problem("/keys", "must be a list of JWKs")])
    for jwk in items:
        kid = jwk.get("kid") if isinstance(jwk, dict) else None
        if not isinstance(kid, str) or not kid:
            continue
        try:
            keys.setdefault(kid, []).append(parse_public_key(jwk))
        except InputError:
            continue  # another key type the hub may publish one day; not for push signatures
    return keys


class HubKeys:
    """The hub's public keys by key id, with on-demand refresh from its JWKS URL."""

    def __init__(
        self,
        jwks_url: str | None = None,
        keys: Mapping[str, Sequence[Ed25519PublicKey]] | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        min_interval_s: float = 1.0,
        timeout_s: float = 5.0,
    ) -> None:
        self.jwks_url = jwks_url
        self._given = {kid: list(found) for kid, found in (keys or {}).items()}
        self._fetched: dict[str, list[Ed25519PublicKey]] = {}
        self._transport = transport
        self._min_interval_s = min_interval_s
        self._timeout_s = timeout_s
        self._last_fetch: float | None = None
        self._lock = asyncio.Lock()

    def lookup(self, kid: str) -> list[Ed25519PublicKey]:
        """The keys known under ``kid`` now (no fetching)."""
        return self._given.get(kid, []) + self._fetched.get(kid, [])

    async def refresh(self) -> bool:
        """Fetch the JWK set again unless that was done very recently; True when fetched.

        Raises :class:`DeliveryError` when the hub's keys cannot be fetched or read.
        """
        if self.jwks_url is None:
            return False
        async with self._lock:
            now = time.monotonic()
            if self._last_fetch is not None and now - self._last_fetch < self._min_interval_s:
                return False
            self._last_fetch = now
            try:
                async with httpx.AsyncClient(
                    transport=self._transport, timeout=self._timeout_s
                ) as client:
                    response = await client.get(self.jwks_url)
                response.raise_for_status()
                self._fetched = jwks_keys(response.json())
            except (httpx.HTTPError, ValueError, InputError) as exc:
                raise DeliveryError(
                    "the hub's public keys cannot be fetched",
                    [Problem("/jwks", f"{self.jwks_url}: {exc}")],
                ) from None
            return True

    async def authenticate(
        self,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        nonces: NonceStore,
        now: datetime,
    ) -> VerifiedRequest:
        """Verify a request the hub signed; refresh the keys once if its key id is new.

        Raises :class:`AuthenticationError` (401) or :class:`DeliveryError` (keys
        unavailable). A refused request never records its nonce, so retrying after a
        refresh is safe.
        """
        fields = list(headers)
        missed: list[str] = []

        def resolve(kid: str) -> list[Ed25519PublicKey]:
            found = self.lookup(kid)
            if not found:
                missed.append(kid)
            return found

        try:
            return verify_request(method, url, fields, body, resolve, nonces, now)
        except AuthenticationError:
            if not missed or not await self.refresh():
                raise
        return verify_request(method, url, fields, body, self.lookup, nonces, now)

"""Shared test material for the request-signature tests: keys, a key directory, a fixed
clock, and a forger that signs with any parameters through the library's own signer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from http_message_signatures import ContentDigest, HTTPMessageSigner, MappingKeyResolver
from http_message_signatures.algorithms import ED25519

from saphan.auth import MemoryNonceStore, VerifiedRequest, sign_request, verify_request

NOW = datetime(2025, 6, 1, 3, 0, 0, tzinfo=UTC)
BASE = "https://hub.example.go.th/saphan"
URL = f"{BASE}/v1/inbound/occ"
AGENCY = "MOI-DRT-34"
BODY = '{"subject": "ถนนชำรุด", "area": "340101"}'.encode()
JSON = {"Content-Type": "application/json"}


@dataclass
class KeyDirectory:
    """An agency directory: key id -> every public key it has had (newest first)."""

    keys: dict[str, list[Ed25519PublicKey]] = field(default_factory=dict)

    def add(self, keyid: str, key: Ed25519PrivateKey) -> None:
        self.keys.setdefault(keyid, []).insert(0, key.public_key())

    def __call__(self, keyid: str) -> Sequence[Ed25519PublicKey]:
        return self.keys.get(keyid, [])


def signed(
    key: Ed25519PrivateKey,
    *,
    method: str = "POST",
    url: str = URL,
    body: bytes = BODY,
    headers: dict[str, str] | None = None,
    keyid: str = AGENCY,
    now: datetime = NOW,
    ttl: timedelta = timedelta(seconds=300),
) -> dict[str, str]:
    """The request's headers with the hub's signature added."""
    base = dict(JSON if headers is None else headers)
    return base | sign_request(method, url, base, body, key, keyid, now, ttl)


def forge(
    key: Ed25519PrivateKey,
    *,
    components: Sequence[str] = ("@method", "@target-uri", "content-type", "content-digest"),
    created: datetime = NOW,
    expires: datetime | None = NOW + timedelta(seconds=300),
    nonce: str | None = "forged-nonce",
    keyid: str = AGENCY,
    method: str = "POST",
    url: str = URL,
    body: bytes = BODY,
    headers: dict[str, str] | None = None,
) -> dict[str, str]:
    """Headers signed by ``http-message-signatures`` directly, with any parameters."""

    @dataclass
    class Message:
        method: str
        url: str
        headers: dict[str, str]

    message = Message(method, url, dict(JSON if headers is None else headers))
    message.headers["Content-Digest"] = ContentDigest.create(body)
    signer = HTTPMessageSigner(
        signature_algorithm=ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={keyid: key}),
    )
    signer.sign(
        message,
        key_id=keyid,
        created=created,
        expires=expires,
        nonce=nonce,
        label="saphan",
        covered_component_ids=tuple(components),
        use_existing_digest=True,
    )
    return message.headers


def verifier(
    directory: KeyDirectory, *, now: datetime = NOW
) -> tuple[MemoryNonceStore, Callable[..., VerifiedRequest]]:
    """A nonce store on the same clock and a ``verify(headers, ...)`` bound to both."""
    store = MemoryNonceStore(clock=lambda: now)

    def verify(
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        *,
        method: str = "POST",
        url: str = URL,
        body: bytes = BODY,
    ) -> VerifiedRequest:
        return verify_request(method, url, headers, body, directory, store, now)

    return store, verify

"""Signing outgoing requests (RFC 9421) the way the hub's verifier expects them.

:func:`sign_request` computes the headers to add to one request: ``Content-Digest``
(RFC 9530, SHA-256), ``Signature-Input`` and ``Signature`` (label ``saphan``, algorithm
``ed25519``, covering the components in :mod:`saphan.auth.policy`, with ``created``,
``expires``, ``keyid`` and a fresh random ``nonce``). :class:`SaphanSigner` applies it to
every request an ``httpx.Client`` or ``httpx.AsyncClient`` sends, so simulated
agencies, test clients and the hub's push client share one implementation.

The signature base is built by ``http-message-signatures``, which supports ``expires``
and ``nonce`` as they are. This module does not keep or load keys and does no I/O.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import http_sf
import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageSignaturesException, HTTPMessageSigner
from http_message_signatures.algorithms import ED25519

from saphan.auth.digest import content_digest
from saphan.auth.policy import DEFAULT_TTL, LABEL, MAX_VALIDITY, covered_components
from saphan.auth.target import normalize_url
from saphan.errors import InputError, Problem

# No key resolver: the key is handed to sign_request and used directly, after
# ``prepare()`` has built the signature base (the library's external-signer path).
_SIGNER = HTTPMessageSigner(signature_algorithm=ED25519)


@dataclass(frozen=True, slots=True)
class _Message:
    """The request as the library's component resolver reads it."""

    method: str
    url: str
    headers: dict[str, str]


def header_value(headers: Mapping[str, str] | Iterable[tuple[str, str]], name: str) -> str | None:
    """The value of field ``name`` (any case), repeated lines joined by ``", "``.

    Accepts a mapping (a ``dict``, ``httpx.Headers``, Starlette ``Headers``) or
    ``(name, value)`` pairs; surrounding whitespace is trimmed as RFC 9421 §2.1 asks.
    """
    name = name.lower()
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    found = [v.strip(" \t") for k, v in pairs if k.lower() == name]
    return ", ".join(found) if found else None


def new_nonce() -> str:
    """A random nonce: 128 bits, URL-safe base64 (22 characters)."""
    return secrets.token_urlsafe(16)


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    key: Ed25519PrivateKey,
    keyid: str,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> dict[str, str]:
    """Return the headers that sign this request: ``Content-Digest``,
    ``Signature-Input`` and ``Signature``. Replace any such headers already present.

    ``url`` is the absolute URL as sent (``str(httpx_request.url)``); ``headers`` must
    hold the ``Content-Type`` that will be sent, which a request with a body needs.
    The signature is valid from ``now`` (truncated to the second) for ``ttl``.
    Raises :class:`~saphan.errors.InputError` listing every reason it cannot sign.
    """
    problems: list[Problem] = []
    if now.tzinfo is None:
        problems.append(Problem("/now", "must be timezone-aware"))
    if not timedelta(0) < ttl <= MAX_VALIDITY:
        problems.append(Problem("/ttl", f"must be positive and at most {MAX_VALIDITY}"))
    if not keyid:
        problems.append(Problem("/keyid", "must not be empty"))
    content_type = header_value(headers, "content-type")
    if body and content_type is None:
        problems.append(Problem("/headers/content-type", "a request with a body needs one"))
    try:
        target = normalize_url(url)
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError("the request cannot be signed", problems)

    digest = content_digest(body)
    fields = {"content-digest": digest}
    if content_type is not None:
        fields["content-type"] = content_type
    covered = covered_components(has_body=bool(body), has_content_type=content_type is not None)
    try:
        prepared = _SIGNER.prepare(
            _Message(method, target, fields),
            key_id=keyid,
            created=now,
            expires=now + ttl,
            nonce=new_nonce(),
            label=LABEL,
            covered_component_ids=covered,
            use_existing_digest=True,
        )
    except HTTPMessageSignaturesException as exc:  # e.g. a lower-case method, a control char
        raise InputError("the request cannot be signed", [Problem("", str(exc))]) from exc
    signature = key.sign(prepared.signature_base)
    # ``prepare()`` has already serialized and validated the parameters; the library's
    # ``apply()`` would only rebuild the same base to compare it (about 100 µs more per
    # request), so the two fields are written here from what ``prepare()`` returned.
    return {
        "Content-Digest": digest,
        "Signature-Input": f"{prepared.label}={prepared.signature_params}",
        "Signature": http_sf.ser({prepared.label: (signature, {})}),
    }


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SaphanSigner(httpx.Auth):
    """``httpx`` authentication that signs every request (sync and async clients).

    ``httpx.Client(auth=SaphanSigner(key, "MOI-DRT-34"))``. The body is read before
    signing (``requires_request_body``), so streamed uploads are buffered. A redirect is
    not re-signed: the hub's clients do not follow redirects, and a signature for one
    URL must not be sent to another.
    """

    requires_request_body = True

    def __init__(
        self,
        key: Ed25519PrivateKey,
        keyid: str,
        *,
        ttl: timedelta = DEFAULT_TTL,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.keyid = keyid
        self._key = key
        self._ttl = ttl
        self._clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        added = sign_request(
            request.method,
            str(request.url),
            request.headers,
            request.content,
            self._key,
            self.keyid,
            self._clock(),
            self._ttl,
        )
        request.headers.update(added)
        yield request

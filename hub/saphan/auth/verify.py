"""Verifying a signed request (RFC 9421 + RFC 9530) against the hub's profile.

:func:`verify_request` takes the plain parts of a request (method, absolute URL,
headers, body), so any framework can call it once it has read the body. It refuses,
with one :class:`~saphan.errors.AuthenticationError` naming every reason found, a
request whose signature is missing or malformed, does not cover the components of
:mod:`saphan.auth.policy`, lacks ``created``/``expires``/``keyid``/``nonce``, names an
unknown key, does not verify under any of that key id's current or earlier keys, is
not yet valid, has expired, is valid for longer than allowed, carries a body that does
not match its ``Content-Digest``, or repeats a ``(keyid, nonce)`` already accepted.

``url`` must be the absolute URL the client signed, rebuilt from the hub's public base
URL (see :func:`saphan.auth.target.target_uri`), not from the ``Host`` header.

The signature base is rebuilt and checked by ``http-message-signatures`` (a request signed
exactly as the hub's profile writes it is verified by :mod:`saphan.auth.fastpath` first,
which only ever accepts what the library accepts); this module
adds what the hub needs and the library leaves to callers: the coverage and parameter
policy, time checks against an injected clock, key rotation, the digest of the body,
and replay detection. It does not decide what the authenticated agency may do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import http_sf
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageVerifier,
    HTTPSignatureAlgorithm,
    HTTPSignatureKeyResolver,
    InvalidSignature,
)

from saphan.auth.digest import digest_problems
from saphan.auth.fastpath import verify_common
from saphan.auth.nonces import NonceStore
from saphan.auth.policy import (
    ALGORITHM,
    DEFAULT_SKEW,
    KNOWN_PARAMETERS,
    MAX_NONCE_LENGTH,
    MAX_VALIDITY,
    covered_components,
)
from saphan.auth.target import normalize_url
from saphan.errors import AuthenticationError, InputError, NotFoundError, Problem

#: Given a key id, the public keys that may have signed under it (current and earlier);
#: empty (or raising ``LookupError``/``NotFoundError``) when the key id is unknown.
KeyResolver = Callable[[str], Sequence[Ed25519PublicKey]]

_INPUT = "/headers/signature-input"
_SIGNATURE = "/headers/signature"


@dataclass(frozen=True, slots=True)
class VerifiedRequest:
    """Who signed an accepted request, and the validity its signature claimed."""

    keyid: str
    created: datetime
    expires: datetime
    nonce: str


class _KeyRing(HTTPSignatureAlgorithm):
    """``ed25519`` over every key a key id has had.

    The library resolves one key per key id; keys rotate, and a request signed just
    before a rotation must still verify. Handing the library this algorithm with all
    of the key id's keys builds the signature base once and tries each key on it.
    """

    algorithm_id = ALGORITHM

    def __init__(self, public_key: Sequence[Ed25519PublicKey] = (), private_key: Any = None):
        self._keys = tuple(public_key)

    def sign(self, message: bytes) -> bytes:
        raise HTTPMessageSignaturesException("a key ring only verifies")

    def verify(self, signature: bytes, message: bytes) -> None:
        for key in self._keys:
            try:
                key.verify(signature, message)
            except CryptoInvalidSignature:
                continue
            return
        raise InvalidSignature("no current or earlier key of this keyid verifies the signature")


class _Directory(HTTPSignatureKeyResolver):
    """All the keys of a key id, for :class:`_KeyRing`; ``None`` when it is unknown."""

    def __init__(self, resolve_keys: KeyResolver) -> None:
        self._resolve_keys = resolve_keys

    def resolve_public_key(self, key_id: str) -> list[Ed25519PublicKey] | None:
        return _lookup(self._resolve_keys, key_id) or None


class _Verifier(HTTPMessageVerifier):
    """The library's verifier without its own clock.

    The library checks ``created``/``expires`` against the wall clock with a
    class-wide skew; :func:`verify_request` checks them against the ``now`` and
    ``skew`` it is given (so they can be tested and configured) and reports each
    problem, so the library's check is switched off here.
    """

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        return None


@dataclass(frozen=True, slots=True)
class _Message:
    method: str
    url: str
    headers: Mapping[str, str]


def _combined(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Field lines by lower-case name, repeated lines joined as RFC 9421 §2.1 says."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    fields: dict[str, str] = {}
    for name, value in pairs:
        key, value = name.lower(), value.strip(" \t")
        fields[key] = f"{fields[key]}, {value}" if key in fields else value
    return fields


def _parse_dictionary(value: str) -> dict[str, Any]:
    def reject_duplicate(key: str, context: str) -> None:
        raise http_sf.StructuredFieldError(f"{key!r} appears twice")

    parsed = http_sf.parse(
        value.encode("ascii"), tltype="dictionary", on_duplicate_key=reject_duplicate
    )
    if not isinstance(parsed, dict):  # pragma: no cover - tltype guarantees a dict
        raise http_sf.StructuredFieldError("not a dictionary")
    return parsed


def _timestamp(params: dict[str, Any], name: str, problems: list[Problem]) -> datetime | None:
    value = params.get(name)
    if value is None:
        problems.append(Problem(f"/signature/{name}", "missing"))
        return None
    if type(value) is not int:
        problems.append(Problem(f"/signature/{name}", "must be an integer (seconds since 1970)"))
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        problems.append(Problem(f"/signature/{name}", "out of range"))
        return None


def _text(params: dict[str, Any], name: str, problems: list[Problem]) -> str | None:
    value = params.get(name)
    if value is None:
        problems.append(Problem(f"/signature/{name}", "missing"))
        return None
    if not isinstance(value, str) or not value:
        problems.append(Problem(f"/signature/{name}", "must be a non-empty string"))
        return None
    return value


def _lookup(resolve_keys: KeyResolver, keyid: str) -> list[Ed25519PublicKey]:
    try:
        keys = resolve_keys(keyid)
    except (LookupError, NotFoundError):
        return []
    return [key for key in keys if isinstance(key, Ed25519PublicKey)]


def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes,
    resolve_keys: KeyResolver,
    nonces: NonceStore,
    now: datetime,
    skew: timedelta = DEFAULT_SKEW,
    max_validity: timedelta = MAX_VALIDITY,
) -> VerifiedRequest:
    """Authenticate one request or raise :class:`~saphan.errors.AuthenticationError`.

    ``method`` is the request method as received (upper case); ``url`` the absolute
    URL the client signed (:func:`saphan.auth.target.target_uri` rebuilds it);
    ``headers`` a mapping or the ``(name, value)`` field lines as received; ``body`` the
    exact bytes received, before any content decoding. ``now`` is the verifier's
    tz-aware time, ``skew`` the tolerated clock difference for ``created`` and
    ``expires``, ``max_validity`` the longest ``expires - created`` accepted. The nonce
    is recorded only when everything else holds, and kept until ``expires + skew``.
    """
    fields = _combined(headers)
    missing = [
        Problem(path, "missing; the request is not signed")
        for name, path in (("signature-input", _INPUT), ("signature", _SIGNATURE))
        if name not in fields
    ]
    if missing:
        raise AuthenticationError("the request carries no signature", missing)
    try:
        target = normalize_url(url)
    except InputError as exc:  # the caller passed an unusable URL: nothing can verify
        raise AuthenticationError("the request URL cannot be checked", exc.problems) from exc

    # The library reads and verifies the signature first; the hub's policy is then
    # checked on what it verified. Only when the library refuses are the fields read
    # again here, to name every reason (the library stops at the first), so an
    # accepted request parses its signature fields once.
    failure: HTTPMessageSignaturesException | None = None
    common = verify_common(method, target, fields, lambda keyid: _lookup(resolve_keys, keyid))
    if common is not None:  # the hub's own profile, verified (see saphan.auth.fastpath)
        params, covered = common
    else:
        verifier = _Verifier(signature_algorithm=_KeyRing, key_resolver=_Directory(resolve_keys))
        try:
            (result,) = verifier.verify(_Message(method, target, fields), max_age=None)
        except HTTPMessageSignaturesException as exc:
            failure = exc
            params, covered = _read(fields)
        else:
            params, covered = dict(result.parameters), _bare_names(result.covered_components)

    problems: list[Problem] = []
    claims = _claims(params, problems)
    required = covered_components(has_body=bool(body), has_content_type="content-type" in fields)
    problems.extend(
        Problem("/signature/components", f"{name!r} is not covered")
        for name in required
        if name not in covered
    )
    problems.extend(digest_problems(fields.get("content-digest"), body))
    problems.extend(_time_problems(claims, now, skew, max_validity))
    if failure is not None:
        if claims.keyid is not None and not _lookup(resolve_keys, claims.keyid):
            problems.append(Problem("/signature/keyid", f"unknown keyid {claims.keyid!r}"))
        elif not _library_refuses(params) or not problems:  # fail closed, always say why
            problems.append(Problem("/signature", f"does not verify: {failure}"))
    if problems:
        raise AuthenticationError("the request signature is not acceptable", problems)

    keyid, nonce, created, expires = claims.keyid, claims.nonce, claims.created, claims.expires
    assert keyid is not None and nonce is not None
    assert created is not None and expires is not None
    # Only a request that is otherwise valid may take its nonce: an attacker must not
    # be able to burn a sender's nonces with forged requests.
    if nonces.seen_or_record(keyid, nonce, expires + skew):
        raise AuthenticationError(
            "the request is a replay",
            [Problem("/signature/nonce", f"replayed: {keyid!r} already used this nonce")],
        )
    return VerifiedRequest(keyid=keyid, created=created, expires=expires, nonce=nonce)


def _read(fields: dict[str, str]) -> tuple[dict[str, Any], set[str]]:
    """The parameters and plainly covered components of the one signature, read here
    to explain a refusal; raises when the fields cannot be read at all."""
    problems: list[Problem] = []
    inputs: dict[str, Any] = {}
    signatures: dict[str, Any] = {}
    try:
        inputs = _parse_dictionary(fields["signature-input"])
    except ValueError as exc:  # StructuredFieldError, UnicodeError
        problems.append(Problem(_INPUT, f"malformed: {exc}"))
    try:
        signatures = _parse_dictionary(fields["signature"])
    except ValueError as exc:
        problems.append(Problem(_SIGNATURE, f"malformed: {exc}"))
    if not problems and len(inputs) != 1:
        problems.append(Problem(_INPUT, f"{len(inputs)} signatures; exactly one is accepted"))
    if problems:
        raise AuthenticationError("the signature cannot be read", problems)
    ((label, (components, params)),) = inputs.items()
    if not isinstance(components, list):
        problems.append(Problem(_INPUT, f"{label!r} is not an inner list of components"))
    if set(signatures) != {label} or not isinstance(signatures[label][0], bytes):
        problems.append(Problem(_SIGNATURE, f"must hold exactly the byte sequence {label!r}"))
    if problems:
        raise AuthenticationError("the signature cannot be read", problems)
    # Components named without parameters count; "content-digest";sf and the like are
    # legal RFC 9421 but not the hub's profile.
    return params, {name for name, cparams in components if isinstance(name, str) and not cparams}


def _bare_names(covered_components: Mapping[str, str]) -> set[str]:
    """Names of the components the library verified, those covered without parameters.

    The library keys them by their serialization: a component without parameters is
    exactly ``"name"`` (component names are lower-case and hold no quote).
    """
    return {
        key[1:-1]
        for key in covered_components
        if len(key) > 2 and key[0] == key[-1] == '"' and key.count('"') == 2
    }


@dataclass(frozen=True, slots=True)
class _Claims:
    keyid: str | None
    nonce: str | None
    created: datetime | None
    expires: datetime | None


def _claims(params: dict[str, Any], problems: list[Problem]) -> _Claims:
    """The signature parameters, each checked against the hub's profile."""
    alg = params.get("alg")
    if alg is not None and alg != ALGORITHM:
        problems.append(Problem("/signature/alg", f"{alg!r} is not {ALGORITHM!r}"))
    unknown = sorted(set(params) - KNOWN_PARAMETERS)
    if unknown:
        problems.append(Problem("/signature", f"unknown parameters {unknown}"))
    if "tag" in params and not isinstance(params["tag"], str):
        problems.append(Problem("/signature/tag", "must be a string"))
    nonce = _text(params, "nonce", problems)
    if nonce is not None and len(nonce) > MAX_NONCE_LENGTH:
        problems.append(Problem("/signature/nonce", f"longer than {MAX_NONCE_LENGTH} characters"))
    return _Claims(
        keyid=_text(params, "keyid", problems),
        nonce=nonce,
        created=_timestamp(params, "created", problems),
        expires=_timestamp(params, "expires", problems),
    )


def _library_refuses(params: dict[str, Any]) -> bool:
    """Whether the library refuses these parameters before checking any signature;
    :func:`_claims` then already names the reason, so the library's is not repeated."""
    return (
        params.get("alg", ALGORITHM) != ALGORITHM
        or not set(params) <= KNOWN_PARAMETERS
        or not isinstance(params.get("keyid"), str)
        or type(params.get("created")) is not int
        or ("expires" in params and type(params["expires"]) is not int)
        or any(name in params and not isinstance(params[name], str) for name in ("nonce", "tag"))
    )


def _time_problems(
    claims: _Claims, now: datetime, skew: timedelta, max_validity: timedelta
) -> list[Problem]:
    created, expires = claims.created, claims.expires
    problems: list[Problem] = []
    if created is not None and created > now + skew:
        problems.append(Problem("/signature/created", f"{created.isoformat()} is in the future"))
    if expires is not None and now > expires + skew:
        problems.append(Problem("/signature/expires", f"expired at {expires.isoformat()}"))
    if created is not None and expires is not None:
        if expires <= created:
            problems.append(Problem("/signature/expires", "is not after created"))
        elif expires - created > max_validity:
            window = f"valid for {expires - created}; at most {max_validity}"
            problems.append(Problem("/signature/expires", window))
    return problems

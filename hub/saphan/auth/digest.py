"""RFC 9530 ``Content-Digest`` of a request or response body (SHA-256).

:func:`content_digest` writes the field (through ``http-message-signatures``, which
serializes it as a Structured Field Dictionary); :func:`digest_problems` checks one and
lists what is wrong, and :func:`verify_content_digest` raises those problems as an
:class:`~saphan.errors.IntegrityError`. The request verifier folds the same problems
into its 401 instead.

The digest only proves integrity when a signature covers it; this module never decides
whether a sender may be trusted. It hashes the bytes as sent (before any
``Content-Encoding`` is undone), which is what RFC 9530 digests.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import http_sf
from http_message_signatures import ContentDigest

from saphan.errors import IntegrityError, Problem

#: The field's path in the problems this module reports.
FIELD = "/headers/content-digest"

#: Algorithms the hub checks. ``sha-256`` must be present; ``sha-512`` is checked when a
#: sender adds it. Other members are ignored, as RFC 9530 §2 asks of recipients.
_HASHES: dict[str, Callable[[bytes], hashlib._Hash]] = {
    "sha-256": hashlib.sha256,
    "sha-512": hashlib.sha512,
}


def content_digest(body: bytes) -> str:
    """The ``Content-Digest`` value of ``body``: ``sha-256=:<base64 of SHA-256>:``."""
    return str(ContentDigest.create(bytes(body)))


def _reject_duplicate(key: str, context: str) -> None:
    # Two sha-256 members would let a field carry one digest for the signer's parser
    # and another for ours; a repeated member is malformed, not "last one wins".
    raise http_sf.StructuredFieldError(f"member {key!r} appears twice")


def digest_problems(header: str | None, body: bytes, *, path: str = FIELD) -> list[Problem]:
    """Everything wrong with ``header`` as the digest of ``body``; empty when it holds.

    A missing header is acceptable only for an empty body.
    """
    if header is None:
        if body:
            return [Problem(path, "missing; a message with a body must carry its digest")]
        return []
    try:
        members = http_sf.parse(
            header.encode("ascii"), tltype="dictionary", on_duplicate_key=_reject_duplicate
        )
    except (ValueError, TypeError) as exc:  # StructuredFieldError and UnicodeError are both
        return [Problem(path, f"not a Structured Field Dictionary: {exc}")]
    assert isinstance(members, dict)
    if "sha-256" not in members:
        return [Problem(path, "has no sha-256 member")]
    problems: list[Problem] = []
    for algorithm, hasher in _HASHES.items():
        if algorithm not in members:
            continue
        member = members[algorithm]
        value = member[0] if isinstance(member, tuple) else None
        if not isinstance(value, bytes) or len(value) != hasher(b"").digest_size:
            problems.append(Problem(path, f"{algorithm} is not a byte sequence of the right size"))
        elif not hmac.compare_digest(value, hasher(body).digest()):
            problems.append(Problem(path, f"{algorithm} does not match the body"))
    return problems


def verify_content_digest(header: str | None, body: bytes) -> None:
    """Raise :class:`~saphan.errors.IntegrityError` unless ``header`` digests ``body``."""
    problems = digest_problems(header, body)
    if problems:
        raise IntegrityError("the body does not match its Content-Digest", problems)

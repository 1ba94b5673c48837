"""Reading a compact JWS receipt quickly, with the ledger's own acceptance rules.

:func:`saphan.ledger.receipts.open_receipt` is the definition of a well-formed receipt.
:func:`fast_parts` and :func:`fast_payload` accept the receipts the hub and agencies
write (unpadded base64url parts, the header exactly ``alg``, ``kid`` and ``typ`` in RFC 8785
form, a canonical payload that validates as a receipt payload) and return None for
anything else, which the caller then hands to ``open_receipt`` for the exact verdict and
its reasons. Canonical form is proved by an orjson round trip, as for log entries (see
:mod:`saphan.audit.entrycheck`).

What it does not do: check signatures or keys (:mod:`saphan.audit.receiptcheck`).
"""

from __future__ import annotations

import binascii
from typing import Any

import orjson
from pydantic import ValidationError

from saphan.audit.entrycheck import is_plain
from saphan.ledger.pubkeys import b64url_decode
from saphan.ledger.receipts import ALGORITHM, MAX_RECEIPT_LENGTH, RECEIPT_TYPE, ReceiptPayload

__all__ = ["fast_parts", "fast_payload", "peek_header"]

_SORT = orjson.OPT_SORT_KEYS


def peek_header(part: str) -> Any:
    """The decoded header of a receipt, unchecked (None when it does not decode)."""
    try:
        return orjson.loads(b64url_decode(part))
    except (ValueError, orjson.JSONDecodeError):
        return None


_URL_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


def _b64url(text: str) -> bytes:
    """Strict unpadded base64url, accepting exactly what ``pubkeys.b64url_decode`` accepts.

    One standard-alphabet decode in strict mode and one re-encode (which refuses non-zero
    trailing bits): the receipts of a large log pass here several times each.
    """
    raw = text.encode("ascii")
    if b"=" in raw or b"+" in raw or b"/" in raw:
        raise ValueError("not unpadded base64url")
    standard = raw.translate(_URL_TO_STANDARD)
    try:
        data = binascii.a2b_base64(standard + b"=" * (-len(raw) % 4), strict_mode=True)
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc
    if binascii.b2a_base64(data, newline=False).rstrip(b"=") != standard:
        raise ValueError("not canonical base64url")
    return data


def _usual_header(part: str) -> str | None:
    """The key id of a header in the usual form (canonical, exactly alg, kid, typ)."""
    try:
        data = _b64url(part)
        header = orjson.loads(data)
    except (ValueError, orjson.JSONDecodeError):
        return None
    if (
        type(header) is not dict
        or header.keys() != {"alg", "kid", "typ"}
        or header["alg"] != ALGORITHM
        or header["typ"] != RECEIPT_TYPE
        or type(header["kid"]) is not str
        or not header["kid"]
        or orjson.dumps(header, option=_SORT) != data
    ):
        return None
    kid: str = header["kid"]
    return kid


def fast_parts(jws: str, headers: dict[str, str | None]) -> tuple[str, bytes, bytes, bytes] | None:
    """(kid, signing input, signature, payload bytes) of a receipt in the usual form.

    ``headers`` caches the verdict on each header part: a log has few signing keys, so the
    same few headers come back on every receipt.
    """
    if len(jws) > MAX_RECEIPT_LENGTH or not jws.isascii():
        return None
    parts = jws.split(".")
    if len(parts) != 3:
        return None
    head = parts[0]
    if head in headers:
        kid = headers[head]
    else:
        kid = headers[head] = _usual_header(head)
    if kid is None:
        return None
    try:
        payload_bytes = _b64url(parts[1])
        signature = _b64url(parts[2])
    except ValueError:
        return None
    if len(signature) != 64:
        return None
    return kid, f"{head}.{parts[1]}".encode("ascii"), signature, payload_bytes


def fast_payload(data: bytes) -> ReceiptPayload | None:
    """The payload, when it is canonical JSON that validates; None otherwise."""
    try:
        value = orjson.loads(data)
        if orjson.dumps(value, option=_SORT) != data or not is_plain(value):
            return None
        return ReceiptPayload.model_validate_json(data)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, ValidationError):
        return None

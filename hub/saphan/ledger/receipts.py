"""Signed receipts: JWS compact serialisation (RFC 7515) with Ed25519 (RFC 8037).

A receipt says "this party received these exact bytes for this case at this time". Its
protected header is exactly ``{"alg":"EdDSA","kid":...,"typ":"saphan-receipt+jws"}`` and
its payload is the RFC 8785 form of a JSON object naming the case, the transfer (or null
for an intake), sender, receiver, the SHA-256 of the bytes received, the time, and the
index of the log entry that records the receipt (or null).

The log index is known before signing: the hub reserves the index of the ``receipt``
entry inside the transaction that appends it, signs a receipt naming that index, and the
entry at that index carries :func:`receipt_digest` of the receipt. An agency's receipt
cannot know the hub's log index and names null.

The compact form is built here over the canonical bytes rather than through a JOSE
library, because the format fixes the header and payload bytes exactly; the tests verify
every receipt with two independent JOSE libraries to prove any of them can.

What it does not do: decide whether a receipt is the one expected. :func:`expect_receipt`
compares the fields a caller knows; the caller decides what to compare.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, ValidationError

from saphan.errors import HubError, IntegrityError, Problem
from saphan.ledger.fields import AgencyCode, Identifier, LogIndex, Sha256Hex, UtcTime
from saphan.ledger.jcs import canonical_bytes, loads_canonical, loads_strict
from saphan.ledger.keys import SigningKey
from saphan.ledger.pubkeys import b64url, b64url_decode

__all__ = [
    "ALGORITHM",
    "MAX_RECEIPT_LENGTH",
    "RECEIPT_TYPE",
    "KeyResolver",
    "ReceiptPayload",
    "VerifiedReceipt",
    "expect_receipt",
    "issue_receipt",
    "open_receipt",
    "receipt_digest",
    "verify_receipt",
]

ALGORITHM = "EdDSA"
RECEIPT_TYPE = "saphan-receipt+jws"
#: Receipts are a few hundred bytes; anything far larger is refused before parsing.
MAX_RECEIPT_LENGTH = 16_384
_HEADER_MEMBERS = frozenset({"alg", "kid", "typ"})

#: Finds the public key for a key id; returns None (or raises a HubError) when unknown.
KeyResolver = Callable[[str], Ed25519PublicKey | None]


class ReceiptPayload(BaseModel):
    """What a receipt states. Members beyond these are kept, not refused."""

    model_config = ConfigDict(frozen=True, extra="allow")

    case_id: Identifier
    transfer_id: Identifier | None
    sender: AgencyCode
    receiver: AgencyCode
    sha256: Sha256Hex
    time: UtcTime
    log_index: LogIndex | None

    def to_bytes(self) -> bytes:
        """The RFC 8785 bytes that get signed."""
        return canonical_bytes(self.model_dump(mode="json"))


@dataclass(frozen=True, slots=True)
class VerifiedReceipt:
    """A receipt whose signature held: who signed it, what it says, the exact payload."""

    kid: str
    payload: ReceiptPayload
    payload_bytes: bytes
    digest: str


def receipt_digest(jws: str) -> str:
    """SHA-256 (hex) of the receipt's compact form: what a log entry records about it."""
    return hashlib.sha256(jws.encode("ascii", errors="replace")).hexdigest()


def issue_receipt(payload: ReceiptPayload, key: SigningKey) -> str:
    """Sign ``payload`` with ``key``: ``base64url(header).base64url(payload).base64url(sig)``."""
    header = canonical_bytes({"alg": ALGORITHM, "kid": key.kid, "typ": RECEIPT_TYPE})
    signing_input = f"{b64url(header)}.{b64url(payload.to_bytes())}"
    signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"


def _refuse(problems: list[Problem]) -> IntegrityError:
    return IntegrityError("the receipt does not verify", problems)


def _decode_part(part: str, path: str) -> bytes:
    try:
        return b64url_decode(part)
    except ValueError as exc:
        raise _refuse([Problem(path, f"not unpadded base64url ({exc})")]) from exc


def _header_problems(header: Any) -> list[Problem]:
    if not isinstance(header, dict):
        return [Problem("/header", "the protected header is not a JSON object")]
    problems: list[Problem] = []
    if header.get("alg") != ALGORITHM:
        problems.append(Problem("/header/alg", f"must be {ALGORITHM!r}"))
    if header.get("typ") != RECEIPT_TYPE:
        problems.append(Problem("/header/typ", f"must be {RECEIPT_TYPE!r}"))
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        problems.append(Problem("/header/kid", "must name the signing key"))
    for name in sorted(set(header) - _HEADER_MEMBERS):
        # "crit", "b64", "jwk", "x5u" and friends would change how the receipt is checked
        # or whose key is trusted: the format allows none of them.
        problems.append(Problem(f"/header/{name}", "is not allowed in a receipt header"))
    return problems


def open_receipt(jws: str, resolve_key: KeyResolver) -> VerifiedReceipt:
    """Check a receipt's form, header, key and signature, then read its payload.

    The payload is read only after the signature holds, and must be in RFC 8785 form.
    Raises :class:`IntegrityError` listing what does not hold.
    """
    if len(jws) > MAX_RECEIPT_LENGTH:
        raise _refuse([Problem("/", f"longer than {MAX_RECEIPT_LENGTH} characters")])
    if not jws.isascii():
        raise _refuse([Problem("/", "a compact JWS is ASCII only")])
    parts = jws.split(".")
    if len(parts) != 3:
        raise _refuse([Problem("/", f"a compact JWS has 3 parts, this has {len(parts)}")])
    header_b64, payload_b64, signature_b64 = parts
    header_bytes = _decode_part(header_b64, "/header")
    payload_bytes = _decode_part(payload_b64, "/payload")
    signature = _decode_part(signature_b64, "/signature")
    try:
        header = loads_strict(header_bytes, path="/header")
    except HubError as exc:
        raise _refuse(exc.problems) from exc
    problems = _header_problems(header)
    if len(signature) != 64:
        problems.append(Problem("/signature", "an Ed25519 signature has 64 bytes"))
    if problems:
        raise _refuse(problems)
    kid: str = header["kid"]
    public = resolve_key(kid)
    if public is None:
        raise _refuse([Problem("/header/kid", f"no known key has the id {kid!r}")])
    try:
        public.verify(signature, f"{header_b64}.{payload_b64}".encode("ascii"))
    except InvalidSignature as exc:
        raise _refuse([Problem("/signature", f"does not verify with key {kid!r}")]) from exc
    try:
        loads_canonical(payload_bytes, path="/payload")
        payload = ReceiptPayload.model_validate_json(payload_bytes)
    except HubError as exc:
        raise _refuse(exc.problems) from exc
    except ValidationError as exc:
        raise _refuse(
            [
                Problem("/payload/" + "/".join(str(p) for p in err["loc"]), err["msg"])
                for err in exc.errors()
            ]
        ) from exc
    return VerifiedReceipt(kid, payload, payload_bytes, receipt_digest(jws))


def verify_receipt(jws: str, resolve_key: KeyResolver) -> ReceiptPayload:
    """The payload of a receipt whose header and signature hold (see :func:`open_receipt`)."""
    return open_receipt(jws, resolve_key).payload


_UNSET: Any = object()


def expect_receipt(
    payload: ReceiptPayload,
    *,
    case_id: str = _UNSET,
    transfer_id: str | None = _UNSET,
    sender: str = _UNSET,
    receiver: str = _UNSET,
    sha256: str = _UNSET,
) -> None:
    """Raise :class:`IntegrityError` naming every given field the receipt states otherwise."""
    expected = {
        "case_id": case_id,
        "transfer_id": transfer_id,
        "sender": sender,
        "receiver": receiver,
        "sha256": sha256,
    }
    problems = [
        Problem(f"/payload/{name}", f"is {getattr(payload, name)!r}, expected {value!r}")
        for name, value in expected.items()
        if value is not _UNSET and getattr(payload, name) != value
    ]
    if problems:
        raise IntegrityError("the receipt is not for what was delivered", problems)

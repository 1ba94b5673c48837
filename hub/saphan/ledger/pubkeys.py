"""Ed25519 public keys in their published forms, and agencies' public keys read from them.

What it does:

* a key id is the first 16 characters of the key's RFC 7638 JWK thumbprint (base64url of
  SHA-256 over ``{"crv":"Ed25519","kty":"OKP","x":...}``), so any JOSE library can derive
  it from the published JWK and it never changes for a given public key;
* :func:`public_jwk` gives a key's RFC 8037 JWK, :func:`public_raw` its 32 bytes, and
  :func:`b64url` / :func:`b64url_decode` the unpadded base64url of JOSE (strictly);
* :func:`parse_public_key` reads an agency's public key given as raw base64, PEM or JWK,
  and refuses (:func:`weak_point`) keys of small order, outside the prime-order subgroup,
  off the curve or non-canonically encoded.

What it does not do: hold private keys, read or write key files, or keep the hub's key
ring (all in :mod:`saphan.ledger.keys`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.bindings import crypto_core_ed25519_is_valid_point

from saphan.errors import InputError, Problem
from saphan.ledger.jcs import canonical_bytes

__all__ = [
    "KID_LENGTH",
    "WEAK_POINT",
    "b64url",
    "b64url_decode",
    "key_id",
    "parse_public_key",
    "public_jwk",
    "public_raw",
    "weak_point",
]

KID_LENGTH = 16


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict inverse of :func:`b64url`: no padding, no characters outside the alphabet."""
    if "=" in text or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc
    if b64url(data) != text:
        # Rejects foreign characters (silently dropped by the decoder) and non-zero
        # trailing bits: one byte string, one encoding.
        raise ValueError("not canonical base64url")
    return data


def public_raw(key: Ed25519PublicKey) -> bytes:
    """The 32-byte RFC 8032 encoding of a public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """The stable short id of a public key: the RFC 7638 thumbprint's first 16 characters."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url(public_raw(key))}
    return b64url(hashlib.sha256(canonical_bytes(members)).digest())[:KID_LENGTH]


def public_jwk(key: Ed25519PublicKey, kid: str | None = None) -> dict[str, str]:
    """The RFC 8037 JWK of a public key, with its key id."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(public_raw(key)),
        "kid": kid or key_id(key),
        "alg": "EdDSA",
        "use": "sig",
    }


# Agencies' public keys.


WEAK_POINT = (
    "not a usable Ed25519 public key: a point of small order, outside the prime-order "
    "subgroup or off the curve, or a non-canonical encoding"
)


def weak_point(raw: bytes) -> bool:
    """Whether 32 bytes are a public key nobody should be trusted for.

    A key of small order verifies signatures that need no private key (with S = 0, one
    message in eight verifies under a small-order R), so a directory holding one would let
    anyone sign as that agency, and the agency deny what it signed. Honest keys (``a·B``)
    are canonical points of the prime-order subgroup: libsodium's check refuses the rest.
    """
    return len(raw) != 32 or not crypto_core_ed25519_is_valid_point(raw)


def _usable(key: Ed25519PublicKey, path: str) -> Ed25519PublicKey:
    if weak_point(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)):
        raise _invalid(path, WEAK_POINT)
    return key


def _invalid(path: str, message: str) -> InputError:
    return InputError("not a usable Ed25519 public key", [Problem(path, message)])


def _from_jwk(jwk: Mapping[str, Any], path: str) -> Ed25519PublicKey:
    problems: list[Problem] = []
    if jwk.get("kty") != "OKP":
        problems.append(Problem(f"{path}/kty", "must be OKP"))
    if jwk.get("crv") != "Ed25519":
        problems.append(Problem(f"{path}/crv", "must be Ed25519"))
    if "d" in jwk:
        problems.append(Problem(f"{path}/d", "a private key was given where a public one goes"))
    raw = b""
    x = jwk.get("x")
    with contextlib.suppress(ValueError):
        raw = b64url_decode(x) if isinstance(x, str) else b""
    if len(raw) != 32:
        problems.append(Problem(f"{path}/x", "must be the base64url of 32 bytes"))
    if problems:
        raise InputError("not a usable Ed25519 public key", problems)
    return _usable(Ed25519PublicKey.from_public_bytes(raw), f"{path}/x")


def _from_base64(text: str, path: str) -> Ed25519PublicKey:
    compact = text.strip()
    alphabet = compact.replace("-", "+").replace("_", "/").rstrip("=")
    try:
        raw = base64.b64decode(alphabet + "=" * (-len(alphabet) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _invalid(path, "neither a JWK, a PEM key nor base64 of 32 bytes") from exc
    if len(raw) != 32:
        raise _invalid(path, f"base64 of {len(raw)} bytes; an Ed25519 public key has 32")
    return _usable(Ed25519PublicKey.from_public_bytes(raw), path)


def parse_public_key(
    material: str | bytes | Mapping[str, Any], *, path: str = "/key"
) -> Ed25519PublicKey:
    """An Ed25519 public key from raw base64/base64url, PEM (SPKI) or a JWK (dict or JSON).

    Raw bytes of length 32 are taken as the key itself. Raises :class:`InputError`.
    """
    if isinstance(material, Mapping):
        return _from_jwk(material, path)
    if isinstance(material, bytes):
        if len(material) == 32:
            return _usable(Ed25519PublicKey.from_public_bytes(material), path)
        try:
            material = material.decode("ascii")
        except UnicodeDecodeError as exc:
            raise _invalid(path, "binary data that is not a 32-byte key") from exc
    text = material.strip()
    if text.startswith("{"):
        try:
            jwk = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise _invalid(path, f"JWK is not JSON: {exc}") from exc
        if not isinstance(jwk, dict):
            raise _invalid(path, "JWK must be a JSON object")
        return _from_jwk(jwk, path)
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise _invalid(path, "PEM does not hold a public key") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise _invalid(path, "PEM holds a key that is not Ed25519")
        return _usable(key, path)
    return _from_base64(text, path)

"""Ed25519 keys with stable ids: the hub's key ring, its key files, agencies' public keys.

What it does:

* a key id is the first 16 characters of the key's RFC 7638 JWK thumbprint (base64url of
  SHA-256 over ``{"crv":"Ed25519","kty":"OKP","x":...}``), so any JOSE library can derive
  it from the published JWK and it never changes for a given public key;
* :class:`KeyRing` holds the current signing key and the public parts of every earlier
  one, so rotating never breaks verification of anything signed before; it publishes all
  of them as an RFC 8037 JWK set;
* key files: PKCS#8 PEM for private keys, SubjectPublicKeyInfo PEM for public keys, created
  with mode 0600 in a directory of mode 0700;
* :func:`parse_public_key` reads an agency's public key given as raw base64, PEM or JWK.

What it does not do: log or print key material (reprs name the key id only), or keep
retired private keys: after a rotation only the public part of an old key stays on disk,
because verifiers accept old key ids forever and a leaked old private key would otherwise
forge receipts forever.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from nacl.bindings import crypto_core_ed25519_is_valid_point

from saphan.errors import ConfigError, InputError, IntegrityError, Problem
from saphan.ledger.jcs import canonical_bytes

__all__ = [
    "KID_LENGTH",
    "WEAK_POINT",
    "KeyRing",
    "SigningKey",
    "VerifyingKey",
    "b64url",
    "b64url_decode",
    "key_id",
    "parse_public_key",
    "public_jwk",
    "public_raw",
    "read_private_key",
    "weak_point",
    "write_private_key",
]

KID_LENGTH = 16
_CURRENT = "CURRENT"
_PRIVATE_SUFFIX = ".key.pem"
_PUBLIC_SUFFIX = ".pub.pem"


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


@dataclass(frozen=True, slots=True)
class VerifyingKey:
    """A public key and its id."""

    kid: str
    key: Ed25519PublicKey = field(compare=False)

    @classmethod
    def of(cls, key: Ed25519PublicKey) -> VerifyingKey:
        return cls(key_id(key), key)

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self.key.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def jwk(self) -> dict[str, str]:
        return public_jwk(self.key, self.kid)


@dataclass(frozen=True, slots=True, repr=False)
class SigningKey:
    """A private key and its id. Its repr names the id only."""

    kid: str
    private: Ed25519PrivateKey = field(compare=False)

    @classmethod
    def of(cls, private: Ed25519PrivateKey) -> SigningKey:
        return cls(key_id(private.public_key()), private)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls.of(Ed25519PrivateKey.generate())

    @property
    def public(self) -> VerifyingKey:
        return VerifyingKey(self.kid, self.private.public_key())

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r})"


class KeyRing:
    """The current signing key plus the public parts of all earlier ones."""

    def __init__(self, current: SigningKey, earlier: Sequence[VerifyingKey] = ()) -> None:
        self.current = current
        seen = {current.kid}
        kept: list[VerifyingKey] = []
        for key in earlier:
            if key.kid not in seen:
                seen.add(key.kid)
                kept.append(key)
        self.earlier: tuple[VerifyingKey, ...] = tuple(kept)

    def __repr__(self) -> str:
        return f"KeyRing(current={self.current.kid!r}, earlier={[k.kid for k in self.earlier]})"

    @classmethod
    def generate(cls) -> KeyRing:
        return cls(SigningKey.generate())

    def rotate(self) -> KeyRing:
        """A new ring whose current key is fresh; the old one is kept for verification."""
        return KeyRing(SigningKey.generate(), (self.current.public, *self.earlier))

    def public_keys(self) -> Iterator[VerifyingKey]:
        yield self.current.public
        yield from self.earlier

    def find(self, kid: str) -> Ed25519PublicKey | None:
        return next((k.key for k in self.public_keys() if k.kid == kid), None)

    def verifier(self, kid: str) -> Ed25519PublicKey:
        """The public key with this id, current or earlier."""
        key = self.find(kid)
        if key is None:
            raise IntegrityError(
                "signed with a key the hub does not know", [Problem("/kid", f"unknown {kid!r}")]
            )
        return key

    def public_jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK set served at ``/.well-known/jwks.json``: current key first."""
        return {"keys": [k.jwk() for k in self.public_keys()]}

    # Files.

    def save(self, directory: Path) -> None:
        """Write the ring to ``directory`` (idempotent; safe to repeat after a crash).

        The new current key is written before the pointer to it moves, and the old private
        key is removed only after that, so an interruption never leaves the ring without
        a usable current key.
        """
        _ensure_private_dir(directory)
        for key in self.public_keys():
            target = directory / f"{key.kid}{_PUBLIC_SUFFIX}"
            if not target.exists():
                pem = key.key.public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                _write_private_file(target, pem)
        current = directory / f"{self.current.kid}{_PRIVATE_SUFFIX}"
        if not current.exists():
            write_private_key(current, self.current.private)
        _write_private_file(directory / _CURRENT, f"{self.current.kid}\n".encode())
        for stale in directory.glob(f"*{_PRIVATE_SUFFIX}"):
            if stale != current:
                stale.unlink()

    @classmethod
    def load(cls, directory: Path) -> KeyRing:
        """Read a ring written by :meth:`save`; :class:`ConfigError` names what is wrong."""
        pointer = directory / _CURRENT
        try:
            kid = pointer.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise _config(pointer, f"cannot read the current key id: {exc}") from exc
        if not re.fullmatch(rf"[A-Za-z0-9_-]{{{KID_LENGTH}}}", kid):
            raise _config(pointer, "does not hold a key id")
        current = SigningKey.of(read_private_key(directory / f"{kid}{_PRIVATE_SUFFIX}"))
        if current.kid != kid:
            raise _config(pointer, f"names key {kid!r} but the key file holds {current.kid!r}")
        earlier: list[VerifyingKey] = []
        for path in sorted(directory.glob(f"*{_PUBLIC_SUFFIX}")):
            earlier.append(_read_named_public(path, path.name[: -len(_PUBLIC_SUFFIX)]))
        for path in sorted(directory.glob(f"*{_PRIVATE_SUFFIX}")):
            # A private key left behind by an interrupted rotation still verifies old
            # signatures; only its public part is taken.
            if path.name != f"{kid}{_PRIVATE_SUFFIX}":
                earlier.append(SigningKey.of(read_private_key(path)).public)
        return cls(current, earlier)

    @classmethod
    def load_or_create(cls, directory: Path) -> KeyRing:
        """Load the ring, or create and save a new one when the directory holds none."""
        if (directory / _CURRENT).exists():
            return cls.load(directory)
        ring = cls.generate()
        ring.save(directory)
        return ring


def _config(path: Path, message: str) -> ConfigError:
    return ConfigError(f"key file {path.name}: {message}", [Problem(str(path), message)])


def _ensure_private_dir(directory: Path) -> None:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkdir leaves an existing directory's mode alone: tighten it explicitly.
        directory.chmod(0o700)
    except OSError as exc:
        raise _config(directory, f"cannot prepare the key directory: {exc}") from exc


def _write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` atomically to ``path`` with mode 0600 from the first byte on."""
    temp = path.with_name(f".{path.name}.tmp")
    try:
        if temp.exists():
            temp.unlink()
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
    except OSError as exc:
        raise _config(path, f"cannot write: {exc}") from exc


def write_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    """Save a private key as unencrypted PKCS#8 PEM, mode 0600."""
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private_file(path, pem)


def read_private_key(path: Path) -> Ed25519PrivateKey:
    """Load a PKCS#8 PEM Ed25519 private key, refusing files others can read."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise _config(path, f"cannot read: {exc}") from exc
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise _config(path, f"mode {stat.filemode(mode)} lets others read a private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise _config(path, "not an unencrypted PKCS#8 PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise _config(path, "not an Ed25519 key")
    return key


def _read_named_public(path: Path, kid: str) -> VerifyingKey:
    try:
        key = parse_public_key(path.read_bytes(), path=str(path))
    except OSError as exc:
        raise _config(path, f"cannot read: {exc}") from exc
    except InputError as exc:
        raise _config(path, exc.detail) from exc
    found = VerifyingKey.of(key)
    if found.kid != kid:
        raise _config(path, f"holds key {found.kid!r}, not the {kid!r} its name says")
    return found


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

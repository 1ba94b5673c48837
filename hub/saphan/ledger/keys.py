"""Ed25519 keys with stable ids: the hub's key ring and its key files.

What it does:

* :class:`VerifyingKey` and :class:`SigningKey` pair a key with its id (see
  :mod:`saphan.ledger.pubkeys` for how the id is derived);
* :class:`KeyRing` holds the current signing key and the public parts of every earlier
  one, so rotating never breaks verification of anything signed before; it publishes all
  of them as an RFC 8037 JWK set;
* key files: PKCS#8 PEM for private keys, SubjectPublicKeyInfo PEM for public keys, created
  with mode 0600 in a directory of mode 0700.

What it does not do: encode public keys or read agencies' keys (:mod:`saphan.ledger.pubkeys`),
log or print key material (reprs name the key id only), or keep retired private keys: after
a rotation only the public part of an old key stays on disk, because verifiers accept old
key ids forever and a leaked old private key would otherwise forge receipts forever.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from saphan.errors import ConfigError, InputError, IntegrityError, Problem
from saphan.ledger.pubkeys import KID_LENGTH, key_id, parse_public_key, public_jwk

__all__ = [
    "KeyRing",
    "SigningKey",
    "VerifyingKey",
    "read_private_key",
    "write_private_key",
]

_CURRENT = "CURRENT"
_PRIVATE_SUFFIX = ".key.pem"
_PUBLIC_SUFFIX = ".pub.pem"


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

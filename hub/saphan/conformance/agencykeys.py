"""The agency's public keys, as the integrator hands them to the suite.

The suite checks two kinds of signature made with the agency's Ed25519 keys: receipts
(JWS, the header's ``kid`` names the key, as in the hub's directory) and requests the
agency sends to the hub (RFC 9421, ``keyid`` = the agency's code, any of its keys). The
integrator names the keys with one ``--agency-key`` value, which may be:

* a directory entry, the JSON ``saphan conformance entry`` or ``saphan simulate key``
  prints (``{"code": ..., "keys": [{"kid": ..., "key": "<base64 of 32 bytes>"}]}``):
  its key ids are taken as they are, and its code is the agency's code;
* a JWK (RFC 8037, ``{"kty": "OKP", "crv": "Ed25519", "x": ..., "kid": ...}``) or a JWK
  set (``{"keys": [...]}``), from a file or an ``http(s)://`` URL;
* a public key in PEM (SubjectPublicKeyInfo) or as base64 of the 32 raw bytes: its key
  id is then the RFC 7638 thumbprint's first 16 characters, the id the hub's own tools
  give a key (``saphan conformance entry`` prints it).

A private key is refused: the suite never needs one of the agency's, and an integrator
must not get used to handing it out. Reading a URL is the only I/O beyond the file;
nothing here is cached between runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from saphan.directory.model import PublicKey
from saphan.errors import ConfigError, InputError, Problem
from saphan.ledger.keys import VerifyingKey
from saphan.ledger.pubkeys import key_id, parse_public_key

__all__ = ["AgencyKeys", "load_agency_keys", "parse_agency_keys"]

_OPTION = "/--agency-key"


@dataclass(frozen=True, slots=True)
class AgencyKeys:
    """The agency's public keys by key id, where they came from, and the code the
    source names (a directory entry names one; other forms do not)."""

    keys: tuple[VerifyingKey, ...]
    source: str
    code: str | None = None

    def receipt_key(self, kid: str) -> Ed25519PublicKey | None:
        """The key a receipt's ``kid`` names, or None when the agency has no such key."""
        return next((k.key for k in self.keys if k.kid == kid), None)

    def request_keys(self) -> list[Ed25519PublicKey]:
        """Every key: a request signature names the agency's code, not a key id."""
        return [k.key for k in self.keys]

    @property
    def kids(self) -> list[str]:
        return [k.kid for k in self.keys]


def _refuse(source: str, message: str) -> ConfigError:
    return ConfigError(f"--agency-key {source}: {message}", [Problem(_OPTION, message)])


def _named(key: Ed25519PublicKey, kid: object) -> VerifyingKey:
    return VerifyingKey(kid if isinstance(kid, str) and kid else key_id(key), key)


def _from_document(document: Any, source: str) -> AgencyKeys:
    """A directory entry, a JWK or a JWK set."""
    if not isinstance(document, dict):
        raise _refuse(source, "a JSON key document must be an object")
    if "d" in document:
        raise _refuse(source, "this is a private key; give the agency's public key")
    if document.get("kty") is not None:
        return AgencyKeys((_named(parse_public_key(document), document.get("kid")),), source)
    items = document.get("keys")
    if not isinstance(items, list) or not items:
        raise _refuse(source, "neither a JWK, a JWK set nor a directory entry with keys")
    keys: list[VerifyingKey] = []
    for index, item in enumerate(items):
        path = f"{_OPTION}/keys/{index}"
        if not isinstance(item, dict):
            raise _refuse(source, f"keys/{index} is not an object")
        if "d" in item:
            raise _refuse(source, f"keys/{index} is a private key; give public keys only")
        if "kty" in item:
            keys.append(_named(parse_public_key(item, path=path), item.get("kid")))
            continue
        try:
            entry = PublicKey.model_validate(item)
        except ValueError as exc:
            raise _refuse(source, f"keys/{index}: {exc}") from None
        keys.append(VerifyingKey(entry.kid, Ed25519PublicKey.from_public_bytes(entry.raw)))
    code = document.get("code")
    return AgencyKeys(tuple(keys), source, code if isinstance(code, str) and code else None)


def parse_agency_keys(material: bytes, source: str) -> AgencyKeys:
    """Read keys from the bytes of a file or URL; :class:`ConfigError` says what is wrong."""
    try:
        text = material.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise _refuse(source, "not text: give a PEM, JWK, JWK set or directory entry") from None
    if "PRIVATE KEY" in text:
        raise _refuse(source, "this is a private key; give the agency's public key")
    try:
        if text.startswith("{"):
            try:
                document = json.loads(text)
            except ValueError as exc:
                raise _refuse(source, f"not JSON: {exc}") from None
            return _from_document(document, source)
        key = parse_public_key(text, path=_OPTION)
    except InputError as exc:
        raise ConfigError(f"--agency-key {source}: {exc.detail}", exc.problems) from None
    return AgencyKeys((VerifyingKey.of(key),), source)


def load_agency_keys(
    source: str, *, transport: httpx.BaseTransport | None = None, timeout_s: float = 10.0
) -> AgencyKeys:
    """The keys in the file ``source``, or at the ``http(s)://`` URL ``source``."""
    if source.startswith(("http://", "https://")):
        try:
            with httpx.Client(transport=transport, timeout=timeout_s) as client:
                response = client.get(source)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise _refuse(source, f"cannot be fetched: {exc}") from None
        return parse_agency_keys(response.content, source)
    path = Path(source)
    try:
        material = path.read_bytes()
    except OSError as exc:
        raise _refuse(source, f"cannot be read: {exc.strerror}") from None
    return parse_agency_keys(material, source)

"""A simulated agency's Ed25519 key: its PEM file and its entry in the agency directory.

The demo keeps each agency's private key as ``DIR/agency-keys/<CODE>.pem`` (PKCS#8 PEM,
mode 0600, the layout the hub contract names), so that a person can later call the hub
as that agency. :func:`load_or_create_agency_key` makes or reads that file;
:func:`directory_entry` gives the directory snippet (code, format, delivery, keys) that
makes the hub trust the key, in the shape :class:`saphan.directory.model.Agency` reads.

What it does not do: write the directory file, or keep any key in memory beyond the
object it returns. File handling (modes, atomic writes, refusing readable keys) is
:mod:`saphan.ledger.keys`'.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from saphan.directory.model import PublicKey, PullDelivery, PushDelivery
from saphan.errors import ConfigError, InputError, Problem
from saphan.ledger.keys import SigningKey, VerifyingKey, read_private_key, write_private_key
from saphan.ledger.pubkeys import public_raw
from saphan.translate.adapter import validation_problems

__all__ = [
    "AGENCY_KEYS_DIR",
    "agency_key_path",
    "directory_entry",
    "load_agency_key",
    "load_or_create_agency_key",
]

#: The folder, under a data directory, that holds the demo agencies' private keys.
AGENCY_KEYS_DIR = "agency-keys"


def agency_key_path(data_dir: Path, code: str) -> Path:
    """``DIR/agency-keys/<CODE>.pem``."""
    return data_dir / AGENCY_KEYS_DIR / f"{code}.pem"


def load_agency_key(path: Path) -> SigningKey:
    """Read an agency's PKCS#8 PEM private key; :class:`ConfigError` says what is wrong."""
    return SigningKey.of(read_private_key(path))


def load_or_create_agency_key(data_dir: Path, code: str) -> SigningKey:
    """The key in ``DIR/agency-keys/<CODE>.pem``, created (mode 0600) when absent.

    Repeating the call returns the same key, so a demo folder can be reused.
    """
    path = agency_key_path(data_dir, code)
    if path.exists():
        return load_agency_key(path)
    folder = path.parent
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create {folder.name}: {exc.strerror}", [Problem(str(folder), str(exc))]
        ) from None
    key = SigningKey.generate()
    write_private_key(path, key.private)
    return key


def directory_entry(
    code: str,
    format_name: str,
    key: SigningKey | VerifyingKey,
    *,
    endpoint: str | None = None,
    name_th: str | None = None,
    name_en: str | None = None,
) -> dict[str, Any]:
    """The directory snippet for an agency using ``key``.

    ``endpoint`` given: push delivery to it; otherwise pull. The key is written as the
    directory's :class:`~saphan.directory.model.PublicKey` wants it: its key id and the
    standard base64 of the raw 32 bytes. Without names the snippet is an overlay that
    patches an agency the directory already has (the loader merges field by field).
    """
    public = key.public if isinstance(key, SigningKey) else key
    raw = base64.b64encode(public_raw(public.key)).decode("ascii")
    try:
        delivery = PushDelivery(endpoint=endpoint) if endpoint is not None else PullDelivery()
    except ValidationError as exc:
        raise InputError.from_problems(validation_problems(exc, "/delivery")) from None
    entry: dict[str, Any] = {
        "code": code,
        "format": format_name,
        "delivery": delivery.model_dump(),
        "keys": [PublicKey(kid=public.kid, key=raw).model_dump()],
    }
    if name_th is not None:
        entry["name_th"] = name_th
    if name_en is not None:
        entry["name_en"] = name_en
    return entry

"""Personal data at rest: every sealed blob is encrypted with its owner's data key.

An *owner* is a case (or a quarantined message before it becomes a case). Each owner has a
random 256-bit data key, stored wrapped (AES-GCM) by the hub's master key; blobs are sealed
with AES-GCM under the data key, with the owner id as associated data so a blob cannot be
moved to another owner. Erasing an owner deletes its data key: every blob it sealed becomes
unreadable, in the live database and in any backup taken afterwards that lacks the key row.

What this module does not do: decide what is personal (the callers seal whole messages and
the complainant part of a case) or manage the master key's storage (:mod:`saphan.keys`).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, bindparam, delete, insert, select

from saphan.errors import IntegrityError, NotFoundError
from saphan.store.prepared import Prepared
from saphan.store.tables import DataKeyRow

_KEYS = DataKeyRow.__table__  # type: ignore[attr-defined]
_INSERT_KEY = Prepared(insert(_KEYS))
_KEY_OF = Prepared(select(_KEYS.c.wrapped).where(_KEYS.c.owner == bindparam("owner")))
_NONCE = 12
_VERSION = b"\x01"


class Erased(NotFoundError):
    """The owner's data key was destroyed: its personal data no longer exists."""

    kind = "erased"
    title = "Erased"


class Vault:
    """Seals and opens blobs for owners, with keys kept in the ``data_keys`` table."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key has 32 bytes")
        self._master = AESGCM(master_key)

    def new_owner(self, conn: Connection, owner: str) -> bytes:
        """Create ``owner``'s data key (in the caller's transaction) and return it, so the
        same transaction can seal without reading it back."""
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(_NONCE)
        wrapped = _VERSION + nonce + self._master.encrypt(nonce, key, owner.encode())
        _INSERT_KEY.run(conn, dict(owner=owner, wrapped=wrapped, created_at=_now()))
        return key

    def seal(self, conn: Connection, owner: str, data: bytes, key: bytes | None = None) -> bytes:
        # Keys are never cached across transactions: an erasure in another process must
        # take effect at once everywhere.
        key = key if key is not None else self._key(conn, owner)
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + AESGCM(key).encrypt(nonce, data, owner.encode())

    def open(self, conn: Connection, owner: str, sealed: bytes) -> bytes:
        key = self._key(conn, owner)
        try:
            return AESGCM(key).decrypt(sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :], owner.encode())
        except InvalidTag as exc:
            raise IntegrityError(f"sealed data of {owner} does not open") from exc

    def erase(self, conn: Connection, owner: str) -> bool:
        """Destroy ``owner``'s data key; True when there was one."""
        result = conn.execute(delete(_KEYS).where(_KEYS.c.owner == owner))
        return bool(result.rowcount)

    def _key(self, conn: Connection, owner: str) -> bytes:
        row = _KEY_OF.first(conn, {"owner": owner})
        if row is None:
            raise Erased(f"no data key for {owner}: erased or never created")
        wrapped = bytes(row[0])
        try:
            key = self._master.decrypt(
                wrapped[1 : 1 + _NONCE], wrapped[1 + _NONCE :], owner.encode()
            )
        except InvalidTag as exc:
            raise IntegrityError(
                f"data key of {owner} does not unwrap (wrong master key?)"
            ) from exc
        return key


def _now() -> datetime:
    return datetime.now(UTC)

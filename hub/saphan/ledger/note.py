"""C2SP ``signed-note`` with Ed25519: text signed by one or more named keys.

Format (c2sp.org/signed-note): the note text, which ends in a newline, then a blank line,
then one line per signature: em dash U+2014, space, key name, space,
base64(4-byte key id ‖ signature), newline. For Ed25519 the key id is the first four bytes
of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key), and a verifier key is written
``<name>+<8 hex digits of key id>+<base64(0x01 ‖ public key)>``.

Verification follows the specification: signatures from unknown keys (name and id not
both known) are ignored; a known key's signature that fails rejects the whole note; at
least one known signature must verify.

What it does not do: interpret the text (see :mod:`saphan.ledger.checkpoint`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from saphan.errors import IntegrityError, Problem
from saphan.ledger.pubkeys import public_raw

__all__ = [
    "ED25519",
    "MAX_SIGNATURES",
    "Note",
    "NoteSignature",
    "NoteVerifier",
    "check_key_name",
    "note_key_id",
    "open_note",
    "parse_note",
    "sign_note",
]

ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "
#: More signatures than this are refused; the specification asks for at least 16.
MAX_SIGNATURES = 100
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_SPACE = re.compile(r"\s", re.UNICODE)


def _bad(message: str, path: str = "/note") -> IntegrityError:
    return IntegrityError(message, [Problem(path, message)])


def check_key_name(name: str) -> None:
    """Key names are non-empty, with no Unicode space and no ``+``."""
    if not name or _SPACE.search(name) or "+" in name or _CONTROL.search(name):
        raise _bad(f"{name!r} is not a valid note key name", "/name")


def note_key_id(name: str, key: Ed25519PublicKey) -> bytes:
    """The 4-byte key id of an Ed25519 note key."""
    data = name.encode("utf-8") + b"\n" + bytes([ED25519]) + public_raw(key)
    return hashlib.sha256(data).digest()[:4]


def _b64decode(text: str, path: str) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _bad("not standard base64", path) from exc
    if base64.b64encode(data).decode("ascii") != text:
        raise _bad("not canonical base64", path)
    return data


@dataclass(frozen=True, slots=True)
class NoteVerifier:
    """A trusted note key: its name, 4-byte id and public key."""

    name: str
    key_id: bytes
    key: Ed25519PublicKey = field(compare=False)

    @classmethod
    def of(cls, name: str, key: Ed25519PublicKey) -> NoteVerifier:
        check_key_name(name)
        return cls(name, note_key_id(name, key), key)

    @classmethod
    def parse(cls, vkey: str) -> NoteVerifier:
        """Read ``name+hexid+base64key``; the id must match the name and key."""
        # Names hold no "+", but base64 does: split at the first two only.
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise _bad("a verifier key has the form name+keyid+key", "/vkey")
        name, hex_id, encoded = parts
        check_key_name(name)
        raw = _b64decode(encoded, "/vkey")
        if len(raw) != 33 or raw[0] != ED25519:
            raise _bad("the verifier key is not an Ed25519 note key", "/vkey")
        verifier = cls.of(name, Ed25519PublicKey.from_public_bytes(raw[1:]))
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id) or bytes.fromhex(hex_id) != verifier.key_id:
            raise _bad("the verifier key's id does not match its name and key", "/vkey")
        return verifier

    def __str__(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + public_raw(self.key)).decode("ascii")
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: key name, key id and the signature bytes after the id."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        encoded = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{SIGNATURE_PREFIX}{self.name} {encoded}\n"


@dataclass(frozen=True, slots=True)
class Note:
    """A note's text and signature lines (verified only when from :func:`open_note`)."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __str__(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise _bad("note text must end with a newline", "/text")
    if _CONTROL.search(text):
        raise _bad("note text holds a control character other than newline", "/text")


def sign_note(
    text: str, name: str, key: Ed25519PrivateKey, *, keep: Sequence[NoteSignature] = ()
) -> str:
    """The signed note: ``text`` signed as ``name`` (after any signatures to ``keep``)."""
    _check_text(text)
    check_key_name(name)
    signature = NoteSignature(
        name, note_key_id(name, key.public_key()), key.sign(text.encode("utf-8"))
    )
    return str(Note(text, (*keep, signature)))


def parse_note(note: str | bytes) -> Note:
    """Split a signed note into text and signature lines, checking only the syntax."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad("a signed note must be UTF-8") from exc
    if _CONTROL.search(note):
        raise _bad("a signed note holds a control character other than newline")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise _bad("no blank line between the note text and its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise _bad(f"more than {MAX_SIGNATURES} signatures")
    signatures: list[NoteSignature] = []
    for i, line in enumerate(lines):
        path = f"/signatures/{i}"
        if not line.startswith(SIGNATURE_PREFIX):
            raise _bad("a signature line starts with an em dash and a space", path)
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        check_key_name(name)
        raw = _b64decode(encoded, path)
        if len(raw) < 5:
            raise _bad("a signature holds a 4-byte key id and a signature", path)
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    return Note(text, tuple(signatures))


def open_note(note: str | bytes, verifiers: Sequence[NoteVerifier]) -> Note:
    """The note with only the signatures that verify with the given trusted keys.

    Raises :class:`IntegrityError` when a known key's signature fails or none verifies.
    """
    parsed = parse_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    data = parsed.text.encode("utf-8")
    verified: list[NoteSignature] = []
    for i, sig in enumerate(parsed.signatures):
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        try:
            verifier.key.verify(sig.signature, data)
        except InvalidSignature as exc:
            raise _bad(f"the signature of {sig.name} does not verify", f"/signatures/{i}") from exc
        verified.append(sig)
    if not verified:
        names = ", ".join(sorted({v.name for v in verifiers})) or "none given"
        raise _bad(f"no signature from a trusted key ({names})", "/signatures")
    return Note(parsed.text, tuple(verified))

"""C2SP ``tlog-checkpoint``: the log's signed tree head.

A checkpoint is a signed note (:mod:`saphan.ledger.note`) whose text is the log's origin,
the tree size in decimal, the base64 root hash, and optional extension lines::

    saphan.example/log
    20852163
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

    — saphan.example/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeO...

The log signs with an Ed25519 key whose note key name is the origin, and publishes the
verifier key string ``origin+hexkeyid+base64(0x01 ‖ public key)`` (``GET /v1/log/key``).
:func:`verify_checkpoint` trusts a checkpoint only when a signature by that key holds and
the origin is the key's name, so a checkpoint of another log is never mistaken for ours.

What it does not do: keep checkpoints or check them against each other; that takes a
consistency proof (:func:`saphan.ledger.merkle.verify_consistency`).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from saphan.errors import IntegrityError, Problem
from saphan.ledger.merkle import HASH_SIZE
from saphan.ledger.note import NoteVerifier, check_key_name, open_note, parse_note, sign_note

__all__ = [
    "Checkpoint",
    "log_verifier_key",
    "parse_checkpoint",
    "sign_checkpoint",
    "verify_checkpoint",
]

_SIZE = re.compile(r"0|[1-9][0-9]*", re.ASCII)


def _bad(message: str, path: str) -> IntegrityError:
    return IntegrityError(f"malformed checkpoint: {message}", [Problem(path, message)])


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tree head: which log, how many leaves, the root hash, any extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # The origin is also the signing key's name, so it obeys the key name rules.
        check_key_name(self.origin)
        if self.size < 0:
            raise _bad("the tree size cannot be negative", "/size")
        if len(self.root_hash) != HASH_SIZE:
            raise _bad(f"the root hash has {len(self.root_hash)} bytes, not 32", "/root_hash")
        for i, line in enumerate(self.extensions):
            if not line or "\n" in line:
                raise _bad("an extension line must be one non-empty line", f"/extensions/{i}")

    def text(self) -> str:
        """The note text: every line newline-terminated."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        lines = [self.origin, str(self.size), root, *self.extensions]
        return "".join(f"{line}\n" for line in lines)


def _parse_text(text: str) -> Checkpoint:
    if not text.endswith("\n"):
        raise _bad("the note text must end with a newline", "/")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise _bad("a checkpoint has an origin, a size and a root hash line", "/")
    origin, size, root, *extensions = lines
    if not _SIZE.fullmatch(size):
        raise _bad(f"{size!r} is not a tree size (decimal, no leading zeros)", "/size")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except ValueError as exc:
        raise _bad("the root hash is not base64", "/root_hash") from exc
    if base64.b64encode(root_hash).decode("ascii") != root:
        raise _bad("the root hash is not canonical base64", "/root_hash")
    try:
        return Checkpoint(origin, int(size), root_hash, tuple(extensions))
    except IntegrityError as exc:
        raise _bad(exc.problems[0].message, exc.problems[0].path) from exc


def parse_checkpoint(text: str | bytes) -> Checkpoint:
    """Read a checkpoint from a signed note, or from bare note text, WITHOUT verifying it."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad("a checkpoint must be UTF-8", "/") from exc
    if "\n\n" in text:
        return _parse_text(parse_note(text).text)
    return _parse_text(text)


def sign_checkpoint(checkpoint: Checkpoint, key: Ed25519PrivateKey) -> str:
    """The checkpoint as a signed note, signed under its origin."""
    return sign_note(checkpoint.text(), checkpoint.origin, key)


def log_verifier_key(origin: str, key: Ed25519PublicKey) -> str:
    """The verifier key string a log publishes: ``origin+hexkeyid+base64(0x01 ‖ key)``."""
    return str(NoteVerifier.of(origin, key))


def verify_checkpoint(note: str | bytes, verifier_key: str | NoteVerifier) -> Checkpoint:
    """The checkpoint, once a signature by the log's key holds and the origin matches."""
    verifier = (
        verifier_key if isinstance(verifier_key, NoteVerifier) else NoteVerifier.parse(verifier_key)
    )
    checkpoint = _parse_text(open_note(note, [verifier]).text)
    if checkpoint.origin != verifier.name:
        raise IntegrityError(
            "the checkpoint is from another log",
            [Problem("/origin", f"is {checkpoint.origin!r}, the key is {verifier.name!r}")],
        )
    return checkpoint

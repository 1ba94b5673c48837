"""The export folder: where each part of an exported log lives, and its entry files.

Layout (format ``saphan-log-export``, version 1)::

    manifest.json        format, version, origin, tree size, counts (written last)
    checkpoint.txt       the latest signed checkpoint; the export holds exactly its entries
    checkpoints.jsonl    every checkpoint signed up to it: {"size", "created_at", "note"}
    entries/000000000000.b64
    entries/000000100000.b64 ...
                         the entries, in index order: one line per entry holding the
                         standard base64 of its exact leaf bytes; a file holds at most
                         100,000 entries and is named by the index of its first entry
                         (12 digits)
    receipts.jsonl       one receipt a line: {"type": "intake" | "delivery", "issuer",
                         "log_index", "transfer_id", "jws"}
    jwks.json            the hub's public keys, current first (RFC 7517 JWK set)
    agency-keys.json     {"agencies": {"<code>": {"keys": [<JWK>, ...]}}}: the directory's
                         keys of every agency that signed an exported receipt
    log-key.txt          the log verifier key (signed-note form) of the current hub key
    log-keys.txt         the verifier keys of every hub key, current first, one a line

Base64 lines keep any byte string exact (an altered store may hold bytes that are not
JSON), match the ``entry`` member of ``GET /v1/log/entries``, and let anyone inspect an
entry with standard tools (``sed -n 5p entries/000000000000.b64 | base64 -d``). Entries
are written and read a file at a time in bounded chunks, so neither side holds the log.

What it does not do: decide whether the contents are true (see :mod:`saphan.audit.verify`).
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

from saphan.errors import InputError, Problem

__all__ = [
    "AGENCY_KEYS",
    "CHECKPOINT",
    "CHECKPOINTS",
    "ENTRIES",
    "ENTRIES_PER_FILE",
    "FORMAT",
    "JWKS",
    "LOG_KEY",
    "LOG_KEYS",
    "MANIFEST",
    "RECEIPTS",
    "VERSION",
    "EntryFile",
    "EntryWriter",
    "entry_file_name",
    "entry_files",
    "read_entry_file",
]

FORMAT = "saphan-log-export"
VERSION = 1
MANIFEST = "manifest.json"
CHECKPOINT = "checkpoint.txt"
CHECKPOINTS = "checkpoints.jsonl"
ENTRIES = "entries"
RECEIPTS = "receipts.jsonl"
JWKS = "jwks.json"
AGENCY_KEYS = "agency-keys.json"
LOG_KEY = "log-key.txt"
LOG_KEYS = "log-keys.txt"
ENTRIES_PER_FILE = 100_000

_NAME = re.compile(r"([0-9]{12})\.b64")
#: Lines read at a time (about 4 MB): bounded memory, few system calls.
_READ_HINT = 1 << 22


def entry_file_name(first: int) -> str:
    return f"{first:012d}.b64"


class EntryWriter:
    """Writes entries in index order into numbered base64-line files."""

    def __init__(self, folder: Path, per_file: int = ENTRIES_PER_FILE) -> None:
        if per_file < 1:
            raise InputError("bad entry file size", [Problem("/per_file", "must be at least 1")])
        self.folder = folder / ENTRIES
        self.folder.mkdir(parents=True, exist_ok=True)
        self.per_file = per_file
        self.count = 0
        self.files: list[str] = []
        self._handle: IO[bytes] | None = None

    def write(self, entries: list[bytes]) -> None:
        """Append entries (the next ones in index order)."""
        encode = binascii.b2a_base64
        start = 0
        while start < len(entries):
            if self._handle is None or self.count % self.per_file == 0:
                self._rotate()
            assert self._handle is not None
            room = self.per_file - self.count % self.per_file
            chunk = entries[start : start + room]
            self._handle.write(b"".join([encode(e, newline=True) for e in chunk]))
            self.count += len(chunk)
            start += len(chunk)

    def _rotate(self) -> None:
        self.close()
        name = entry_file_name(self.count)
        self._handle = (self.folder / name).open("wb")
        self.files.append(f"{ENTRIES}/{name}")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> EntryWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class EntryFile:
    """One entry file found in an export: its path and the index its name says it starts at."""

    def __init__(self, path: Path, first: int) -> None:
        self.path = path
        self.first = first

    def __repr__(self) -> str:
        return f"EntryFile({self.path.name!r}, first={self.first})"


def entry_files(folder: Path) -> tuple[list[EntryFile], list[Problem]]:
    """The entry files of an export in index order, and a problem for each stray file."""
    directory = folder / ENTRIES
    found: list[EntryFile] = []
    problems: list[Problem] = []
    if not directory.is_dir():
        return [], [Problem(f"/{ENTRIES}", "the export has no entries folder")]
    for path in sorted(directory.iterdir()):
        match = _NAME.fullmatch(path.name)
        if match is None or not path.is_file():
            problems.append(
                Problem(f"/{ENTRIES}/{path.name}", "not an entry file (NNNNNNNNNNNN.b64)")
            )
            continue
        found.append(EntryFile(path, int(match.group(1))))
    return found, problems


def read_entry_file(entry_file: EntryFile) -> Iterator[tuple[list[bytes], list[int]]]:
    """The file's entries in chunks: (decoded entries, offsets in the file of bad lines).

    A line that is not strict base64 yields an empty entry at its place (so indexes stay
    aligned) and its offset among the bad lines.
    """
    decode = binascii.a2b_base64
    offset = 0
    with entry_file.path.open("rb") as handle:
        while lines := handle.readlines(_READ_HINT):
            out: list[bytes] = []
            bad: list[int] = []
            try:
                out = [decode(line.rstrip(b"\n"), strict_mode=True) for line in lines]
            except binascii.Error:
                # Rare: redo this chunk line by line to find the culprits.
                out = []
                for n, line in enumerate(lines):
                    try:
                        out.append(decode(line.rstrip(b"\n"), strict_mode=True))
                    except binascii.Error:
                        out.append(b"")
                        bad.append(offset + n)
            offset += len(lines)
            yield out, bad

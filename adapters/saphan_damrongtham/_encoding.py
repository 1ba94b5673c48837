"""Character encodings of Damrongtham messages: UTF-8, TIS-620 and windows-874.

Reading: the encoding is whatever the XML declaration says; no declaration means UTF-8.
Labels are compared without regard to case and a few common spellings are accepted
(``UTF8``; ``TIS620``, ``ISO-8859-11``; ``CP874``, ``dos-874``). The bytes are decoded in
Python, strictly, and lxml is handed UTF-8, so that it never guesses.

Every TIS-620 label is decoded as windows-874 (Python's ``cp874``), as the WHATWG Encoding
Standard does for all Thai single-byte labels. windows-874 reads every TIS-620 character
the same way and only adds characters (``€ … ‘ ’ “ ” • – —`` in 0x80-0x97 and the no-break
space at 0xA0) in byte values TIS-620 leaves unassigned. Legacy systems often label their
windows-874 output TIS-620; Python's own ``tis-620`` codec would turn those bytes into
invisible C1 control characters and so corrupt the text without a word.

Writing: UTF-8 unless the receiver asks for ``TIS-620`` or ``windows-874`` (the directory's
``encoding`` option). A character the target cannot hold is refused, never replaced and never
written as a numeric character reference: the caller raises an InputError naming where it
is and which character (legacy centers that ask for a code page show references as literal
text). For TIS-620 that means exactly TIS-620's repertoire: ASCII and the Thai letters, marks
and digits (U+0E01-U+0E3A, U+0E3F-U+0E5B); Python's ``tis-620`` codec would also let C1
controls through.

What it does not do: parse XML (see :mod:`saphan.translate.safexml`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from saphan.errors import ConfigError, InputError, Problem
from saphan.translate import safexml


@dataclass(frozen=True, slots=True)
class Encoding:
    label: str  # as the format spells it in the XML declaration
    codec: str  # the Python codec that writes it


UTF8: Final = Encoding("UTF-8", "utf-8")
TIS620: Final = Encoding("TIS-620", "tis-620")
WINDOWS874: Final = Encoding("windows-874", "cp874")

_LABELS: Final[dict[str, Encoding]] = {
    "utf-8": UTF8,
    "utf8": UTF8,
    "tis-620": TIS620,
    "tis620": TIS620,
    "tis_620": TIS620,
    "iso-8859-11": TIS620,
    "iso8859-11": TIS620,
    "iso_8859-11": TIS620,
    "windows-874": WINDOWS874,
    "cp874": WINDOWS874,
    "dos-874": WINDOWS874,
}
_C1: Final = re.compile("[\x80-\x9f]")
_C1_BYTES: Final = re.compile(b"[\x80-\x9f]")
_KNOWN: Final = "UTF-8, TIS-620 or windows-874"


def for_label(label: str) -> Encoding | None:
    return _LABELS.get(label.strip().lower())


def to_utf8(data: bytes) -> tuple[bytes, Encoding]:
    """``data`` as UTF-8 bytes for lxml, and the encoding it was read in.

    The declaration stays in the returned bytes; the caller makes lxml read them as UTF-8.
    """
    declaration = safexml.read_declaration(data)
    if declaration.encoding is None:
        encoding = UTF8
    else:
        found = for_label(declaration.encoding)
        if found is None:
            raise InputError(
                f"unknown encoding {declaration.encoding!r}",
                [Problem("", f"encoding {declaration.encoding!r} is not {_KNOWN}")],
            )
        encoding = found
    if declaration.bom and encoding is not UTF8:
        raise InputError(
            "the byte order mark contradicts the declaration",
            [Problem("", f"UTF-8 byte order mark on a document declared {encoding.label}")],
        )
    # every TIS-620 label is read as windows-874 (see the module docstring); compared by
    # identity, where a lookup would hash the Encoding dataclass in Python
    codec = "utf-8" if encoding is UTF8 else "cp874"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        byte = data[exc.start : exc.start + 1].hex()
        said = "declared" if declaration.encoding else "assumed: no XML declaration"
        raise InputError(
            f"the message is not valid {encoding.label}",
            [Problem("", f"byte 0x{byte} at offset {exc.start} is not {encoding.label} ({said})")],
        ) from exc
    return (data if encoding is UTF8 else text.encode("utf-8")), encoding


def for_output(options: Mapping[str, str]) -> Encoding:
    """The encoding a receiver asked for (UTF-8 by default); an unknown one is a ConfigError."""
    label = options.get("encoding")
    if label is None:
        return UTF8
    found = for_label(label)
    if found is None:
        raise ConfigError(f"receiver option encoding={label!r} is not {_KNOWN}")
    return found


def encodes(text: str, encoding: Encoding) -> bool:
    """Whether ``text`` can be written in ``encoding`` without loss."""
    if encoding is UTF8:
        return True
    try:
        text.encode(encoding.codec)
    except UnicodeEncodeError:
        return False
    return not (encoding is TIS620 and _C1.search(text))


def encode(text: str, encoding: Encoding) -> bytes | None:
    """``text`` written in ``encoding``, or None when it cannot be without loss (one pass,
    where :func:`encodes` and then encoding would be two)."""
    try:
        data = text.encode(encoding.codec)
    except UnicodeEncodeError:
        return None
    # Python's tis-620 codec writes the C1 controls U+0080-U+009F as bytes 0x80-0x9F
    return None if encoding is TIS620 and _C1_BYTES.search(data) else data


def unwritable(text: str, encoding: Encoding) -> list[str]:
    """The distinct characters of ``text`` that ``encoding`` cannot hold, in order."""
    if encodes(text, encoding):
        return []
    return [ch for ch in dict.fromkeys(text) if not encodes(ch, encoding)]


def describe(ch: str) -> str:
    return f"{ch!r} (U+{ord(ch):04X})"

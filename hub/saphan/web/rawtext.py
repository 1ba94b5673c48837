"""A quarantined record's bytes as editable text, and the edited text back as bytes.

Senders do not all write UTF-8: a legacy Damrongtham center sends TIS-620 XML. The text
is decoded with the encoding the bytes declare (or UTF-8), the operator edits it in a
text area, and it is encoded back with that same encoding, so the repaired record reads
exactly as the sender's own would. Bytes that are neither are shown as Latin-1, which
turns every byte into one character and back.

Browsers send text areas with CRLF line ends; they become LF again (XML and JSON do not
care, and the sender's formats use LF).
"""

from __future__ import annotations

import codecs
import re

from saphan.errors import InputError, Problem

_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_raw(raw: bytes) -> tuple[str, str]:
    """(text, encoding name) for a record's bytes."""
    declared = _XML_DECL.match(raw[:200])
    candidates = []
    if declared:
        name = _codec(declared.group(1).decode("ascii"))
        if name:
            candidates.append(name)
    candidates.append("utf-8")
    for name in candidates:
        try:
            return raw.decode(name), name
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


def encode_raw(text: str, encoding: str) -> bytes:
    """The edited text as bytes in ``encoding``; :class:`InputError` when it cannot be."""
    name = _codec(encoding[:40])
    if name is None:
        raise InputError("unknown encoding", [Problem("/encoding", f"{encoding!r} is unknown")])
    normalised = text.replace("\r\n", "\n")
    try:
        return normalised.encode(name)
    except UnicodeEncodeError as exc:
        raise InputError(
            f"the text cannot be written in {name}",
            [Problem("/raw", f"character {exc.object[exc.start]!r} at {exc.start}")],
        ) from None

"""Reading ``Attachments``: base64 content checked against its SHA-256 and the size limits.

Each ``Attachment`` is decoded (line breaks inside the base64 are allowed), its SHA-256 must
be the lower-case hex of the decoded bytes, a file may have at most 10 MiB and all files
together at most 25 MiB. The canonical case keeps the content as plain base64.

What it does not do: look inside files (media types are taken as given).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Final

from lxml import etree

from ._names import own_name
from ._reader import Part, Reader
from ._schema import FORMS

MAX_FILE: Final = 10 * 1024 * 1024
MAX_FILES: Final = 25 * 1024 * 1024
_SHA256: Final = re.compile(r"[0-9a-f]{64}")


def read_attachments(r: Reader, element: etree._Element | None) -> list[Part]:
    if element is None:
        return []
    out: list[Part] = []
    total = 0
    items = [c for c in element if own_name(c) == "Attachment"]
    for i, item in enumerate(items, start=1):
        found = _attachment(r, item, f"/Case/Attachments/Attachment[{i}]")
        if found is not None:
            total += found["size"]
            out.append(found)
    if total > MAX_FILES:
        r.problem("/Case/Attachments", f"attachments total {total} bytes; at most 25 MiB")
    return out


def _attachment(r: Reader, element: etree._Element, at: str) -> Part | None:
    name = r.attr(element, "fileName", at)
    media_type = r.attr(element, "mimeType", at)
    digest = r.attr(element, "sha256", at)
    # without white space (split() and the regex \s agree on what it is; split is C speed
    # and hands back a line without any as it is, which matters for files of megabytes)
    compact = "".join((element.text or "").split())
    try:
        content = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        r.problem(at, "the content is not base64")
        return None
    if len(content) > MAX_FILE:
        r.problem(at, f"the file has {len(content)} bytes; at most 10 MiB")
        return None
    if digest is not None and not _SHA256.fullmatch(digest):
        r.problem(f"{at}/@sha256", f"{digest!r} is not {FORMS['Attachment/@sha256']}")
        return None
    actual = hashlib.sha256(content).hexdigest()
    if digest is not None and digest != actual:
        r.problem(f"{at}/@sha256", f"does not match the content (its SHA-256 is {actual})")
        return None
    if name is None or media_type is None or digest is None:
        return None
    return {
        "filename": name,
        "media_type": media_type,
        "sha256": digest,
        "size": len(content),
        # Without its line breaks the text is the plain base64 of the content: the XSD
        # (checked alongside; the case is refused if it fails) allows only the canonical
        # alphabet, padding and zero bits after the last byte, so encoding again would
        # give the same text.
        "content_b64": compact,
    }

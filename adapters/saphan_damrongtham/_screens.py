"""What the Damrongtham XSD accepts, checked cheaply while a message is written.

The canonical case holds some values the XSD does not accept (an e-mail address without
``@``, an empty subject, a media type or base64 the schema refuses, a year that is not four
digits in BE, a number with a space in it). The writer (:mod:`._elements`) screens each such
value with the lexical form of its XSD simple type, written here in Python's ``re``; when a
screen trips, the whole message is checked against the XSD, which then words the problems.
A screen may be stricter than the XSD (the message is only checked needlessly), never
looser: ``tests/property/test_damrongtham_screens.py`` renders hostile values both ways.

What it does not do: check structure, or any value the canonical model already confines
(area names come from the reference data, codes from the code tables, citizen IDs and
postcodes are digits).
"""

from __future__ import annotations

import re
from typing import Final

BE_TEXT: Final = re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}(?::[0-9]{2})?")
EMAIL: Final = re.compile(r"[^@ \t\n\r]+@[^@ \t\n\r]+")
PHONE: Final = re.compile(r"\+?[0-9๐-๙](?:[ \-]?[0-9๐-๙]){7,13}")
DEGREES: Final = re.compile(r"[\-+]?[0-9]{1,3}(?:\.[0-9]+)?")
MEDIA_TYPE: Final = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9!#$&\-^_.+]*/[A-Za-z0-9][A-Za-z0-9!#$&\-^_.+]*"
)
SHA256: Final = re.compile(r"[0-9a-f]{64}")
_BASE64_BODY: Final = re.compile(r"[A-Za-z0-9+/]*")
_WHITESPACE: Final = re.compile(r"[ \t\n\r]")


def xsd_base64(value: str) -> bool:
    """Whether ``value`` is in the lexical space of ``xs:base64Binary`` (XSD 1.0 §3.2.16):
    groups of four, and the bits a final ``=`` or ``==`` leaves over all zero, which libxml2
    insists on and Python's decoder does not."""
    if not value.isascii():  # known without reading it: a flag of the string
        return False
    if " " in value or "\n" in value or "\r" in value or "\t" in value:
        value = _WHITESPACE.sub("", value)
    if len(value) % 4:
        return False
    pad = 2 if value.endswith("==") else 1 if value.endswith("=") else 0
    body = value[: len(value) - pad]
    if not _BASE64_BODY.fullmatch(body):
        return False
    return pad == 0 or body[-1] in ("AEIMQUYcgkosw048" if pad == 1 else "AQgw")

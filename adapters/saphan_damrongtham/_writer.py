"""Writing the format's XML as text, and finding what in it XML cannot hold.

The renderer (:mod:`.render`) writes a message as text directly, element by element in
document order, in the format's default namespace and two spaces of indentation per
level: exactly the bytes lxml gives for the same tree after indenting it (``<a></a>`` for
empty text, ``<a/>`` for no text and no children). This module has the escaping that
lxml (libxml2) applies: in text ``&``, ``<``, ``>`` and carriage returns; in attribute
values also ``"``, tabs and line feeds. Writing text costs about a third of building an
lxml tree and serializing it; a tree is only needed on rare paths (content kept from an
earlier message, a schema check, a problem to locate), and :func:`tree` reads the text
back for those.

Characters that XML 1.0 cannot hold (most control characters, lone surrogates, U+FFFE and
U+FFFF) are found by one scan of the finished text (:func:`has_unwritable`); only then
does :func:`locate_unwritable` name every element and attribute that holds one. The other
rare paths work on a tree: :func:`indent` around kept foreign content, and
:func:`unwritable_in` for a legacy encoding that cannot hold a character. It also writes
the values whose form is the format's own: BE date-times and decimal degrees.

What it does not do: decide what is written (see :mod:`._elements`), or check values
against the XSD (see :mod:`._screens`).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Final

from lxml import etree

from saphan.errors import Problem
from saphan.reference.calendar import BE_OFFSET, THAI_TZ
from saphan.translate import safexml

from . import _encoding
from ._names import LOCAL, element_path

INDENT: Final = "  "
#: a character that XML 1.0's ``Char`` production leaves out (the C0 controls but tab, line
#: feed and carriage return; surrogates, which a Python string may hold alone; U+FFFE/F)
_UNWRITABLE: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES: Final = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)
#: candidates for a character that marks where an unwritable one was (private use)
_MARKERS: Final = (range(0xE000, 0xF900), range(0xF0000, 0xFFFFE))
CANNOT_HOLD: Final = "characters XML cannot hold"


def text(value: str) -> str:
    """``value`` escaped as element content."""
    if "&" in value or "<" in value or ">" in value or "\r" in value:
        return value.translate(_TEXT_ESCAPES)
    return value


def attribute(value: str) -> str:
    """``value`` escaped as an attribute value between double quotes."""
    if '"' in value or "&" in value or "<" in value or ">" in value or _has_space(value):
        return value.translate(_ATTR_ESCAPES)
    return value


def _has_space(value: str) -> bool:
    return "\n" in value or "\t" in value or "\r" in value


def has_unwritable(body: str) -> bool:
    """Whether the written text holds a character XML 1.0 cannot hold."""
    return _UNWRITABLE.search(body) is not None


def utf8_unless_unwritable(body: str) -> bytes | None:
    """``body`` in UTF-8, or None when it holds a character XML 1.0 cannot hold: the
    answer of :func:`has_unwritable`, found at a fraction of the cost of a regular
    expression over the text. Lone surrogates are what UTF-8 cannot encode; each C0
    control is a byte of its own (every byte of another character is 0x80 or above), so
    the bytes with those deleted are shorter exactly when there is one; U+FFFE and U+FFFF
    are looked for in the text (one character each: their three bytes are slow to find
    among Thai letters, which all start with ``E0``). A test holds the two to the same
    answer."""
    if "\ufffe" in body or "\uffff" in body:
        return None
    try:
        data = body.encode("utf-8")
    except UnicodeEncodeError:
        return None
    if len(data.translate(None, _C0)) != len(data):
        return None
    return data


#: the C0 controls XML 1.0 cannot hold (all but tab, line feed and carriage return)
_C0: Final = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0D))


def tree(body: str) -> etree._Element:
    """The written text as a tree again (it is the renderer's own: no limits are near)."""
    return safexml.parse(body.encode("utf-8"), huge_text=True, max_markup=1_000_000)


def locate_unwritable(body: str) -> tuple[etree._Element, list[Problem]]:
    """Every element and attribute of ``body`` holding a character XML cannot hold, and
    the tree without those values (what lxml would have built: it refuses such a value,
    so the element is left without it)."""
    marker = next((chr(c) for r in _MARKERS for c in r if chr(c) not in body), None)
    if marker is None:  # a text that uses every private character: say it of the whole
        return tree(_UNWRITABLE.sub("", body)), [Problem("/Case", CANNOT_HOLD)]
    root = tree(_UNWRITABLE.sub(marker, body))
    problems: list[Problem] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for key, value in element.items():
            if marker in str(value):
                name = key.decode("utf-8") if isinstance(key, bytes) else key
                problems.append(Problem(f"{element_path(element)}/@{name}", CANNOT_HOLD))
                del element.attrib[key]
        if element.text is not None and marker in element.text:
            problems.append(Problem(element_path(element), CANNOT_HOLD))
            element.text = None
    return root, problems


# -- values as the format writes them ----------------------------------------------------


def be_datetime(instant: datetime) -> str:
    """:func:`~saphan.reference.calendar.format_be_datetime`, without ``strftime`` (which
    costs more than the rest of it); a test holds the two to the same text."""
    return be_datetime_checked(instant)[0]


def be_datetime_checked(instant: datetime) -> tuple[str, bool]:
    """:func:`be_datetime`, and whether the text has the XSD's form (``_screens.BE_TEXT``):
    day, month, hour, minute and second are always written with two digits, so only the
    BE year can miss it, when it is not four digits."""
    local = instant.astimezone(THAI_TZ)
    year = local.year + BE_OFFSET
    two = _TWO_DIGITS  # a lookup costs half what formatting with :02d does
    if local.second or local.microsecond:
        text = (
            f"{two[local.day]}/{two[local.month]}/{year} "
            f"{two[local.hour]}:{two[local.minute]}:{two[local.second]}"
        )
    else:
        text = f"{two[local.day]}/{two[local.month]}/{year} {two[local.hour]}:{two[local.minute]}"
    return text, 1000 <= year <= 9999


#: 0-99 as two digits (day, month, hour, minute and second are all below 100)
_TWO_DIGITS: Final = tuple(f"{n:02d}" for n in range(100))


def degrees(value: float) -> str:
    """Decimal degrees as the format writes them."""
    # the shortest text that reads back as the same float, never in exponent form (repr
    # has one only for very small or large numbers; Decimal rewrites just those)
    text = repr(value)
    return format(Decimal(text), "f") if "e" in text else text


# -- the rare paths, on a tree ------------------------------------------------------------


def indent(element: etree._Element, level: int = 0) -> None:
    """Indent the format's own elements; foreign elements are kept exactly as they came."""
    children = list(element)
    if not children:
        return
    inner = "\n" + INDENT * (level + 1)
    element.text = inner
    for child in children:
        if child.tag in LOCAL:
            indent(child, level + 1)
        child.tail = inner
    children[-1].tail = "\n" + INDENT * level


def unwritable_in(root: etree._Element, encoding: _encoding.Encoding) -> list[Problem]:
    """Every text and attribute value under ``root`` that ``encoding`` cannot hold."""
    problems: list[Problem] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        path = element_path(element)
        values = [(path, element.text or "")]
        values.extend((f"{path}/@{_str(k)}", _str(v)) for k, v in element.attrib.items())
        for where, value in values:
            bad = _encoding.unwritable(value, encoding)
            if bad:
                chars = ", ".join(_encoding.describe(ch) for ch in bad)
                problems.append(Problem(where, f"{encoding.label} cannot hold {chars}"))
    return problems


def _str(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value

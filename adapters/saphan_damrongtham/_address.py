"""Splitting a free street line into the Damrongtham address parts.

OCC and 1111 carry the street part of an address as one line (``"12/3 หมู่ 5"``,
``"7 ซอยรามคำแหง 24"``, ``"99 ถนนพหลโยธิน"``); Damrongtham wants ``HouseNo``, ``Moo``,
``Soi`` and ``Road``. The usual Thai form is read, in this order and each part optional:

    [เลขที่] <house number> [หมู่ / หมู่ที่ / ม. <village no.>] [ซอย / ซ. <lane>] [ถนน / ถ. <road>]

The words themselves are not kept (the elements say what the parts are). A line that does
not have this form goes whole into ``HouseNo``, so nothing is lost. The split is
deterministic: the same line always gives the same parts.

What it does not do: read area names in the line (the case carries area codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

_DIGIT: Final = "[0-9๐-๙]"
_LINE: Final = re.compile(
    rf"(?:เลขที่\s*)?(?P<house>{_DIGIT}[0-9๐-๙/\-]*)?"
    rf"(?:\s*(?:หมู่ที่|หมู่|ม\.)\s*(?P<moo>{_DIGIT}{{1,3}}))?"
    r"(?:\s*(?:ซอย|ซ\.)\s*(?P<soi>\S.*?))?"
    r"(?:\s*(?:ถนน|ถ\.)\s*(?P<road>\S.*?))?"
)


@dataclass(frozen=True, slots=True)
class Parts:
    house_no: str | None = None
    moo: str | None = None
    soi: str | None = None
    road: str | None = None


def split_line(line: str) -> Parts:
    """The parts of a street line (see the module docstring)."""
    return Parts(*line_parts(line))


_NONE: Final = (None, None, None, None)


def line_parts(line: str) -> tuple[str | None, str | None, str | None, str | None]:
    """:func:`split_line`'s parts as a plain tuple (house, moo, soi, road), for the writer,
    which needs them once and not a :class:`Parts`."""
    text = " ".join(line.split())
    if not text:
        return _NONE
    m = _LINE.fullmatch(text)
    if m is None or m.lastindex is None:  # no part matched: every part is at least a character
        return text, None, None, None
    house, moo, soi, road = m.group("house", "moo", "soi", "road")
    return house, moo, soi, road

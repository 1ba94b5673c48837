"""Small text rules shared by adapters: Thai digits and whitespace."""

from __future__ import annotations

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def ascii_digits(text: str) -> str:
    """Replace Thai digits (๐-๙) with ASCII digits; everything else is kept."""
    # ASCII text holds no Thai digit: isascii() is a flag lookup, translate() a scan.
    return text if text.isascii() else text.translate(_THAI_DIGITS)


def clean(text: str | None) -> str | None:
    """Trim and fold inner runs of white space; empty becomes None."""
    if text is None:
        return None
    folded = " ".join(text.split())
    return folded or None

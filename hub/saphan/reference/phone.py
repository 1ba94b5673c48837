"""Thai phone numbers in the three styles the formats use, and E.164 in the canonical case.

* Damrongtham: Thai style with dashes, ``081-234-5678`` (mobile), ``02-123-4567`` (Bangkok),
  ``045-123-456`` (provincial land line);
* OCC: E.164, ``+66812345678``;
* 1111: digits only with the leading 0, ``0812345678``.
"""

from __future__ import annotations

from saphan.reference.text import ascii_digits


def to_e164(value: str) -> str:
    """Any of the three styles (or with spaces) to E.164; ValueError if it is not Thai."""
    raw = ascii_digits(value).strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    if raw.startswith("+"):
        if not digits.startswith("66") or not 10 <= len(digits) <= 11:
            raise ValueError(f"not a Thai number in E.164: {value!r}")
        return "+" + digits
    if digits.startswith("0") and len(digits) in (9, 10):
        return "+66" + digits[1:]
    raise ValueError(f"not a Thai phone number: {value!r}")


def to_national(e164: str) -> str:
    """E.164 to digits with the leading 0 (1111 style)."""
    return "0" + e164[3:]


def to_thai_style(e164: str) -> str:
    """E.164 to the dashed Thai style Damrongtham uses."""
    national = to_national(e164)
    if len(national) == 10:  # mobile and 10-digit numbers: 0XX-XXX-XXXX
        return f"{national[:3]}-{national[3:6]}-{national[6:]}"
    if national.startswith("02"):  # Bangkok land line: 02-XXX-XXXX
        return f"{national[:2]}-{national[2:5]}-{national[5:]}"
    return f"{national[:3]}-{national[3:6]}-{national[6:]}"  # provincial: 0XX-XXX-XXX

"""Thai national ID numbers (เลขประจำตัวประชาชน), via ``python-stdnum``.

Senders may add dashes or spaces (and Damrongtham may use Thai digits); the canonical form
is 13 ASCII digits. A wrong check digit is a data-quality warning, never a refusal.
"""

from __future__ import annotations

from stdnum.th import pin

from saphan.reference.text import ascii_digits


def normalize(value: str) -> str:
    """13 plain ASCII digits, or raises ValueError when it cannot be a citizen ID."""
    digits = "".join(ch for ch in ascii_digits(value) if ch not in " -")
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"a citizen ID has 13 digits; got {value!r}")
    return digits


def check_digit_ok(digits: str) -> bool:
    """Whether the 13th digit is the check digit of the first twelve.

    Only the check digit (the rule agency-formats.md gives): ``pin.is_valid`` also refuses
    numbers starting with 0 or 9, which would be reported as a wrong check digit.
    """
    return (
        len(digits) == 13 and digits.isdigit() and pin.calc_check_digit(digits[:12]) == digits[12]
    )

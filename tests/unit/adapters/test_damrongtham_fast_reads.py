"""The Damrongtham reader's own shortcuts answer as the shared helpers they stand for.

* A BE date-time is read in one pass (``Reader.instant``): the instant
  :func:`saphan.reference.calendar.parse_be_datetime` gives, and a problem exactly when it
  refuses the text (or the text is not the XSD's form, which is checked first).
* A phone of ASCII digits and dashes after a leading 0 becomes E.164 without
  :func:`saphan.reference.phone.to_e164`'s walk: the same number, or the same refusal.
"""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from saphan.reference import phone
from saphan.reference.calendar import parse_be_datetime
from saphan.reference.text import ascii_digits
from saphan_damrongtham._complainant import _phone
from saphan_damrongtham._reader import Reader

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
#: the XSD's form of a BE date-time, checked by the reader before the date is read
XSD_FORM = re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}(?::[0-9]{2})?")


def _two(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda n: f"{n:02d}")


#: BE date-times near and far from real ones: any two-digit parts, years around the CE/BE
#: boundaries, Thai digits, spaces around and within
DATE_TIMES = st.builds(
    lambda d, m, y, h, mi, s, thai, pad: (
        pad
        + (f"{d}/{m}/{y} {h}:{mi}" + ("" if s is None else f":{s}")).translate(
            str.maketrans("0123456789", THAI_DIGITS) if thai else {}
        )
        + pad
    ),
    _two(0, 39),
    _two(0, 19),
    st.integers(0, 9999).map(lambda n: f"{n:04d}") | st.sampled_from(["543", "25677", "2567"]),
    _two(0, 29),
    _two(0, 69),
    st.none() | _two(0, 69),
    st.booleans(),
    st.sampled_from(["", " ", "\n", "\u3000"]),
)


@given(DATE_TIMES | st.text(alphabet="0123456789/: " + THAI_DIGITS, max_size=22))
@example("29/02/2567 10:30")  # a leap day in BE 2567 (CE 2024)
@example("29/02/2566 10:30")  # none in BE 2566
@example("01/01/0543 00:00")  # CE year 0
def test_reading_an_instant_is_parse_be_datetime(value: str) -> None:
    reader = Reader()
    found = reader.instant(value, "/Case/ReceivedAt")
    if XSD_FORM.fullmatch(ascii_digits(value.strip())) is None:
        assert found is None and len(reader.problems) == 1
        return
    try:
        expected = parse_be_datetime(value)
    except ValueError:
        assert found is None
        assert [p.message for p in reader.problems] == [f"{value!r} is not a real date and time"]
        return
    assert reader.problems == []
    assert found == expected and found is not None
    assert (found.tzinfo, found.utcoffset()) == (expected.tzinfo, expected.utcoffset())


@given(st.text(alphabet=st.sampled_from("0123456789-+ ()." + THAI_DIGITS), max_size=16))
@example("081-234-5678")
@example("02-123-4567")
@example("0-8")
@example("0812345678")
@example("08123456789")
def test_phones_read_as_to_e164_reads_them(value: str) -> None:
    reader = Reader()
    found = _phone(reader, value)
    try:
        expected: str | None = phone.to_e164(value)
    except ValueError:
        expected = None
    assert found == expected
    assert bool(reader.problems) == (expected is None)

"""Citizen IDs: the check digit rule of agency-formats.md, via python-stdnum."""

import pytest

from saphan.reference.identity import check_digit_ok, normalize


def _spec_check_digit(twelve: str) -> str:
    # (11 - (sum of d[i] * (13 - i) for i in 0..11) mod 11) mod 10, as the spec writes it
    return str((11 - sum(int(d) * (13 - i) for i, d in enumerate(twelve)) % 11) % 10)


@pytest.mark.parametrize("twelve", ["326018159083", "190996030824", "000000000001", "912345678901"])
def test_check_digit_follows_the_spec_formula(twelve: str) -> None:
    good = twelve + _spec_check_digit(twelve)
    assert check_digit_ok(good)
    bad = twelve + str((int(good[-1]) + 1) % 10)
    assert not check_digit_ok(bad)


def test_normalize_reads_thai_digits_dashes_and_spaces() -> None:
    assert normalize("๓-๒๖๐๑-๘๑๕๙๐-๘๓-๕") == "3260181590835"
    assert normalize("3 2601 81590 83 5") == "3260181590835"
    with pytest.raises(ValueError):
        normalize("12345")

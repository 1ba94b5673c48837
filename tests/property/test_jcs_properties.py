"""Canonical JSON is a function of the value alone, and reads back to the same value."""

import json
import random

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from saphan.errors import InputError
from saphan.ledger.jcs import canonical_bytes, loads_canonical, loads_strict

_SAFE_INT = 2**53 - 1
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-_SAFE_INT, max_value=_SAFE_INT)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.text(alphabet=st.characters(exclude_categories=["Cs"])), children, max_size=5
        )
    ),
    max_leaves=25,
)


@given(json_values)
def test_canonical_bytes_read_back_to_an_equal_value(value: object) -> None:
    data = canonical_bytes(value)
    # Read with double semantics: JCS writes 6.151653616407353e16 as 61516536164073530,
    # which a plain reader would take for a different (integer) number.
    assert loads_strict(data) == value
    assert loads_canonical(data) == value


@given(
    st.dictionaries(st.text(max_size=8), st.integers(-_SAFE_INT, _SAFE_INT), max_size=8),
    st.randoms(),
)
def test_member_order_and_formatting_do_not_change_the_bytes(
    value: dict[str, int], rng: random.Random
) -> None:
    items = list(value.items())
    rng.shuffle(items)
    reordered = json.loads(json.dumps(dict(items), indent=2))
    assert canonical_bytes(reordered) == canonical_bytes(value)


# The values the fast path takes: no floats, ASCII member names (and some that are not).
plain_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.text(alphabet=st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text(), children, max_size=5
        )
    ),
    max_leaves=25,
)


def _rfc8785(value: object) -> bytes | type[Exception]:
    try:
        # some values are outside rfc8785's types on purpose: its refusal is the answer
        return rfc8785.dumps(value)  # type: ignore[arg-type]
    except rfc8785.CanonicalizationError:
        return rfc8785.CanonicalizationError


def _assert_as_rfc8785(value: object) -> None:
    """canonical_bytes gives the rfc8785 package's bytes, or refuses what it refuses."""
    expected = _rfc8785(value)
    if isinstance(expected, bytes):
        assert canonical_bytes(value) == expected
    else:
        with pytest.raises(InputError):
            canonical_bytes(value)


@given(json_values | plain_values)
def test_the_bytes_are_the_rfc8785_packages_bytes(value: object) -> None:
    _assert_as_rfc8785(value)


@pytest.mark.parametrize(
    "value",
    [
        # UTF-16 order puts U+1F600 (a surrogate pair, D83D...) before U+FF01; code point
        # order puts it after.
        {"\U0001f600": 1, "\uff01": 2, "a": 3},
        {"n": 2**53 - 1, "m": -(2**53 - 1)},
        {"big": 2**53},
        {"f": 1.0, "g": 1e21, "h": 1e-7, "i": -0.0},
        {"s": "".join(chr(c) for c in range(0x20)) + '"\\\x7f\u2028\u2029\ufeff'},
        ["\ud800"],
        {1: "not a string key"},
        {"t": (1, 2)},
    ],
)
def test_values_the_fast_path_must_not_take_or_must_take_exactly(value: object) -> None:
    _assert_as_rfc8785(value)

"""Canonical JSON is a function of the value alone, and reads back to the same value."""

import json
import random

from hypothesis import given
from hypothesis import strategies as st

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

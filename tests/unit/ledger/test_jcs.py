"""RFC 8785 canonical JSON: the examples of the RFC, and every refusal as an InputError."""

import json

import pytest

from saphan.errors import InputError
from saphan.ledger.jcs import canonical_bytes, loads_canonical, loads_strict


def test_members_are_sorted_by_utf16_code_units_and_whitespace_dropped() -> None:
    # RFC 8785 §3.2.3: sorting is by UTF-16 code units, so U+1F600 (surrogates D83D DE00)
    # sorts before U+FB33 although its code point is larger.
    value = {"\ufb33": 1, "\U0001f600": 2, "b": [1, {"z": None, "a": True}], "a": "x"}
    assert canonical_bytes(value) == (
        '{"a":"x","b":[1,{"a":true,"z":null}],"\U0001f600":2,"\ufb33":1}'.encode()
    )


def test_numbers_use_the_shortest_ecmascript_form() -> None:
    # The number examples of RFC 8785 §3.2.2.3 and Appendix B.
    assert canonical_bytes([1.0, 1e21, 1e-7, 0.000001, -0.0, 333333333.33333329]) == (
        b"[1,1e+21,1e-7,0.000001,0,333333333.3333333]"
    )


def test_strings_escape_only_what_json_requires() -> None:
    assert canonical_bytes('\u20ac$\u000f\nA\'B"\\\\"/') == (
        '"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'.encode()
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (float("nan"), "NaN"),
        (float("inf"), "infinity"),
        (2**53 + 1, "an integer JSON readers cannot hold exactly"),
        ({1: "x"}, "a non-string key"),
        ({"x": {1, 2}}, "a set"),
        ("\ud800", "a lone surrogate"),
    ],
)
def test_values_json_cannot_carry_exactly_are_refused(value: object, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        canonical_bytes(value, path="/payload")
    assert caught.value.problems[0].path == "/payload", reason


def test_canonical_bytes_read_back_and_other_forms_are_refused() -> None:
    value = {"b": [1, 2], "a": "ไทย"}
    data = canonical_bytes(value)
    assert loads_canonical(data) == value
    for other in (
        json.dumps(value).encode(),  # spaces and unsorted members
        json.dumps(value, separators=(",", ":")).encode(),  # \u escapes, unsorted
    ):
        with pytest.raises(InputError, match="canonical"):
            loads_canonical(other)


@pytest.mark.parametrize(
    "data",
    [b'{"a":1,"a":2}', b"[NaN]", b"[1e400]", b"\xff", b"{"],
)
def test_strict_reading_refuses_what_could_be_read_two_ways(data: bytes) -> None:
    with pytest.raises(InputError):
        loads_strict(data)

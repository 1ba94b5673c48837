"""The fast paths of the JSON helpers say what the plain ones would.

* :func:`~saphan.translate.jsonwrite.dumps` writes with orjson: the same text as the
  standard library's indented ``json`` for what the adapters write, ``json`` itself for
  what orjson refuses; :func:`~saphan.translate.jsonwrite.compact` likewise.
* :func:`~saphan.translate.jsonfields.python_pattern` reads a pattern as ``jsonschema`` does.
* Batches whose envelope keys need unescaping still find their records.
* :func:`~saphan.translate.jsonparts.check_digit_ok` answers as ``python-stdnum`` does,
  :func:`~saphan.translate.jsonparts.decimal_text` as ``Decimal`` does, and area codes that
  cannot be cached are still read.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

from saphan.canonical import Area, Case
from saphan.reference import identity
from saphan.translate.adapter import Limits, validator
from saphan.translate.crosswalk import crosswalks
from saphan.translate.jsonfields import problems_from, python_pattern
from saphan.translate.jsonload import load_batch
from saphan.translate.jsonparts import (
    area_from_parts,
    check_digit_ok,
    decimal_text,
    resolve_code,
)
from saphan.translate.jsonwrite import compact, dumps

#: JSON values as the adapters write them: text (Thai, escapes, controls), integers within
#: 64 bits, floats that are plain decimals, nesting in the given key order
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: "e" not in repr(f))
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(VALUES)
def test_dumps_writes_what_indented_json_writes(value: Any) -> None:
    expected = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    assert dumps(value) == expected.encode("utf-8")
    assert compact(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_float_reads_back_the_same(value: float) -> None:
    assert json.loads(dumps({"lat": value})) == {"lat": value}


def test_what_orjson_refuses_json_writes() -> None:
    big = {"kept": 2**70, "list": [1, {"deeper": -(2**80)}]}
    assert dumps(big) == (json.dumps(big, ensure_ascii=False, indent=2) + "\n").encode()
    assert compact(big) == json.dumps(big, separators=(",", ":")).encode()
    deep: Any = []
    for _ in range(300):  # deeper than orjson goes
        deep = [deep]
    assert json.loads(dumps(deep)) == deep


class _Phone(BaseModel):
    model_config = ConfigDict(strict=True, regex_engine="rust-regex")
    tel: Annotated[str, python_pattern(r"^0[0-9]{8,9}$")]


@pytest.mark.parametrize(
    ("value", "kept"),
    [("0812345678", "0812345678"), ("0812345678\n", "0812345678"), ("081234567", "081234567")],
)
def test_python_pattern_lets_one_final_line_feed_through_and_drops_it(
    value: str, kept: str
) -> None:
    assert _Phone(tel=value).tel == kept


@pytest.mark.parametrize("value", ["0812345678\n\n", "812345678", "0812345678 ", "๐812345678"])
def test_python_pattern_refuses_as_a_pydantic_pattern_does(value: str) -> None:
    with pytest.raises(ValidationError) as err:
        _Phone(tel=value)
    assert problems_from(err.value) and problems_from(err.value)[0].message == (
        "String should match pattern '^0[0-9]{8,9}$'"
    )


def test_envelope_keys_with_escapes_are_read() -> None:
    data = b'{"v\\u0031": 1, "rec\\u006frds": [{"a": 1}], "w": "\\u0e01"}'
    batch = load_batch(data, "records", Limits())
    assert batch.envelope == {"v1": 1, "w": "ก"}
    assert batch.items is not None and [i.raw for i in batch.items] == [b'{"a": 1}']
    repeated = load_batch(b'{"records": [], "rec\\u006frds": []}', "records", Limits())
    assert [p.path for p in repeated.problems] == ["/records"]


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_check_digit_ok_is_stdnums(digits: str) -> None:
    assert check_digit_ok(digits) == identity.check_digit_ok(digits)


@pytest.mark.parametrize("value", ["", "123", "12345678901234", "326018159083x", "๓๒๖๐๑๘๑๕๙๐๘๓๕"])
def test_check_digit_ok_refuses_what_is_no_citizen_id(value: str) -> None:
    assert check_digit_ok(value) is False


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_decimal_text_is_decimals(value: float) -> None:
    text = decimal_text(value)
    assert text == format(Decimal(repr(value)), "f")
    assert "e" not in text and math.isclose(float(text), value, rel_tol=0, abs_tol=0)


def test_area_codes_that_cannot_be_cached_are_still_read() -> None:
    # a list where a code belongs is no key of the cache: read as the wire model would
    assert area_from_parts(["10"], None, None, "/p", ("a", "b", "c")) == (None, [])
    area, found = area_from_parts("99", [1], None, "/p", ("a", "b", "c"))
    assert area is None and [p.path for p in found] == ["/p/a"]
    assert (
        area_from_parts("10", "1004", "100404", "/p", ("a", "b", "c"))[0]
        is (area_from_parts("10", "1004", "100404", "/q", ("x", "y", "z"))[0])
    )


def test_resolve_code_answers_as_the_crosswalks_do() -> None:
    for codes in ({}, {"pmo1111.topic": "T03"}, {"damrongtham.sub_type": "101"}):
        for scheme in ("occ.topic", "pmo1111.topic", "pmo1111.case_type"):
            assert resolve_code(codes, scheme) == crosswalks().resolve(codes, scheme)


def test_a_models_validator_is_its_model_validate() -> None:
    case = Case.model_validate(
        {
            "origin": {"system": "OMB", "ref": "OMB2024-000001"},
            "received_at": "2024-09-06T10:35:00+07:00",
            "complainant": {},
            "matter": {"title": "t", "detail": "d"},
            "status": {"code": "received", "at": "2024-09-06T10:35:00+07:00"},
        }
    )
    data = case.model_dump()
    assert validator(Case)(data) == Case.model_validate(data)
    bad = {"province": "1", "district": 5}
    with pytest.raises(ValidationError) as ours:
        validator(Area)(bad)
    with pytest.raises(ValidationError) as theirs:
        Area.model_validate(bad)
    assert ours.value.errors() == theirs.value.errors()

"""Safe JSON loading and the wire helpers shared by the JSON adapters."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from saphan.errors import InputError, TooLargeError
from saphan.translate.adapter import Limits
from saphan.translate.jsonfields import Integral, WireDateTime, problems_from
from saphan.translate.jsonload import load_batch, load_object, pointer
from saphan.translate.jsonwrite import dumps, restore_unknown, unknown_keys

LIMITS = Limits()


def test_pointer_escapes_tokens() -> None:
    assert pointer([]) == ""
    assert pointer(["a/b", "c~d", 0]) == "/a~1b/c~0d/0"
    assert pointer(["x"], "/records/2") == "/records/2/x"


def test_repeated_keys_are_found_wherever_they_are() -> None:
    value, problems = load_object(b'{"a": 1, "b": [{"c": 1, "c": 2, "c": 3}], "a": 2}', LIMITS)
    assert [p.path for p in problems] == ["/a", "/b/0/c"]
    assert all("more than once" in p.message for p in problems)
    assert isinstance(value, dict)


def test_depth_is_limited_without_recursion() -> None:
    ok = "[" * 31 + "]" * 31
    _, problems = load_object(f'{{"a": {ok}}}'.encode(), LIMITS)
    assert problems == []
    too_deep = "[" * 32 + "]" * 32
    _, problems = load_object(f'{{"a": {too_deep}}}'.encode(), LIMITS)
    assert len(problems) == 1 and "deeper than 32" in problems[0].message


def test_lone_surrogates_are_refused_but_pairs_are_text() -> None:
    _, problems = load_object(b'{"a": "\\ud83d\\ude00", "b": "\\ud800x"}', LIMITS)
    assert [p.path for p in problems] == ["/b"]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b'{"a": NaN}', "NaN"),
        (b'{"a": -Infinity}', "Infinity"),
        (b"\xc3\x28", "not UTF-8"),
        (b"[]", "not an object"),
        (b'{"a": 1', "Expecting"),
        (b"{} []", "Extra data"),
    ],
)
def test_what_is_not_a_json_object_raises(data: bytes, fragment: str) -> None:
    with pytest.raises(InputError) as raised:
        load_object(data, LIMITS)
    text = raised.value.detail + " ".join(p.message for p in raised.value.problems)
    assert fragment in text


def test_size_limit() -> None:
    with pytest.raises(TooLargeError):
        load_object(b"{}" + b" " * 20, Limits(max_bytes=10))


def test_batch_items_keep_their_own_bytes() -> None:
    data = b'{ "v": 1, "records" : [ {"a": 1}, {"b": [1, 2]} ,{"c":"\xe0\xb8\x81"} ], "w": null }'
    batch = load_batch(data, "records", LIMITS)
    assert batch.envelope == {"v": 1, "w": None}
    assert batch.items is not None
    assert [i.raw for i in batch.items] == [
        b'{"a": 1}',
        b'{"b": [1, 2]}',
        b'{"c":"\xe0\xb8\x81"}',
    ]
    assert [i.value for i in batch.items] == [{"a": 1}, {"b": [1, 2]}, {"c": "ก"}]
    assert batch.problems == ()


def test_batch_item_problems_stay_with_their_item() -> None:
    deep = "[" * 40 + "]" * 40
    data = f'{{"records": [{{"a": 1, "a": 2}}, {{"ok": true}}, {{"d": {deep}}}]}}'.encode()
    batch = load_batch(data, "records", LIMITS)
    assert batch.items is not None
    assert [[p.path for p in i.problems] for i in batch.items][:2] == [["/records/0/a"], []]
    assert batch.items[2].problems and batch.items[2].problems[0].path.startswith("/records/2/d")


def test_batch_without_an_array_has_no_items() -> None:
    batch = load_batch(b'{"records": {"0": 1}}', "records", LIMITS)
    assert batch.items is None and batch.envelope == {"records": {"0": 1}}
    empty = load_batch(b'{"records": []}', "records", LIMITS)
    assert empty.items == ()


def test_batch_with_too_many_items_is_too_large() -> None:
    data = json.dumps({"records": [{}] * 4}).encode()
    with pytest.raises(TooLargeError):
        load_batch(data, "records", Limits(max_records=3))


@pytest.mark.parametrize(
    "data", [b"", b"{", b'{"records": [1,', b'{"a" 1}', b'{"a": 1,}', b"[1]", b'{"a":1} 2']
)
def test_broken_batches_raise(data: bytes) -> None:
    with pytest.raises(InputError):
        load_batch(data, "records", LIMITS)


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")
    n: Annotated[int, Integral]
    at: WireDateTime
    inner: _Inner | None = None


class _Inner(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")
    code: str


_Model.model_rebuild()


@pytest.mark.parametrize(
    ("n", "ok"), [(5, True), (5.0, True), (5.5, False), (True, False), ("5", False)]
)
def test_integral_counts_as_json_schema_does(n: Any, ok: bool) -> None:
    document = {"n": n, "at": "2024-09-06T10:35:00+07:00"}
    if ok:
        assert _Model.model_validate(document).n == 5
    else:
        with pytest.raises(ValidationError):
            _Model.model_validate(document)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2024-09-06T10:35:00+07:00", True),
        ("2024-09-06T03:35:00Z", True),
        ("2024-09-06T10:35:00.5+07:00", True),
        ("2024-09-06T10:35:00+07:00\n", True),  # as Python's re and jsonschema let it pass
        ("2024-09-06T10:35+07:00", False),  # seconds are required
        ("2024-09-06T10:35:00", False),  # an offset is required
        ("2024-02-30T10:35:00Z", False),  # not a real date
        ("2567-09-06T10:35:00+07:00", False),  # a Buddhist Era year
        ("2024-09-06 10:35:00Z", False),
    ],
)
def test_date_times(text: str, ok: bool) -> None:
    document = {"n": 1, "at": text}
    if ok:
        at = _Model.model_validate(document).at
        assert at.tzinfo is not None
    else:
        with pytest.raises(ValidationError):
            _Model.model_validate(document)


def test_validation_errors_become_pointer_problems() -> None:
    with pytest.raises(ValidationError) as raised:
        _Model.model_validate({"at": 5, "inner": {"code": 1}})
    problems = problems_from(raised.value, "/records/3")
    assert {p.path: p.message for p in problems} == {
        "/records/3/n": "required",
        "/records/3/at": "a date-time string is expected",
        "/records/3/inner/code": "Input should be a valid string",
    }


def test_unknown_keys_round_trip() -> None:
    model = _Model.model_validate(
        {"n": 1, "at": "2024-09-06T10:35:00Z", "x/y": [1], "inner": {"code": "a", "z": None}}
    )
    kept = unknown_keys(model)
    assert kept == {"/x~1y": [1], "/inner/z": None}
    document: dict[str, Any] = {"n": 1, "inner": {"code": "a"}}
    restore_unknown(document, kept)
    assert document == {"n": 1, "inner": {"code": "a", "z": None}, "x/y": [1]}
    # a kept key never overrides a written one, and has nowhere to go under null
    written: dict[str, Any] = {"inner": None, "x/y": "mine"}
    restore_unknown(written, kept)
    assert written == {"inner": None, "x/y": "mine"}


def test_dumps_writes_thai_as_is() -> None:
    assert dumps({"a": "ก", "b": [1]}) == '{\n  "a": "ก",\n  "b": [\n    1\n  ]\n}\n'.encode()

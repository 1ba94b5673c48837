"""The 1111 wire models' twins without Python (``wire._plain_record``) never decide alone
what the wire models would decide otherwise.

Whatever a twin accepts, the wire model accepts too, with the same values, the same keys it
does not define, the same fields set, in the same order; whatever a twin refuses goes to the
wire model, so :func:`saphan_pmo1111.wire.validate_record` answers exactly as the wire model
alone does. Drawn here: the example records with the fields the twins read differently
(integers, codes, the phone, the target agency) given every kind of value.
"""

from __future__ import annotations

import json
from typing import Any

from conftest import EXAMPLES
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from saphan.translate.jsonfields import problems_from
from saphan_pmo1111 import wire

RECORDS = json.loads((EXAMPLES / "pmo1111" / "batch-three-records.json").read_bytes())["records"]
#: values near and far from what the twins hold to
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 12),
    st.sampled_from([0.0, 1.0, 6.0, 9.0, 2.5, 10**20, 4_102_444_799_999, 4_102_444_800_000]),
    st.integers(),
    st.floats(),
    st.sampled_from(
        ["0812345678", "0812345678\n", "081234567", "๐812345678", "DOL", "DOL\n", "RTP-IG", "x"]
    ),
    st.text(max_size=12),
)
FIELDS = ["channel", "recv_ms", "case_type", "due_days", "secrecy", "status", "target_agency"]


def _validate_as_before(raw: Any) -> tuple[Any, list[Any]]:
    """validate_record with the wire model alone."""
    problems = wire._cross_field(raw, "/records/0") if isinstance(raw, dict) else []
    try:
        record = wire._validate_record(raw)
    except ValidationError as exc:
        return None, problems_from(exc, "/records/0") + problems
    return (None, problems) if problems else (record, [])


def _same(ours: Any, theirs: Any) -> None:
    if theirs is None:
        assert ours is None
        return
    assert isinstance(ours, wire.PscRecord)
    assert list(ours.model_dump()) == list(theirs.model_dump())
    assert ours.model_dump() == theirs.model_dump()
    assert ours.model_fields_set == theirs.model_fields_set
    assert ours.__pydantic_extra__ == theirs.__pydantic_extra__
    for name in ("channel", "recv_ms", "case_type", "due_days", "secrecy", "status"):
        assert type(getattr(ours, name)) is type(getattr(theirs, name))
    if theirs.person is not None:
        assert isinstance(ours.person, wire.Person)
        assert ours.person.model_fields_set == theirs.person.model_fields_set
        assert ours.person.__pydantic_extra__ == theirs.person.__pydantic_extra__


@given(
    st.sampled_from(range(len(RECORDS))),
    st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=3),
    st.one_of(st.none(), VALUES),
    st.booleans(),
)
def test_the_twins_answer_as_the_wire_models(
    which: int, changes: dict[str, Any], tel: Any, drop_person: bool
) -> None:
    raw = dict(RECORDS[which], **changes)
    if isinstance(raw.get("person"), dict):
        raw["person"] = None if drop_person else dict(raw["person"], tel=tel)
    plain = wire._plain_record(raw)
    if plain is not None:
        _same(plain, wire._validate_record(raw))
    ours, theirs = wire.validate_record(raw, "/records/0"), _validate_as_before(raw)
    assert ours[1] == theirs[1]
    _same(ours[0], theirs[0])


def test_the_example_records_take_the_twins() -> None:
    for raw in RECORDS:
        assert wire._plain_record(raw) is not None

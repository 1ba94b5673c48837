"""The fast entry reader reaches the ledger's verdict on every entry, valid or not.

The soundness argument of :mod:`saphan.audit.entrycheck` rests on orjson writing strings
exactly as RFC 8785 does; that is checked here over every Unicode scalar value. Then the
reader is compared with ``parse_entry`` on one entry of each kind and on many ways of
breaking them (Hypothesis mutates bytes and JSON values).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from saphan.audit.entrycheck import is_plain, read_entry
from saphan.canonical.model import CaseStatus, EscalationReason
from saphan.errors import IntegrityError
from saphan.ledger import entries as E

AT = datetime(2025, 3, 1, 3, 30, 0, 250000, tzinfo=UTC)
CASE = E.case_commitment("c-1", bytes(32))
H = hashlib.sha256(b"x").hexdigest()

VALID: list[Any] = [
    E.IntakeEntry(
        case=CASE, time=AT, sender="MOI-DRT-3415", format="damrongtham", message_sha256=H
    ),
    E.IntakeEntry(case=CASE, time=AT, sender="PMO", format="pmo1111", message_sha256=H, record=3),
    E.RouteEntry(
        case=CASE,
        time=AT,
        destinations=(
            E.RouteDecision(agency="OMB", rule="r-12", deadline=date(2025, 3, 31)),
            E.RouteDecision(agency="PSC", rule="copy"),
        ),
    ),
    E.TransferEntry(
        case=CASE,
        time=AT,
        transfer_id="t-1",
        sender="A",
        receiver="B",
        format="occ",
        body_sha256=H,
        mode="push",
    ),
    E.ReceiptEntry(
        case=CASE,
        time=AT,
        transfer_id=None,
        issuer="OMB",
        kid="k1",
        receipt_sha256=H,
        content_sha256=H,
    ),
    E.StatusEntry(case=CASE, time=AT, agency="OMB", status=CaseStatus.IN_PROGRESS, source_code="3"),
    E.EscalationEntry(
        case=CASE,
        time=AT,
        from_agency="MOI-DRT-3415",
        to_agency="OMB",
        reason=EscalationReason.OFFICIAL_MISCONDUCT,
    ),
    E.OverdueEntry(case=CASE, time=AT, agency="OMB", deadline=AT),
    E.DeadLetterEntry(
        case=CASE, time=AT, transfer_id="t-1", receiver="OMB", attempts=8, reason="refused"
    ),
    E.ReplayEntry(case=CASE, time=AT, source="quarantine", ref_id="q-1"),
    E.ErasureEntry(case=CASE, time=AT, scope=("complainant", "documents"), basis="pdpa-33"),
    E.RatingEntry(case=CASE, time=AT, agency="OMB", score=5),
]


def verdict(fn: Any, data: bytes) -> Any:
    try:
        return ("ok", fn(data))
    except IntegrityError as exc:
        return ("refused", [(p.path, p.message) for p in exc.problems])


def test_orjson_writes_every_character_as_rfc8785_does() -> None:
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert orjson.dumps(every) == rfc8785.dumps(every)
    for c in range(0x80):  # and each ASCII one alone, escapes included
        assert orjson.dumps(chr(c)) == rfc8785.dumps(chr(c))


def test_sorted_orjson_is_rfc8785_for_plain_values() -> None:
    value: dict[str, list[int | None] | dict[str, str] | int] = {
        "b": [1, -2, 2**53 - 1, True, None],
        "a": {"z": "é\n\u2028", "y": ""},
        "A": 0,
    }
    assert is_plain(value)
    assert orjson.dumps(value, option=orjson.OPT_SORT_KEYS) == rfc8785.dumps(value)


@pytest.mark.parametrize(
    "value",
    [1.0, 2**53, -(2**53), {"é": 1}, [1, 0.5], {"a": {"b": [2**60]}}],
)
def test_values_the_shortcut_cannot_vouch_for_are_not_plain(value: Any) -> None:
    assert not is_plain(value)


@pytest.mark.parametrize("entry", VALID, ids=lambda e: e.kind)
def test_every_kind_reads_back_as_the_ledger_reads_it(entry: Any) -> None:
    data = entry.to_bytes()
    assert read_entry(data) == E.parse_entry(data) == entry


BROKEN = [
    b"",
    b"null",
    b"[]",
    b"{}",
    b'{"kind":"gossip","v":1}',
    b'{"v":1.0,"kind":"intake"}',
    b"\xff\xfe",
    b'{"a":NaN}',
    b'"\\ud800"',
]


def _variants(entry: Any) -> list[bytes]:
    data = entry.to_bytes()
    doc = json.loads(data)
    out = [
        data + b"\n",
        b" " + data,
        data.replace(b":", b": ", 1),
        json.dumps(doc, sort_keys=False).encode(),
        json.dumps(dict(reversed(list(doc.items()))), separators=(",", ":")).encode(),
        data.replace(b'"v":1', b'"v":1.0'),
        data.replace(b'"v":1', b'"v":1e0'),
        data.replace(b'"v":1', b'"v":2'),
        data.replace(b'{"case"', b'{"case":"0","case"'),
        data[:-1] + b',"extra":"x"}',
        data.replace(b'"kind":"', b'"kind":"\\u0061', 1),
        data.replace(b'"case":"', b'"case":"\\u0030', 1),
        data.replace(b'Z"', b'+00:00"', 1),
    ]
    if b'"record":' in data:
        out.append(data.replace(b'"record":3', b'"record":9007199254740993'))
        out.append(data.replace(b'"record":3', b'"record":-0'))
    return out


@pytest.mark.parametrize("data", [v for e in VALID for v in _variants(e)] + BROKEN)
def test_broken_entries_get_the_ledgers_verdict(data: bytes) -> None:
    assert verdict(read_entry, data) == verdict(E.parse_entry, data)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(VALID),
    st.integers(min_value=0, max_value=400),
    st.binary(min_size=0, max_size=3),
)
def test_byte_edits_get_the_ledgers_verdict(entry: Any, at: int, insert: bytes) -> None:
    data = entry.to_bytes()
    at = at % (len(data) + 1)
    for mutated in (data[:at] + insert + data[at:], data[:at] + insert + data[at + 1 :]):
        assert verdict(read_entry, mutated) == verdict(E.parse_entry, mutated)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(VALID), st.sampled_from(["case", "kind", "time", "v", "new"]), JSON)
def test_value_edits_get_the_ledgers_verdict(entry: Any, member: str, value: Any) -> None:
    doc = json.loads(entry.to_bytes())
    doc[member] = value
    forms = [json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()]
    # Integers beyond 64 bits: orjson cannot write them (the first form has them).
    with contextlib.suppress(TypeError):
        forms.append(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS))
    for data in forms:
        assert verdict(read_entry, data) == verdict(E.parse_entry, data)

"""Fuzz: mutated OCC documents and 1111 batches never make ``parse`` raise anything but
``InputError``.

Byte-level mutations of the examples (flipped, inserted, deleted and repeated bytes,
truncation) and JSON-level ones (keys dropped, values retyped) are fed to each JSON adapter.
The public ``parse`` wraps stray exceptions as a safety net, so the property is also checked
on the adapter's own hook, which must raise nothing but ``InputError`` by itself. Whatever
comes back must make sense for the format: an OCC document is one record that holds a case
or says why not, with JSON-pointer paths; each 1111 record holds a case or carries problems
whose paths lie inside that record, so a bad record can never be blamed on another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import json_mutations
import pytest
from conftest import EXAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from json_mutations import mutated_bytes, mutated_documents

from saphan.translate.adapter import Adapter, Parsed
from saphan_occ import OccAdapter
from saphan_pmo1111 import Pmo1111Adapter


def _occ_check(parsed: Parsed) -> None:
    (record,) = parsed.records
    if record.case is None:
        assert record.problems
        assert all(p.path == "" or p.path.startswith("/") for p in record.problems)
    else:
        assert record.problems == ()


def _pmo1111_check(parsed: Parsed) -> None:
    assert 1 <= len(parsed.records) <= 500
    for index, record in enumerate(parsed.records):
        assert record.index == index
        assert record.raw
        if record.case is None:
            assert record.problems
            assert all(p.path.startswith(f"/records/{index}") for p in record.problems)
        else:
            assert record.problems == ()


@dataclass(frozen=True)
class _Format:
    adapter: Callable[[], Adapter]
    seeds: list[bytes]
    check: Callable[[Parsed], None]
    #: every how many bytes a truncation is tried (the 1111 batch is long)
    step: int


FORMATS = {
    "occ": _Format(
        OccAdapter,
        [
            (EXAMPLES / "occ/referral-from-warin-chamrap.json").read_bytes(),
            (EXAMPLES / "occ/direct-unfair-regulation.json").read_bytes(),
            (EXAMPLES / "invalid/occ-unknown-topic-no-complainant.json").read_bytes(),
        ],
        _occ_check,
        1,
    ),
    "pmo1111": _Format(
        Pmo1111Adapter,
        [
            (EXAMPLES / "pmo1111/batch-three-records.json").read_bytes(),
            (EXAMPLES / "invalid/pmo1111-one-bad-record.json").read_bytes(),
        ],
        _pmo1111_check,
        7,
    ),
}


def _exercise(name: str, data: bytes) -> None:
    fmt = FORMATS[name]
    json_mutations.exercise(fmt.adapter(), data, fmt.check)


@pytest.mark.parametrize("name", FORMATS)
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_bytes_raise_only_input_error(name: str, data: st.DataObject) -> None:
    _exercise(name, data.draw(mutated_bytes(FORMATS[name].seeds)))


@pytest.mark.parametrize("name", FORMATS)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_documents_raise_only_input_error(name: str, data: st.DataObject) -> None:
    _exercise(name, data.draw(mutated_documents(FORMATS[name].seeds)))


@pytest.mark.parametrize(
    ("name", "seed"), [(name, i) for name, fmt in FORMATS.items() for i in range(len(fmt.seeds))]
)
def test_every_truncation_raises_only_input_error(name: str, seed: int) -> None:
    data = FORMATS[name].seeds[seed]
    for end in range(0, len(data), FORMATS[name].step):
        _exercise(name, data[:end])

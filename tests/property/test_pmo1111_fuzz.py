"""Fuzz: mutated 1111 batches never make ``parse`` raise anything but ``InputError``.

The same byte-level and JSON-level mutations as for OCC (``test_occ_fuzz``), on the 1111
examples. Besides the exceptions, each record that comes back must either hold a case or
carry problems whose paths lie inside that record, so a bad record can never be blamed on
another.
"""

from __future__ import annotations

import json_mutations
import pytest
from conftest import EXAMPLES
from hypothesis import HealthCheck, given, settings
from json_mutations import mutated_bytes, mutated_documents

from saphan.translate.adapter import Parsed
from saphan_pmo1111 import Pmo1111Adapter

SEEDS = [
    (EXAMPLES / "pmo1111/batch-three-records.json").read_bytes(),
    (EXAMPLES / "invalid/pmo1111-one-bad-record.json").read_bytes(),
]


def check(parsed: Parsed) -> None:
    assert 1 <= len(parsed.records) <= 500
    for index, record in enumerate(parsed.records):
        assert record.index == index
        assert record.raw
        if record.case is None:
            assert record.problems
            assert all(p.path.startswith(f"/records/{index}") for p in record.problems)
        else:
            assert record.problems == ()


def exercise(data: bytes) -> None:
    json_mutations.exercise(Pmo1111Adapter(), data, check)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated_bytes(SEEDS))
def test_mutated_bytes_raise_only_input_error(data: bytes) -> None:
    exercise(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated_documents(SEEDS))
def test_mutated_documents_raise_only_input_error(data: bytes) -> None:
    exercise(data)


@pytest.mark.parametrize("seed", range(len(SEEDS)))
def test_every_truncation_raises_only_input_error(seed: int) -> None:
    data = SEEDS[seed]
    for end in range(0, len(data), 7):
        exercise(data[:end])

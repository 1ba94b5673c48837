"""Fuzz: mutated OCC messages never make ``parse`` raise anything but ``InputError``.

Byte-level mutations of the examples (flipped, inserted, deleted and repeated bytes,
truncation) and JSON-level ones (keys dropped, values retyped) are fed to the adapter. The
public ``parse`` wraps stray exceptions as a safety net, so the property is also checked on
the adapter's own hook, which must raise nothing but ``InputError`` by itself. Whatever
comes back is a single record that either holds a case or says why not, with JSON-pointer
paths.
"""

from __future__ import annotations

import json_mutations
import pytest
from conftest import EXAMPLES
from hypothesis import HealthCheck, given, settings
from json_mutations import mutated_bytes, mutated_documents

from saphan.translate.adapter import Parsed
from saphan_occ import OccAdapter

SEEDS = [
    (EXAMPLES / "occ/referral-from-warin-chamrap.json").read_bytes(),
    (EXAMPLES / "occ/direct-unfair-regulation.json").read_bytes(),
    (EXAMPLES / "invalid/occ-unknown-topic-no-complainant.json").read_bytes(),
]


def check(parsed: Parsed) -> None:
    (record,) = parsed.records
    if record.case is None:
        assert record.problems
        assert all(p.path == "" or p.path.startswith("/") for p in record.problems)
    else:
        assert record.problems == ()


def exercise(data: bytes) -> None:
    json_mutations.exercise(OccAdapter(), data, check)


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
    for end in range(len(data)):
        exercise(data[:end])

"""The suite's messages: its examples are the specification's, byte for byte; every one is
written in every format and reads back; the malformed bodies really are malformed."""

from __future__ import annotations

from pathlib import Path

import pytest

from saphan.conformance.fixtures import (
    canonical_cases,
    example_files,
    malformed_bodies,
    render_messages,
)
from saphan.errors import HubError
from saphan.translate import formats, get_adapter


def test_the_shipped_examples_are_the_specifications(examples: Path) -> None:
    shipped = example_files()
    assert {fmt for fmt, _ in shipped} == set(formats())
    for fmt, path in shipped:
        original = examples / fmt / path.name
        assert original.is_file(), f"{path.name} is not a spec example"
        assert path.read_bytes() == original.read_bytes(), f"{fmt}/{path.name} differs"
    valid_in_spec = {
        (d.name, p.name) for d in examples.iterdir() if d.name in formats() for p in d.iterdir()
    }
    assert {(fmt, p.name) for fmt, p in shipped} == valid_in_spec


def test_every_record_of_every_example_becomes_a_case() -> None:
    cases, problems = canonical_cases()
    assert problems == []
    names = [name for name, _ in cases]
    # the 1111 batch gives one case per record
    assert [n for n in names if n.startswith("pmo1111/")] == [
        "pmo1111/batch-three-records.json#0",
        "pmo1111/batch-three-records.json#1",
        "pmo1111/batch-three-records.json#2",
    ]
    assert len(cases) == len(example_files()) + 2


@pytest.mark.parametrize("format_name", ["damrongtham", "occ", "pmo1111"])
def test_every_case_is_written_for_the_agency_and_reads_back(format_name: str) -> None:
    adapter = get_adapter(format_name)
    messages, problems = render_messages(adapter, "AGENCY-X")
    assert problems == []
    assert len(messages) == len(canonical_cases()[0])
    for message in messages:
        parsed = adapter.parse(message.body)
        assert parsed.problems == [], message.name
        assert len(parsed.records) == 1
        assert message.media_type == adapter.media_type
    # deterministic: the same suite sends the same bytes
    again, _ = render_messages(adapter, "AGENCY-X")
    assert [m.body for m in again] == [m.body for m in messages]


@pytest.mark.parametrize("format_name", ["damrongtham", "occ", "pmo1111"])
def test_no_malformed_body_reads_as_a_valid_message(format_name: str) -> None:
    adapter = get_adapter(format_name)
    valid = render_messages(adapter, "AGENCY-X")[0][0].body
    bodies = malformed_bodies(adapter, valid)
    names = [name for name, _ in bodies]
    assert "truncated" in names and len(bodies) >= 3
    if format_name == "damrongtham":
        assert "damrongtham/doctype-entity.xml" in names
    for name, body in bodies:
        try:
            parsed = adapter.parse(body)
        except HubError as exc:
            assert exc.problems, name
            continue
        assert not parsed.records or parsed.problems, f"{name} reads as valid"

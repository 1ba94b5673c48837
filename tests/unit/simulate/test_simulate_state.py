"""The agency's record: arrivals counted, the first digest kept until bytes are processed,
a processed transfer never turned back into a rejected one, everything kept in the file
across reopening, and totals that add up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from saphan.errors import ConfigError, Problem
from saphan.simulate import AgencyState, Outcome

AT = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)


def test_arrivals_processing_and_totals_are_recorded(tmp_path: Path) -> None:
    state = AgencyState(tmp_path / "state.sqlite")
    first = state.note_received("T-1", "C-1", "a" * 64, AT)
    assert (first.times_received, first.status) == (1, Outcome.RECEIVED)
    state.note_received("T-1", "C-other", "b" * 64, AT + timedelta(seconds=5))
    state.mark_processed(
        "T-1", sha256="b" * 64, tracking_no="TN-1", records=1, body=b"<x/>", receipt="r.r.r"
    )
    state.mark_rejected("T-1", [Problem("/x", "late refusal")])  # must not undo processing
    state.count("duplicates", 2)
    state.close()

    reopened = AgencyState(tmp_path / "state.sqlite")
    record = reopened.get("T-1")
    assert record is not None
    assert record.status is Outcome.PROCESSED
    assert (record.times_received, record.times_processed, record.receipts_issued) == (2, 1, 1)
    assert record.case_id == "C-1"  # the first arrival fixes the case
    assert record.sha256 == "b" * 64  # the bytes processed
    assert (record.first_received_at, record.last_received_at) == (
        "2025-06-01T03:00:00Z",
        "2025-06-01T03:00:05Z",
    )
    assert reopened.body("T-1") == b"<x/>"
    snapshot = reopened.snapshot()
    assert snapshot["totals"] == {"duplicates": 2, "processed": 1, "received": 2, "rejected": 1}
    assert snapshot["transfers"]["T-1"]["receipt"] == "r.r.r"
    assert "transfer_id" not in snapshot["transfers"]["T-1"]


def test_a_rejection_lists_its_problems_and_acknowledgement_is_recorded() -> None:
    state = AgencyState()
    state.note_received("T-2", "C-2", "c" * 64, AT)
    state.mark_rejected("T-2", [Problem("/a", "one"), Problem("/b", "two")])
    rejected = state.get("T-2")
    assert rejected is not None
    assert rejected.status is Outcome.REJECTED
    assert rejected.problems == [{"path": "/a", "message": "one"}, {"path": "/b", "message": "two"}]
    assert state.body("T-2") is None

    state.note_received("T-3", "C-3", "d" * 64, AT)
    state.mark_processed(
        "T-3", sha256="d" * 64, tracking_no=None, records=1, body=b"{}", receipt="j"
    )
    state.mark_acknowledged("T-3", AT)
    acknowledged = state.get("T-3")
    assert acknowledged is not None
    assert (acknowledged.status, acknowledged.acknowledged_at) == (
        Outcome.ACKNOWLEDGED,
        "2025-06-01T03:00:00Z",
    )
    state.clear()
    assert state.records() == [] and state.totals() == {}


def test_an_unusable_state_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "not-a-db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigError):
        AgencyState(tmp_path / "not-a-db")

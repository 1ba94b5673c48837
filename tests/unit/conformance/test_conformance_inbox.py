"""The suite's pull inbox: the hub's listing shape, and how each acknowledgement is
judged and recorded (valid, repeated, conflicting, refused, lost, re-listed)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

from conformance_helpers import agency_keys, receipt

from saphan.conformance.inbox import Inbox, InboxItem
from saphan.simulate.puller import InboxTransfer

NOW = datetime(2024, 9, 6, 3, 35, tzinfo=UTC)
BODY = b'{"occ_version": "2.1"}'


def _inbox() -> tuple[Inbox, InboxItem]:
    inbox = Inbox("OMB", agency_keys())
    item = InboxItem("transfer-1", "case-1", "occ", "application/json", BODY, NOW)
    inbox.add(item)
    return inbox, item


def _receipt(body: bytes = BODY) -> str:
    return receipt(hashlib.sha256(body).hexdigest(), at=NOW)


def test_the_listing_has_the_hubs_shape_and_the_exact_bytes() -> None:
    inbox, _ = _inbox()
    answer = inbox.answer_poll(50, NOW)
    (listed,) = answer["transfers"]
    assert set(listed) == {
        "transfer_id",
        "case_id",
        "kind",
        "format",
        "media_type",
        "body_b64",
        "payload_sha256",
        "created_at",
    }
    # what the reference pull client reads
    transfer = InboxTransfer.model_validate(listed)
    assert base64.b64decode(transfer.body_b64) == BODY
    assert transfer.payload_sha256 == hashlib.sha256(BODY).hexdigest()
    assert inbox.polls == [NOW]


def test_a_valid_receipt_is_accepted_and_the_transfer_leaves_the_listing() -> None:
    inbox, _ = _inbox()
    status, answer = inbox.acknowledge("transfer-1", _receipt(), NOW)
    assert (status, answer["repeat"]) == (200, False)
    assert inbox.answer_poll(50, NOW)["transfers"] == []
    inbox.relist_acknowledged = True
    assert [t["transfer_id"] for t in inbox.answer_poll(50, NOW)["transfers"]] == ["transfer-1"]


def test_a_repeat_is_harmless_and_another_receipt_conflicts_but_both_are_recorded() -> None:
    inbox, _ = _inbox()
    jws = _receipt()
    inbox.acknowledge("transfer-1", jws, NOW)
    status, answer = inbox.acknowledge("transfer-1", jws, NOW)
    assert (status, answer["repeat"]) == (200, True)
    later = receipt(hashlib.sha256(BODY).hexdigest(), at=NOW + timedelta(seconds=1))
    status, answer = inbox.acknowledge("transfer-1", later, NOW)
    assert status == 409 and answer["status"] == 409
    assert inbox.accepted["transfer-1"] == jws
    assert len(inbox.acknowledgements_of("transfer-1")) == 3


def test_a_receipt_over_other_bytes_is_refused_with_its_problems() -> None:
    inbox, _ = _inbox()
    status, answer = inbox.acknowledge("transfer-1", _receipt(BODY + b"\n"), NOW)
    assert status == 422
    assert [e["path"] for e in answer["errors"]] == ["/receipt/payload/sha256"]
    (attempt,) = inbox.acknowledgements_of("transfer-1")
    assert not attempt.accepted and attempt.problems[0].path == "/receipt/payload/sha256"
    assert "transfer-1" not in inbox.accepted


def test_a_lost_answer_then_the_retry_is_accepted() -> None:
    inbox, _ = _inbox()
    inbox.lose_next.add("transfer-1")
    jws = _receipt()
    assert inbox.acknowledge("transfer-1", jws, NOW)[0] == 503
    assert "transfer-1" not in inbox.accepted
    assert inbox.acknowledge("transfer-1", jws, NOW)[0] == 200
    assert [a.answered for a in inbox.acknowledgements_of("transfer-1")] == [503, 200]


def test_unknown_transfers_and_bodies_without_a_receipt_are_refused() -> None:
    inbox, _ = _inbox()
    assert inbox.acknowledge("nope", _receipt(), NOW)[0] == 404
    assert inbox.acknowledge("transfer-1", None, NOW)[0] == 422
    assert [a.answered for a in inbox.acknowledgements] == [404, 422]

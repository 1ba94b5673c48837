"""Judging a receipt as the hub does: every wrong statement, key or time is named."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from conformance_helpers import AGENCY_KEY, agency_keys, receipt

from saphan.conformance.receiptcheck import read_statement, receipt_problems
from saphan.ledger.keys import SigningKey

BODY = b'{"occ_version": "2.1"}'
SHA = hashlib.sha256(BODY).hexdigest()
NOW = datetime(2024, 9, 6, 3, 35, tzinfo=UTC)


def _judge(jws: str, **overrides: object) -> list[tuple[str, str]]:
    expected: dict[str, object] = {
        "case_id": "case-1",
        "transfer_id": "transfer-1",
        "receiver": "OMB",
        "body": BODY,
        "sent_at": NOW,
    }
    expected.update(overrides)
    problems = receipt_problems(jws, agency_keys(), **expected)  # type: ignore[arg-type]
    return [(p.path, p.message) for p in problems]


def test_a_receipt_for_these_bytes_by_this_agency_holds() -> None:
    assert _judge(receipt(SHA, at=NOW + timedelta(seconds=2))) == []


def test_every_wrong_statement_is_named() -> None:
    other = receipt(
        hashlib.sha256(BODY + b"\n").hexdigest(),
        case_id="case-2",
        transfer_id="transfer-9",
        receiver="PSC",
        at=NOW,
    )
    paths = [path for path, _ in _judge(other)]
    assert paths == [
        "/receipt/payload/case_id",
        "/receipt/payload/transfer_id",
        "/receipt/payload/receiver",
        "/receipt/payload/sha256",
    ]


def test_a_key_the_kid_does_not_name_fails_the_signature() -> None:
    # the fault the reference simulator calls wrong_key: the agency's kid, another key
    forged = SigningKey(kid=AGENCY_KEY.kid, private=SigningKey.generate().private)
    problems = _judge(receipt(SHA, at=NOW, key=forged))
    assert problems == [("/receipt/signature", f"does not verify with key {AGENCY_KEY.kid!r}")]


def test_an_unknown_kid_lists_the_agencys_key_ids() -> None:
    problems = _judge(receipt(SHA, at=NOW, key=SigningKey.generate()))
    assert problems[0][0] == "/receipt/header/kid"
    assert problems[-1] == ("/receipt/header/kid", f"the agency's key ids are: {AGENCY_KEY.kid}")


def test_a_time_far_from_the_delivery_is_named() -> None:
    problems = _judge(receipt(SHA, at=NOW - timedelta(hours=7)))
    assert [path for path, _ in problems] == ["/receipt/payload/time"]
    assert "clock" in problems[0][1]


def test_something_that_is_no_jws_is_refused_not_raised() -> None:
    assert _judge("this-is.not-a.receipt!")[0][0].startswith("/receipt")
    assert read_statement("this-is.not-a.receipt!") is None
    assert read_statement("only-one-part") is None


def test_read_statement_reads_without_checking_the_signature() -> None:
    forged = SigningKey(kid=AGENCY_KEY.kid, private=SigningKey.generate().private)
    stated = read_statement(receipt(SHA, at=NOW, key=forged))
    assert stated is not None
    assert (stated.case_id, stated.transfer_id, stated.sha256) == ("case-1", "transfer-1", SHA)

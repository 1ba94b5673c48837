"""The engine on both databases: intake, routing into transfers, pull delivery with
receipts, status travelling back, quarantine and replay, retries on a controlled clock,
dead letters, overdue marks and checkpoints."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import EXAMPLES
from hubkit import AgencyKeys, issue_agency_receipt, make_hub
from sqlalchemy import select

from saphan.clock import FixedClock
from saphan.delivery import outcome
from saphan.delivery.pull import accept_receipt, inbox
from saphan.delivery.retry import RetryPolicy
from saphan.engine import operations
from saphan.engine.cases import TRANSFERS
from saphan.engine.intake import intake
from saphan.engine.queries import case_for_agency, track
from saphan.engine.services import Services
from saphan.engine.status import StatusReport, report_status
from saphan.errors import ConflictError, IntegrityError, NotFoundError
from saphan.ledger.checkpoint import log_verifier_key, verify_checkpoint
from saphan.ledger.keys import SigningKey
from saphan.ledger.receipts import verify_receipt
from saphan.scheduler import mark_overdue, sign_checkpoint
from saphan.store import claims
from saphan.store import log as transfer_log

ESCALATION = EXAMPLES / "damrongtham" / "escalation-warin-chamrap.xml"
BATCH = EXAMPLES / "pmo1111" / "batch-three-records.json"
BAD_BATCH = EXAMPLES / "invalid" / "pmo1111-one-bad-record.json"
BAD_OCC = EXAMPLES / "invalid" / "occ-unknown-topic-no-complainant.json"


Hub = tuple[Services, AgencyKeys, FixedClock]


@pytest.fixture
def hub(db_url: str, tmp_path: Path) -> Iterator[Hub]:
    svc, keys, clock = make_hub(db_url, tmp_path / "data")
    yield svc, keys, clock
    svc.close()


def _ack(svc: Services, agency: str, key: SigningKey, item: dict[str, object]) -> dict[str, object]:
    body = base64.b64decode(str(item["body_b64"]))
    jws = issue_agency_receipt(
        key,
        case_id=str(item["case_id"]),
        transfer_id=str(item["transfer_id"]),
        receiver=agency,
        sha256=hashlib.sha256(body).hexdigest(),
        at=svc.clock.now(),
    )
    return accept_receipt(svc, agency, str(item["transfer_id"]), jws)


def test_escalation_routes_to_ombudsman_with_copy_and_receipt(hub: Hub) -> None:
    svc, keys, _ = hub
    answer = intake(svc, "damrongtham", "MOI-DRT-3415", ESCALATION.read_bytes())
    assert answer.status == 201
    body = json.loads(answer.body)
    assert [(t["to"], t["kind"], t["rule"]) for t in body["transfers"]] == [
        ("OMB", "forward", "R1"),
        ("MOI-DRT-34", "copy", "R1"),
    ]
    assert body["transfers"][0]["deadline"] == "2024-10-01"
    # the hub's receipt names the exact bytes and the log index of the intake entry
    payload = verify_receipt(body["receipt"], svc.keys.find)
    assert payload.log_index is not None
    assert payload.sha256 == hashlib.sha256(ESCALATION.read_bytes()).hexdigest()
    assert payload.log_index == body["log_index"]
    with svc.db.reader.connect() as conn:
        entry = transfer_log.entries(conn, payload.log_index, payload.log_index + 1)[0][1]
    assert json.loads(entry)["kind"] == "intake"
    # a repeat gets the first answer, byte for byte, with 200
    again = intake(svc, "damrongtham", "MOI-DRT-3415", ESCALATION.read_bytes())
    assert (again.status, again.body) == (200, answer.body)


def test_idempotency_key_reused_for_other_bytes_is_a_conflict(hub: Hub) -> None:
    svc, _, _ = hub
    intake(svc, "damrongtham", "MOI-DRT-3415", ESCALATION.read_bytes(), "k-1")
    with pytest.raises(ConflictError):
        intake(svc, "damrongtham", "MOI-DRT-3415", ESCALATION.read_bytes() + b" ", "k-1")


def test_batch_answers_per_record_and_quarantines_the_bad_one(hub: Hub) -> None:
    svc, _, _ = hub
    answer = intake(svc, "pmo1111", "PSC", BAD_BATCH.read_bytes())
    body = json.loads(answer.body)
    assert answer.status == 201 and (body["accepted"], body["refused"]) == (2, 1)
    bad = body["records"][1]
    assert bad["status"] == "refused"
    assert {e["path"] for e in bad["errors"]} >= {"/records/1/topic", "/records/1/recv_ms"}
    items = operations.list_quarantine(svc)
    assert [q["id"] for q in items] == [bad["quarantine_id"]]


def test_pmo1111_routing_police_target_and_province(hub: Hub) -> None:
    svc, _, _ = hub
    body = json.loads(intake(svc, "pmo1111", "PSC", BATCH.read_bytes()).body)
    targets = [[t["to"] for t in r["transfers"]] for r in body["records"]]
    assert targets == [["RTP-IG"], ["DOL"], ["MOI-DRT-20"]]
    rules = [r["transfers"][0]["rule"] for r in body["records"]]
    assert rules == ["R3", "R4", "R5"]


def test_refused_message_is_kept_and_replayed_after_repair(hub: Hub) -> None:
    svc, _, _ = hub
    answer = intake(svc, "occ", "OMB", BAD_OCC.read_bytes())
    problem = json.loads(answer.body)
    assert answer.status == 422
    assert {e["path"] for e in problem["errors"]} == {"/matter/topic", "/complainant"}
    qid = problem["quarantine_id"]
    raw = operations.quarantined_raw(svc, qid, "op1")
    assert raw == BAD_OCC.read_bytes()
    fixed = json.loads(raw)
    fixed["matter"]["topic"] = "UNFAIR_LAW"
    fixed["complainant"] = {"anonymous": True, "disclose_identity": True}
    done = operations.replay_quarantine(
        svc, qid, "op1", json.dumps(fixed, ensure_ascii=False).encode()
    )
    assert done["case_id"]
    assert operations.list_quarantine(svc) == []
    assert operations.list_quarantine(svc, "replayed")[0]["case_id"] == done["case_id"]


def test_pull_delivery_receipt_and_status_back(hub: Hub) -> None:
    svc, keys, _ = hub
    case_id = json.loads(intake(svc, "damrongtham", "MOI-DRT-3415", ESCALATION.read_bytes()).body)[
        "case_id"
    ]
    items = inbox(svc, "OMB", 10)["transfers"]
    assert len(items) == 1 and items[0]["format"] == "occ"
    assert inbox(svc, "OMB", 10)["transfers"] == []  # leased: not offered twice at once
    assert _ack(svc, "OMB", keys["OMB"], items[0])["state"] == "delivered"
    # the same receipt again is a harmless repeat
    with svc.db.reader.connect() as conn:
        stored = conn.execute(
            select(TRANSFERS.c.receipt).where(TRANSFERS.c.id == items[0]["transfer_id"])
        ).scalar_one()
    assert accept_receipt(svc, "OMB", items[0]["transfer_id"], stored)["repeat"] is True
    # OMB reports in its own codes; the district center hears in its own format
    result = report_status(svc, "OMB", case_id, StatusReport(status="INVESTIGATING"))
    assert result["status"] == "in_progress"
    assert [t["to"] for t in result["transfers"]] == ["MOI-DRT-3415"]
    back = inbox(svc, "MOI-DRT-3415", 10)["transfers"]
    xml = base64.b64decode(back[0]["body_b64"])
    assert b'<Status code="3"' in xml
    public = track(svc, "DOPA34003415670123")
    assert public["status"] == "in_progress" and public["holder"] == "OMB"


def test_receipt_over_other_bytes_or_wrong_key_is_refused(hub: Hub) -> None:
    svc, keys, _ = hub
    intake(svc, "damrongtham", "MOI-DRT-3415", ESCALATION.read_bytes())
    item = inbox(svc, "OMB", 1)["transfers"][0]
    wrong = dict(item, body_b64=base64.b64encode(b"other bytes").decode())
    with pytest.raises(IntegrityError):
        _ack(svc, "OMB", keys["OMB"], wrong)
    with pytest.raises(IntegrityError):
        _ack(svc, "OMB", keys["PSC"], item)  # signed with another agency's key


def test_unrelated_agency_cannot_see_or_touch_a_case(hub: Hub) -> None:
    svc, _, _ = hub
    case_id = json.loads(intake(svc, "damrongtham", "MOI-DRT-3415", ESCALATION.read_bytes()).body)[
        "case_id"
    ]
    assert case_for_agency(svc, "OMB", case_id)["case_id"] == case_id
    with pytest.raises(NotFoundError):
        case_for_agency(svc, "DOL", case_id)
    with pytest.raises(NotFoundError):
        report_status(svc, "DOL", case_id, StatusReport(status="4"))


def test_retry_schedule_dead_letter_and_replay_on_a_controlled_clock(hub: Hub) -> None:
    svc, _, clock = hub
    intake(svc, "damrongtham", "MOI-DRT-3415", ESCALATION.read_bytes())
    policy = RetryPolicy(base_s=10, cap_s=1000, max_attempts=3)
    lease = timedelta(seconds=30)
    waits = []
    for attempt in range(3):
        with svc.db.writer.begin() as conn:
            got = claims.claim(
                conn, worker="w", now=clock.now(), lease=lease, limit=1, mode="pull", agency="OMB"
            )
            assert len(got) == 1, f"attempt {attempt + 1} should be due"
            c = got[0]
            state = outcome.failed(
                conn,
                svc,
                outcome.Expected(c.id, c.case_id, "OMB", c.payload_sha256),
                error="HTTP 503",
                attempts_before=c.attempts,
                worker="w",
                now=clock.now(),
                policy=policy,
            )
            nxt = conn.execute(
                select(TRANSFERS.c.next_attempt_at).where(TRANSFERS.c.id == c.id)
            ).scalar_one()
        if state == "dead":
            break
        wait = (nxt - clock.now()).total_seconds()
        low, high = policy.window(attempt + 1)
        assert low <= wait <= high
        waits.append(wait)
        # not due a moment before its time, due right after
        with svc.db.writer.begin() as conn:
            assert (
                claims.claim(
                    conn,
                    worker="w",
                    now=nxt - timedelta(seconds=1),
                    lease=lease,
                    limit=1,
                    mode="pull",
                    agency="OMB",
                )
                == []
            )
        clock.set(nxt)
    assert state == "dead" and len(waits) == 2
    dead = operations.list_dead_letters(svc)
    assert [d["transfer_id"] for d in dead] == [c.id]
    operations.replay_dead_letter(svc, c.id, "op1")
    again = inbox(svc, "OMB", 5)["transfers"]
    assert [i["transfer_id"] for i in again] == [c.id]  # same transfer id


def test_overdue_marked_once_and_checkpoints_consistent(hub: Hub) -> None:
    svc, _, clock = hub
    intake(svc, "damrongtham", "MOI-DRT-3415", ESCALATION.read_bytes())
    first = sign_checkpoint(svc)
    assert first is not None and sign_checkpoint(svc) is None  # nothing new, nothing signed
    clock.advance(timedelta(days=30))
    assert mark_overdue(svc) == 1
    assert mark_overdue(svc) == 0  # idempotent
    second = sign_checkpoint(svc)
    assert second is not None
    vkey = log_verifier_key(svc.settings.log_origin, svc.keys.current.private.public_key())
    a, b = verify_checkpoint(first, vkey), verify_checkpoint(second, vkey)
    with svc.db.reader.connect() as conn:
        proof = transfer_log.consistency_proof(conn, a.size, b.size)
    from saphan.ledger.merkle import verify_consistency

    verify_consistency(a.size, b.size, proof, a.root_hash, b.root_hash)


def test_a_refused_1111_record_is_replayed_on_its_own(hub: Hub) -> None:
    svc, _, _ = hub
    body = json.loads(intake(svc, "pmo1111", "PSC", BAD_BATCH.read_bytes()).body)
    qid = body["records"][1]["quarantine_id"]
    record = json.loads(operations.quarantined_raw(svc, qid, "op1"))
    assert record["ticket_no"] == "6710110000124"  # the record alone, not the batch
    record["topic"] = "T03"
    record["recv_ms"] = 1728617400000
    done = operations.replay_quarantine(
        svc, qid, "op1", json.dumps(record, ensure_ascii=False).encode()
    )
    assert [t["to"] for t in done["transfers"]] == ["DOL"]


def test_a_lone_unroutable_record_is_quarantined_and_leaves_nothing_else(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message of one valid record whose destination is missing from the directory: the
    record is written without a savepoint, so the message is written again with the record
    refused; no case, transfer or log entry of the first try survives."""
    svc, _, _ = hub
    batch = json.loads(BATCH.read_text(encoding="utf-8"))
    batch["records"] = [batch["records"][0]]  # routed to RTP-IG
    body = json.dumps(batch, ensure_ascii=False).encode()
    real_get = svc.directory.get

    def missing_rtp(code: str) -> object:
        if code == "RTP-IG":
            raise NotFoundError("RTP-IG is not in the directory")
        return real_get(code)

    monkeypatch.setattr(svc.directory, "get", missing_rtp)
    answer = intake(svc, "pmo1111", "PSC", body)
    assert answer.status == 422
    problem = json.loads(answer.body)
    assert problem["records"][0]["status"] == "refused"
    qid = problem["records"][0]["quarantine_id"]
    assert [q["id"] for q in operations.list_quarantine(svc)] == [qid]
    with svc.db.reader.connect() as conn:
        assert conn.execute(select(TRANSFERS.c.id)).first() is None
        assert transfer_log.head(conn).size == 0
    # the stored answer is the one given, byte for byte
    again = intake(svc, "pmo1111", "PSC", body)
    assert (again.status, again.body) == (422, answer.body)

"""What operators do: look at quarantined records and dead letters, repair and replay them.

Every action is recorded in ``operator_actions`` (who, what, on which id, outcome) and every
replay in the transfer log. Repairing a quarantined record means giving corrected bytes in
the sender's own format; the record then goes through intake exactly as if the sender had
sent it, and the quarantine entry remembers which case it became.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, insert, select, update

from saphan.engine import cases as store_cases
from saphan.engine.accept import accept_case
from saphan.engine.cases import TRANSFERS
from saphan.engine.intake import QUARANTINE
from saphan.engine.services import Services
from saphan.errors import ConflictError, HubError, InputError, NotFoundError, Problem
from saphan.ledger.entries import ReplayEntry, case_commitment
from saphan.store import claims
from saphan.store import log as transfer_log
from saphan.store.tables import OperatorActionRow
from saphan.translate import get_adapter

ACTIONS = OperatorActionRow.__table__  # type: ignore[attr-defined]


def record_action(
    conn: Connection, svc: Services, operator: str, action: str, target: str | None, outcome: str
) -> None:
    conn.execute(
        insert(ACTIONS).values(
            at=svc.clock.now(), operator=operator, action=action, target=target, outcome=outcome
        )
    )


def list_quarantine(svc: Services, state: str = "open", limit: int = 200) -> list[dict[str, Any]]:
    """Quarantined records with their problems (opened for operators; never logged)."""
    with svc.db.reader.connect() as conn:
        rows = conn.execute(
            select(
                QUARANTINE.c.id,
                QUARANTINE.c.sender,
                QUARANTINE.c.format,
                QUARANTINE.c.created_at,
                QUARANTINE.c.record_index,
                QUARANTINE.c.sealed_problems,
                QUARANTINE.c.state,
                QUARANTINE.c.case_id,
                QUARANTINE.c.problems,
            )
            .where(QUARANTINE.c.state == state)
            .order_by(QUARANTINE.c.created_at.desc())
            .limit(limit)
        ).all()
        items = []
        for r in rows:
            try:
                errors = json.loads(svc.vault.open(conn, r[0], bytes(r[5]))) if r[5] else []
            except HubError:  # erased: only the paths remain
                errors = [{"path": path, "message": "(erased)"} for path in json.loads(r[8])]
            items.append(
                {
                    "id": r[0],
                    "sender": r[1],
                    "format": r[2],
                    "created_at": r[3].isoformat(),
                    "record": r[4],
                    "errors": errors,
                    "state": r[6],
                    "case_id": r[7],
                }
            )
    return items


def quarantined_raw(svc: Services, qid: str, operator: str) -> bytes:
    """The refused bytes, for an operator to repair (the read itself is recorded)."""
    with svc.db.writer.begin() as conn:
        row = conn.execute(select(QUARANTINE.c.sealed_raw).where(QUARANTINE.c.id == qid)).first()
        if row is None:
            raise NotFoundError(f"no quarantined record {qid}", [Problem("/id", "unknown")])
        record_action(conn, svc, operator, "quarantine.read", qid, "ok")
        return svc.vault.open(conn, qid, bytes(row[0]))


def replay_quarantine(
    svc: Services, qid: str, operator: str, repaired: bytes | None = None
) -> dict[str, Any]:
    """Put a (repaired) quarantined record through intake again."""
    with svc.db.reader.connect() as conn:
        row = conn.execute(
            select(
                QUARANTINE.c.sender,
                QUARANTINE.c.format,
                QUARANTINE.c.state,
                QUARANTINE.c.sealed_raw,
            ).where(QUARANTINE.c.id == qid)
        ).first()
        if row is None:
            raise NotFoundError(f"no quarantined record {qid}", [Problem("/id", "unknown")])
        sender, fmt, state = str(row[0]), str(row[1]), str(row[2])
        if state != "open":
            raise ConflictError(f"record {qid} is {state}", [Problem("/id", f"already {state}")])
        raw = repaired if repaired is not None else svc.vault.open(conn, qid, bytes(row[3]))
    adapter = get_adapter(fmt)
    parsed = adapter.parse_record(raw)
    now = svc.clock.now()
    with svc.db.writer.begin() as conn:
        if parsed.problems or len(parsed.cases) != 1:
            problems = parsed.problems or [Problem("", "expected exactly one record")]
            conn.execute(
                update(QUARANTINE)
                .where(QUARANTINE.c.id == qid)
                .values(
                    problems=json.dumps([p.path for p in problems]),
                    sealed_problems=svc.vault.seal(
                        conn,
                        qid,
                        json.dumps([p.as_dict() for p in problems], ensure_ascii=False).encode(),
                    ),
                )
            )
            record_action(conn, svc, operator, "quarantine.replay", qid, "refused")
            failure = InputError.from_problems(problems, "the repaired record is still invalid")
        else:
            failure = None
            result = accept_case(
                conn, svc, fmt, sender, parsed.cases[0], now, message_sha=_sha(raw)
            )
            commitment = case_commitment(
                result["case_id"], store_cases.salt_of(conn, result["case_id"])
            )
            index = transfer_log.append(
                conn,
                [
                    ReplayEntry(
                        case=commitment, time=now, source="quarantine", ref_id=qid
                    ).to_bytes()
                ],
            )
            store_cases.add_event(
                conn,
                result["case_id"],
                now,
                "replay",
                agency=sender,
                code="quarantine",
                log_index=index,
            )
            if repaired is not None:
                conn.execute(
                    update(QUARANTINE)
                    .where(QUARANTINE.c.id == qid)
                    .values(sealed_raw=svc.vault.seal(conn, qid, repaired))
                )
            conn.execute(
                update(QUARANTINE)
                .where(QUARANTINE.c.id == qid)
                .values(
                    state="replayed",
                    resolved_at=now,
                    resolved_by=operator,
                    case_id=result["case_id"],
                )
            )
            record_action(conn, svc, operator, "quarantine.replay", qid, "accepted")
    if failure is not None:
        raise failure
    return {"quarantine_id": qid, **result}


def list_dead_letters(svc: Services, limit: int = 200) -> list[dict[str, Any]]:
    with svc.db.reader.connect() as conn:
        rows = conn.execute(
            select(
                TRANSFERS.c.id,
                TRANSFERS.c.case_id,
                TRANSFERS.c.to_agency,
                TRANSFERS.c.attempts,
                TRANSFERS.c.last_error,
                TRANSFERS.c.created_at,
            )
            .where(TRANSFERS.c.state == "dead")
            .order_by(TRANSFERS.c.created_at)
            .limit(limit)
        ).all()
    return [
        {
            "transfer_id": r[0],
            "case_id": r[1],
            "to": r[2],
            "attempts": r[3],
            "last_error": r[4],
            "created_at": r[5].isoformat(),
        }
        for r in rows
    ]


def replay_dead_letter(svc: Services, transfer_id: str, operator: str) -> dict[str, Any]:
    now = svc.clock.now()
    with svc.db.writer.begin() as conn:
        moved = claims.replay(conn, [transfer_id], now=now)
        if not moved:
            record_action(conn, svc, operator, "dead_letter.replay", transfer_id, "not-dead")
            raise ConflictError(
                f"transfer {transfer_id} is not dead-lettered",
                [Problem("/transfer_id", "not a dead letter")],
            )
        case_id = conn.execute(
            select(TRANSFERS.c.case_id).where(TRANSFERS.c.id == transfer_id)
        ).scalar_one()
        commitment = case_commitment(case_id, store_cases.salt_of(conn, case_id))
        index = transfer_log.append(
            conn,
            [
                ReplayEntry(
                    case=commitment,
                    time=now,
                    source="dead_letter",
                    ref_id=transfer_id,
                    transfer_id=transfer_id,
                ).to_bytes()
            ],
        )
        store_cases.add_event(
            conn,
            case_id,
            now,
            "replay",
            transfer_id=transfer_id,
            code="dead_letter",
            log_index=index,
        )
        record_action(conn, svc, operator, "dead_letter.replay", transfer_id, "queued")
    return {"transfer_id": transfer_id, "state": "pending", "log_index": index}


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()

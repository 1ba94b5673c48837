"""Intake: a message an agency sends in its own format becomes cases, transfers, log
entries and a signed receipt, in one transaction per message (on SQLite, transactions of
concurrent messages share one commit: :mod:`saphan.store.group`).

* Idempotent: the first answer is stored byte for byte; a repeat (same ``Idempotency-Key``,
  or without one the same sender and the same bytes, hence the same tracking number and
  content) gets it again with 200. A key reused for other bytes is a conflict.
* Nothing is lost: the message itself is kept (sealed) before anything is decided; a
  refused record is quarantined with its problems for repair and replay; a 1111 batch is
  answered record by record, and one bad record never costs the others.
* A later message about a case the hub already knows (same originating number) is merged
  into it and routed again; agencies that already hold the case do not get it twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError as DbIntegrityError

from saphan.engine.accept import accept_case
from saphan.engine.cases import new_id
from saphan.engine.services import Services
from saphan.errors import ConflictError, ForbiddenError, HubError, InputError, Problem
from saphan.logs import bind
from saphan.store.prepared import Prepared
from saphan.store.tables import InboundRow, QuarantineRow
from saphan.translate import Parsed, Record, get_adapter

log = logging.getLogger("saphan.intake")
INBOUND = InboundRow.__table__  # type: ignore[attr-defined]
# The intake path's statements, compiled once (see saphan.store.prepared).
_INSERT_INBOUND = Prepared(insert(INBOUND))
_ANSWERED = Prepared(
    update(INBOUND)
    .where(INBOUND.c.id == bindparam("inbound_id"))
    .values(response_status=bindparam("status"), response_body=bindparam("body"))
)
_STORED_ANSWER = Prepared(
    select(INBOUND.c.response_status, INBOUND.c.response_body, INBOUND.c.body_sha256).where(
        INBOUND.c.sender == bindparam("sender"), INBOUND.c.idem_key == bindparam("key")
    )
)
QUARANTINE = QuarantineRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    media_type: str = "application/json"


def _json(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def stored_answer(svc: Services, sender: str, key: str, body_sha: str) -> Answer | None:
    with svc.db.reader.connect() as conn:
        row = _STORED_ANSWER.first(conn, {"sender": sender, "key": key})
    if row is None:
        return None
    status, body, sha = int(row[0]), bytes(row[1]), str(row[2])
    if sha != body_sha:
        raise ConflictError(
            "this Idempotency-Key was used before for a different message",
            [Problem("/headers/Idempotency-Key", "reused with other content")],
        )
    media = "application/problem+json" if status >= 400 else "application/json"
    return Answer(200 if status == 201 else status, body, media)


def intake(
    svc: Services, fmt: str, sender: str, body: bytes, idempotency_key: str | None = None
) -> Answer:
    """Take a message from ``sender`` (already authenticated) in format ``fmt``."""
    adapter = get_adapter(fmt)
    agency = svc.directory.get(sender)
    if agency.format != fmt:
        raise ForbiddenError(
            f"{sender} speaks {agency.format}, not {fmt}",
            [Problem("/format", f"{sender} is registered for {agency.format}")],
        )
    body_sha = hashlib.sha256(body).hexdigest()
    key = idempotency_key or f"sha256:{body_sha}"
    repeat = stored_answer(svc, sender, key, body_sha)
    if repeat is not None:
        return repeat
    parsed: Parsed | None = None
    refusal: InputError | None = None
    try:
        parsed = adapter.parse(body)
    except InputError as exc:
        refusal = exc
    with svc.metrics.intake_latency.labels(fmt).time():
        try:
            message = _Message(fmt, sender, body, body_sha, key, parsed, refusal)
            answer = _commit(svc, message)
        except DbIntegrityError:
            # The same message raced in twice: the other transaction won; answer as it did.
            repeat = stored_answer(svc, sender, key, body_sha)
            if repeat is None:
                raise
            return repeat
    return answer


@dataclass(frozen=True, slots=True)
class _Message:
    """A message to write: parsed, or refused as a whole (``refusal``)."""

    fmt: str
    sender: str
    body: bytes
    body_sha: str
    key: str
    parsed: Parsed | None
    refusal: InputError | None


def _commit(svc: Services, message: _Message) -> Answer:
    unroutable: dict[int, list[Problem]] = {}
    while True:
        try:
            return svc.db.group.run(lambda conn: _write(conn, svc, message, unroutable))
        except _Unroutable as exc:
            # A message of one record wrote it without a savepoint (two round trips less,
            # both while holding the log's sequencer on PostgreSQL); it could not be
            # routed, so the message is written again with the record refused.
            if exc.index in unroutable:
                raise
            unroutable[exc.index] = exc.problems


class _Unroutable(Exception):
    """A lone record could not be routed after its writes began (see :func:`_commit`)."""

    def __init__(self, index: int, problems: list[Problem]) -> None:
        super().__init__(index)
        self.index = index
        self.problems = problems


def _write(
    conn: Connection, svc: Services, message: _Message, unroutable: dict[int, list[Problem]]
) -> Answer:
    """Everything one message writes, in the (shared) transaction ``conn``."""
    fmt, sender, body, body_sha = message.fmt, message.sender, message.body, message.body_sha
    key, parsed, refusal = message.key, message.parsed, message.refusal
    now = svc.clock.now()
    inbound_id = new_id()
    data_key = svc.vault.new_owner(conn, inbound_id)
    # The message is kept first: whatever happens next, it is not lost.
    _INSERT_INBOUND.run(
        conn,
        dict(
            id=inbound_id,
            sender=sender,
            format=fmt,
            idem_key=key,
            body_sha256=body_sha,
            received_at=now,
            sealed_body=svc.vault.seal(conn, inbound_id, body, data_key),
            key_owner=inbound_id,
            response_status=0,
            response_body=b"",
        ),
    )
    if parsed is None:
        assert refusal is not None
        qid = quarantine(conn, svc, inbound_id, 0, sender, fmt, body, refusal.problems, now)
        svc.metrics.intake.labels(fmt, "refused").inc()
        answer = _refused(refusal, qid, inbound_id)
    else:
        batch = get_adapter(fmt).batch
        alone = len(parsed.records) == 1
        results = [
            _record(
                conn,
                svc,
                fmt,
                sender,
                body_sha,
                inbound_id,
                rec,
                now,
                batch=batch,
                alone=alone,
                unroutable=unroutable.get(rec.index),
            )
            for rec in parsed.records
        ]
        answer = _answer(batch, parsed, results, inbound_id)
    _ANSWERED.run(conn, {"inbound_id": inbound_id, "status": answer.status, "body": answer.body})
    return answer


def _refused(err: InputError, qid: str, inbound_id: str) -> Answer:
    body = err.to_problem()
    body["quarantine_id"] = qid
    body["message_id"] = inbound_id
    return Answer(err.http_status, _json(body), "application/problem+json")


def _answer(
    batch: bool, parsed: Parsed, results: Sequence[dict[str, Any]], inbound_id: str
) -> Answer:
    accepted = [r for r in results if r["status"] == "accepted"]
    if not batch:
        only = results[0]
        if only["status"] == "accepted":
            body = {k: v for k, v in only.items() if k not in {"status", "index"}}
            body["message_id"] = inbound_id
            return Answer(201, _json(body))
        problem = InputError.from_problems([Problem(**p) for p in only["errors"]])
        return _refused(problem, only["quarantine_id"], inbound_id)
    body = {
        "message_id": inbound_id,
        "batch_id": parsed.envelope.get("batch_id"),
        "accepted": len(accepted),
        "refused": len(results) - len(accepted),
        "records": list(results),
    }
    if not accepted:
        problems = [Problem(p["path"], p["message"]) for r in results for p in r.get("errors", [])]
        err = InputError.from_problems(problems, "every record of the batch was refused")
        out = err.to_problem()
        out.update(body)
        return Answer(422, _json(out), "application/problem+json")
    return Answer(201, _json(body))


def quarantine(
    conn: Connection,
    svc: Services,
    inbound_id: str,
    index: int,
    sender: str,
    fmt: str,
    raw: bytes,
    problems: Sequence[Problem],
    now: datetime,
) -> str:
    qid = new_id()
    key = svc.vault.new_owner(conn, qid)
    full = json.dumps([p.as_dict() for p in problems], ensure_ascii=False).encode()
    conn.execute(
        insert(QUARANTINE).values(
            id=qid,
            inbound_id=inbound_id,
            record_index=index,
            sender=sender,
            format=fmt,
            created_at=now,
            sealed_raw=svc.vault.seal(conn, qid, raw, key),
            # Messages may quote what the sender wrote (personal data): only the paths are
            # kept in clear, the full problems are sealed with the record.
            problems=json.dumps([p.path for p in problems]),
            sealed_problems=svc.vault.seal(conn, qid, full, key),
            state="open",
        )
    )
    return qid


def _record(
    conn: Connection,
    svc: Services,
    fmt: str,
    sender: str,
    body_sha: str,
    inbound_id: str,
    rec: Record,
    now: datetime,
    *,
    batch: bool,
    alone: bool,
    unroutable: list[Problem] | None,
) -> dict[str, Any]:
    if not rec.ok:
        return _refuse(conn, svc, fmt, sender, inbound_id, rec, list(rec.problems), now)
    if unroutable is not None:
        return _refuse(conn, svc, fmt, sender, inbound_id, rec, unroutable, now)
    assert rec.case is not None
    try:
        # A record of a batch has a savepoint, so that one unroutable record does not cost
        # the others; a lone record needs none (see _commit).
        with contextlib.nullcontext() if alone else conn.begin_nested():
            result = accept_case(
                conn,
                svc,
                fmt,
                sender,
                rec.case,
                now,
                message_sha=body_sha,
                record=rec.index if batch else None,
                message_id=inbound_id,
            )
    except HubError as err:
        # Valid but not routable (e.g. a destination missing from the directory): kept in
        # quarantine until an operator fixes the directory and replays it.
        problems = err.problems or [Problem("", err.detail)]
        if alone:
            raise _Unroutable(rec.index, problems) from err
        return _refuse(conn, svc, fmt, sender, inbound_id, rec, problems, now)
    svc.metrics.intake.labels(fmt, "accepted").inc()
    with bind(case_id=result["case_id"]):
        log.info(
            "accepted %s record %d from %s: %d transfer(s)",
            fmt,
            rec.index,
            sender,
            len(result["transfers"]),
        )
    return {"index": rec.index, "status": "accepted", **result}


def _refuse(
    conn: Connection,
    svc: Services,
    fmt: str,
    sender: str,
    inbound_id: str,
    rec: Record,
    problems: list[Problem],
    now: datetime,
) -> dict[str, Any]:
    """Quarantine a refused record and describe it for the answer."""
    qid = quarantine(conn, svc, inbound_id, rec.index, sender, fmt, rec.raw, problems, now)
    svc.metrics.intake.labels(fmt, "refused").inc()
    log.info(
        "refused %s record %d from %s: %d problem(s), quarantined as %s",
        fmt,
        rec.index,
        sender,
        len(problems),
        qid,
    )
    return {
        "index": rec.index,
        "status": "refused",
        "tracking_no": rec.tracking_no,
        "quarantine_id": qid,
        "errors": [p.as_dict() for p in problems],
    }

"""Status changes: a holder reports a new status in its own codes; it travels back to every
earlier holder of the case (routing rule 6), each in its own format, as new transfers.

Only an agency that holds or held the case may report; anyone else learns nothing (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, update

from saphan.canonical import CaseStatus, StatusInfo
from saphan.engine import cases as store_cases
from saphan.engine import transfers
from saphan.engine.cases import CASES
from saphan.engine.services import Services
from saphan.errors import InputError, NotFoundError, Problem
from saphan.ledger.entries import StatusEntry, case_commitment
from saphan.logs import bind
from saphan.store import log as transfer_log
from saphan.translate import crosswalks, get_adapter
from saphan.translate.adapter import validation_problems


class StatusReport(BaseModel):
    """The body of ``POST /v1/cases/{case_id}/status``: the agency's own status code."""

    model_config = ConfigDict(extra="forbid")

    status: str = Field(min_length=1, max_length=32, description="the agency's own code")
    at: AwareDatetime | None = Field(default=None, description="when; default: now")
    note: str | None = Field(default=None, max_length=2000)


def parse_report(body: bytes) -> StatusReport:
    try:
        return StatusReport.model_validate_json(body)
    except ValidationError as exc:
        raise InputError.from_problems(validation_problems(exc)) from None


def not_found(case_id: str) -> NotFoundError:
    return NotFoundError(f"no case {case_id}", [Problem("/case_id", "no such case")])


def report_status(svc: Services, agency: str, case_id: str, report: StatusReport) -> dict[str, Any]:
    """Record ``agency``'s status change and queue it to every earlier holder."""
    reporter = svc.directory.get(agency)
    scheme = get_adapter(reporter.format).status_scheme()
    meaning = crosswalks().decode(scheme, report.status)
    if meaning is None:
        known = ", ".join(crosswalks().codes(scheme)) or "none"
        raise InputError(
            f"{report.status!r} is not a {reporter.format} status code",
            [Problem("/status", f"unknown code; known: {known}")],
        )
    now = svc.clock.now()
    at = report.at or now
    with svc.db.writer.begin() as conn, bind(case_id=case_id):
        if conn.execute(CASES.select().where(CASES.c.id == case_id)).first() is None:
            raise not_found(case_id)
        chain = store_cases.holders(conn, case_id)
        if agency not in chain:
            raise not_found(case_id)
        case = store_cases.load_case(conn, svc.vault, case_id)
        case = case.model_copy(
            update={
                "status": StatusInfo(code=CaseStatus(meaning), at=at, note=report.note),
                "codes": {**case.codes, scheme: report.status},
            }
        )
        store_cases.save_case(conn, svc.vault, case_id, case)
        commitment = case_commitment(case_id, store_cases.salt_of(conn, case_id))
        recipients = svc.policy.status_recipients(chain, agency)
        copies = store_cases.copy_only_holders(conn, case_id)
        created = [
            transfers.create(
                conn,
                svc.vault,
                case_id=case_id,
                case=case,
                commitment=commitment,
                agency=svc.directory.get(code),
                from_agency=agency,
                kind="status",
                rule=svc.policy.status_rule_id,
                deadline=None,
                now=now,
                copy_holder=code in copies,
            )
            for code in recipients
            if svc.directory.exists(code)
        ]
        entries = [
            StatusEntry(
                case=commitment,
                time=now,
                agency=agency,
                status=CaseStatus(meaning),
                source_code=report.status,
            ),
            *(t.entry for t in created),
        ]
        first = transfer_log.append(conn, [e.to_bytes() for e in entries])
        _events(conn, case_id, now, agency, meaning, report.status, first, created)
        if meaning in {"concluded", "rejected", "cancelled"}:
            conn.execute(update(CASES).where(CASES.c.id == case_id).values(holder=agency))
    return {
        "case_id": case_id,
        "status": meaning,
        "log_index": first,
        "transfers": [t.answer() for t in created],
    }


def _events(
    conn: Connection,
    case_id: str,
    now: datetime,
    agency: str,
    meaning: str,
    code: str,
    first: int,
    created: list[transfers.NewTransfer],
) -> None:
    store_cases.add_event(
        conn, case_id, now, "status", agency=agency, status=meaning, code=code, log_index=first
    )
    for i, t in enumerate(created, start=1):
        store_cases.add_event(
            conn,
            case_id,
            now,
            "status_transfer",
            agency=agency,
            to_agency=t.to_agency,
            transfer_id=t.id,
            status=meaning,
            log_index=first + i,
        )

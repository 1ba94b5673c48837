"""What agencies and citizens may read: a case with its timeline, and public tracking.

An agency sees a case only when it sent, holds or held it; to anyone else the case does
not exist (the same 404 as an unknown id). Public tracking shows codes, agencies, dates
and plain-words status, never personal data or free text from the complaint.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from saphan.engine import cases as store_cases
from saphan.engine.cases import CASES, EVENTS, TRANSFERS
from saphan.engine.services import Services
from saphan.errors import NotFoundError, Problem
from saphan.reference.calendar import thai_date

STATUS_WORDS = {
    "received": ("รับเรื่องแล้ว", "Received"),
    "forwarded": ("ส่งต่อหน่วยงานที่รับผิดชอบแล้ว", "Forwarded to the responsible agency"),
    "accepted": ("หน่วยงานรับเรื่องไว้พิจารณาแล้ว", "Accepted by the agency"),
    "in_progress": ("อยู่ระหว่างดำเนินการ", "Being worked on"),
    "concluded": ("ดำเนินการแล้วเสร็จ", "Concluded"),
    "rejected": ("ยุติเรื่อง/ไม่รับพิจารณา", "Closed without action"),
    "escalated": ("ส่งต่อหน่วยงานส่วนกลาง/ผู้ตรวจการแผ่นดิน", "Escalated"),
    "cancelled": ("ผู้ร้องขอยกเลิก", "Cancelled by the complainant"),
}


def _missing(what: str) -> NotFoundError:
    return NotFoundError(f"no case {what}", [Problem("/case", "no such case")])


def timeline(svc: Services, case_id: str) -> list[dict[str, Any]]:
    with svc.db.reader.connect() as conn:
        rows = conn.execute(
            select(
                EVENTS.c.at,
                EVENTS.c.kind,
                EVENTS.c.agency,
                EVENTS.c.to_agency,
                EVENTS.c.transfer_id,
                EVENTS.c.status,
                EVENTS.c.code,
                EVENTS.c.log_index,
            )
            .where(EVENTS.c.case_id == case_id)
            .order_by(EVENTS.c.id)
        ).all()
    return [
        {
            "at": r[0].isoformat(),
            "kind": r[1],
            "agency": r[2],
            "to": r[3],
            "transfer_id": r[4],
            "status": r[5],
            "code": r[6],
            "log_index": r[7],
        }
        for r in rows
    ]


def case_for_agency(svc: Services, agency: str, case_id: str) -> dict[str, Any]:
    """The case document and timeline, for an agency allowed to see it."""
    with svc.db.reader.connect() as conn:
        row = conn.execute(select(CASES).where(CASES.c.id == case_id)).mappings().first()
        if row is None or not store_cases.can_see(conn, case_id, agency):
            raise _missing(case_id)
        transfers = conn.execute(
            select(
                TRANSFERS.c.id,
                TRANSFERS.c.kind,
                TRANSFERS.c.from_agency,
                TRANSFERS.c.to_agency,
                TRANSFERS.c.state,
                TRANSFERS.c.attempts,
                TRANSFERS.c.deadline,
                TRANSFERS.c.delivered_at,
                TRANSFERS.c.payload_sha256,
            )
            .where(TRANSFERS.c.case_id == case_id)
            .order_by(TRANSFERS.c.created_at)
        ).all()
        document = None
        if row["erased_at"] is None:
            case = store_cases.load_case(conn, svc.vault, case_id)
            document = case.model_dump(mode="json")
    return {
        "case_id": case_id,
        "tracking_no": row["origin_ref"],
        "origin_system": row["origin_system"],
        "status": row["status"],
        "status_at": row["status_at"].isoformat(),
        "holder": row["holder"],
        "deadline": row["deadline"].isoformat() if row["deadline"] else None,
        "erased": row["erased_at"] is not None,
        "case": document,
        "transfers": [
            {
                "transfer_id": t[0],
                "kind": t[1],
                "from": t[2],
                "to": t[3],
                "state": t[4],
                "attempts": t[5],
                "deadline": t[6].isoformat() if t[6] else None,
                "delivered_at": t[7].isoformat() if t[7] else None,
                "payload_sha256": t[8],
            }
            for t in transfers
        ],
        "timeline": timeline(svc, case_id),
    }


def track(svc: Services, tracking_no: str) -> dict[str, Any]:
    """Public progress of a case by any system's number: no personal data, no free text."""
    with svc.db.reader.connect() as conn:
        case_id = store_cases.find_by_tracking(conn, tracking_no.strip())
        if case_id is None:
            raise NotFoundError(
                "no case with this tracking number",
                [Problem("/tracking_no", "unknown tracking number")],
            )
        row = conn.execute(
            select(
                CASES.c.status,
                CASES.c.status_at,
                CASES.c.holder,
                CASES.c.deadline,
                CASES.c.created_at,
                CASES.c.origin_system,
                CASES.c.origin_ref,
            ).where(CASES.c.id == case_id)
        ).first()
        assert row is not None
        handovers = conn.execute(
            select(
                TRANSFERS.c.from_agency,
                TRANSFERS.c.to_agency,
                TRANSFERS.c.kind,
                TRANSFERS.c.state,
                TRANSFERS.c.created_at,
                TRANSFERS.c.delivered_at,
                TRANSFERS.c.deadline,
            )
            .where(TRANSFERS.c.case_id == case_id, TRANSFERS.c.kind.in_(["forward", "copy"]))
            .order_by(TRANSFERS.c.created_at)
        ).all()
        statuses = conn.execute(
            select(EVENTS.c.at, EVENTS.c.agency, EVENTS.c.status)
            .where(EVENTS.c.case_id == case_id, EVENTS.c.kind.in_(["intake", "status"]))
            .order_by(EVENTS.c.id)
        ).all()
    today = thai_date(svc.clock.now())
    deadline: date | None = row[3]
    closed = row[0] in {"concluded", "rejected", "cancelled"}
    th, en = STATUS_WORDS.get(row[0], (row[0], row[0]))
    return {
        "tracking_no": tracking_no.strip(),
        "origin": {"system": row[5], "tracking_no": row[6]},
        "status": row[0],
        "status_th": th,
        "status_en": en,
        "status_at": row[1].isoformat(),
        "holder": row[2],
        "deadline": deadline.isoformat() if deadline else None,
        "late": bool(deadline and not closed and today > deadline),
        "closed": closed,
        "received_at": row[4].isoformat(),
        "handovers": [
            {
                "from": h[0],
                "to": h[1],
                "kind": h[2],
                "state": h[3],
                "at": h[4].isoformat(),
                "delivered_at": h[5].isoformat() if h[5] else None,
                "deadline": h[6].isoformat() if h[6] else None,
            }
            for h in handovers
        ],
        "statuses": [
            {
                "at": s[0].isoformat(),
                "agency": s[1],
                "status": s[2],
                "status_th": STATUS_WORDS.get(s[2] or "", ("", ""))[0],
                "status_en": STATUS_WORDS.get(s[2] or "", ("", ""))[1],
            }
            for s in statuses
        ],
    }

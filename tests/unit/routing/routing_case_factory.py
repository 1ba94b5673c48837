"""Canonical cases for routing tests, built directly (no adapter involved)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from saphan.canonical import Case
from saphan.canonical.model import (
    Address,
    Area,
    CaseStatus,
    Complainant,
    Complexity,
    Escalation,
    EscalationReason,
    Matter,
    Place,
    Reference,
    SourceSystem,
    StatusInfo,
)
from saphan.reference.calendar import THAI_TZ


def thai(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=THAI_TZ)


def make_case(
    *,
    system: SourceSystem = SourceSystem.DRT,
    sender: str | None = None,
    codes: dict[str, str] | None = None,
    incident_province: str | None = None,
    incident_subdistrict: str | None = None,
    home_province: str | None = None,
    escalated_at: datetime | None = None,
    escalation: bool = False,
    status: CaseStatus = CaseStatus.RECEIVED,
    status_at: datetime | None = None,
    received_at: datetime | None = None,
    target_agency: str | None = None,
    complexity: Complexity = Complexity.GENERAL,
    due_days: int | None = None,
) -> Case:
    received = received_at or thai(2024, 9, 6, 10, 35)
    incident = None
    if incident_province or incident_subdistrict:
        incident = Place(area=Area(province=incident_province, subdistrict=incident_subdistrict))
    address = Address(area=Area(province=home_province)) if home_province else None
    extra: dict[str, Any] = {}
    if escalation or escalated_at is not None:
        extra["escalation"] = Escalation(reason=EscalationReason.REGULATION, at=escalated_at)
    return Case(
        origin=Reference(system=system, ref="REF-1"),
        sender=sender,
        received_at=received,
        complainant=Complainant(
            prefix="นาง", given_name="สมศรี", family_name="ใจดี", address=address
        ),
        matter=Matter(title="เรื่องทดสอบ", detail="รายละเอียด"),
        codes=codes or {},
        incident=incident,
        status=StatusInfo(code=status, at=status_at or received),
        target_agency=target_agency,
        complexity=complexity,
        due_days=due_days,
        **extra,
    )


def district_escalation(sender: str = "MOI-DRT-3415") -> Case:
    """The Warin Chamrap escalation of the spec examples: escalated 10/09/2567 14:00."""
    return make_case(
        sender=sender,
        codes={"damrongtham.main_type": "01", "damrongtham.sub_type": "101"},
        incident_province="34",
        home_province="34",
        escalated_at=thai(2024, 9, 10, 14, 0),
        status=CaseStatus.ESCALATED,
        status_at=thai(2024, 9, 10, 14, 0),
    )


def psc_record(
    *,
    topic: str = "T04",
    target_agency: str | None = None,
    incident_province: str | None = None,
    home_province: str | None = None,
    recv: datetime | None = None,
    complexity: Complexity = Complexity.GENERAL,
    due_days: int | None = None,
) -> Case:
    """A 1111 record; received 11 Oct 2024 09:00 Thai time unless told otherwise."""
    received = recv or thai(2024, 10, 11, 9, 0)
    return make_case(
        system=SourceSystem.PSC1111,
        sender="PSC",
        codes={"pmo1111.topic": topic, "pmo1111.case_type": "1"},
        incident_province=incident_province,
        home_province=home_province,
        received_at=received,
        status_at=received,
        target_agency=target_agency,
        complexity=complexity,
        due_days=due_days,
    )

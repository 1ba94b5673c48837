"""Transfer deadlines on real Thai dates: day 0, working days, due_days, statutory deadlines."""

from datetime import UTC, date, datetime
from pathlib import Path

from conftest import ROOT
from routing_case_factory import district_escalation, make_case, psc_record, thai

from saphan.canonical import Case
from saphan.canonical.model import CaseStatus, Complexity
from saphan.directory import Agency, AgencyLookup, Directory, InMemoryDirectory
from saphan.reference.workdays import Overrides, WorkingCalendar
from saphan.routing import Decision, load_policy, start_day

POLICY = load_policy(ROOT / "mappings" / "routing.yaml")
DIRECTORY = Directory.from_files([ROOT / "mappings" / "agencies.yaml"])
CAL = WorkingCalendar()
CIVIL = {"damrongtham.main_type": "02", "damrongtham.sub_type": "108"}


def first(
    case: Case,
    fmt: str,
    directory: AgencyLookup = DIRECTORY,
    *,
    calendar: WorkingCalendar = CAL,
    today: date | None = None,
) -> Decision:
    decisions = POLICY.route(case, fmt, case.sender, directory, today, calendar)
    return decisions[0]


def test_a_general_1111_case_has_15_working_days_from_recv() -> None:
    # Friday 11 Oct 2024; 14 Oct (in lieu) and 23 Oct (Chulalongkorn Day) are holidays.
    decision = first(psc_record(target_agency="DOL"), "pmo1111")
    assert decision.working_days == 15
    assert decision.deadline == date(2024, 11, 5)
    assert CAL.working_days_between(date(2024, 10, 11), date(2024, 11, 5)) == 15
    assert "general" in (decision.deadline_basis or "")


def test_a_complex_1111_case_has_30_working_days() -> None:
    decision = first(psc_record(target_agency="DOL", complexity=Complexity.COMPLEX), "pmo1111")
    assert decision.working_days == 30
    assert decision.deadline == date(2024, 11, 26)


def test_due_days_from_the_sender_replace_the_default() -> None:
    decision = first(psc_record(target_agency="DOL", due_days=5), "pmo1111")
    assert (decision.working_days, decision.deadline) == (5, date(2024, 10, 21))


def test_a_statutory_deadline_takes_precedence_over_due_days() -> None:
    directory = InMemoryDirectory(DIRECTORY)
    directory.put(DIRECTORY.get("DOL").model_copy(update={"statutory_days": 3}))
    decision = first(psc_record(target_agency="DOL", due_days=10), "pmo1111", directory)
    assert (decision.working_days, decision.deadline) == (3, date(2024, 10, 17))
    assert "statutory" in (decision.deadline_basis or "")


def test_recv_ms_counts_by_its_date_in_thai_time() -> None:
    # 18:30 UTC on Thursday 10 Oct is 01:30 on Friday 11 Oct in Thailand.
    recv = datetime(2024, 10, 10, 18, 30, tzinfo=UTC)
    assert start_day(psc_record(recv=recv), "pmo1111").day == date(2024, 10, 11)
    decision = first(psc_record(target_agency="DOL", recv=recv, due_days=1), "pmo1111")
    assert decision.deadline == date(2024, 10, 15)


def test_songkran_2024_is_skipped() -> None:
    decision = first(psc_record(target_agency="DOL", recv=thai(2024, 4, 11), due_days=1), "pmo1111")
    assert decision.deadline == date(2024, 4, 17)
    decision = first(psc_record(target_agency="DOL", recv=thai(2024, 4, 5), due_days=1), "pmo1111")
    assert decision.deadline == date(2024, 4, 9)  # Chakri Memorial Day in lieu, 8 April


def test_an_escalation_counts_from_the_day_it_was_escalated() -> None:
    # Received 6 Sep 2024, escalated Tuesday 10 Sep 2024 14:00: 15 working days -> 1 Oct.
    case = district_escalation()
    assert start_day(case, "damrongtham").day == date(2024, 9, 10)
    assert first(case, "damrongtham").deadline == date(2024, 10, 1)


def test_an_escalation_without_its_own_time_uses_the_status_time() -> None:
    case = make_case(
        sender="MOI-DRT-3415",
        escalation=True,
        status=CaseStatus.ESCALATED,
        status_at=thai(2024, 9, 10, 14, 0),
    )
    assert case.escalation is not None and case.escalation.at is None
    assert start_day(case, "damrongtham").day == date(2024, 9, 10)


def test_another_damrongtham_case_counts_from_its_status_not_from_the_complaint() -> None:
    case = make_case(
        sender="MOI-DRT-2009",
        codes=CIVIL,
        incident_province="20",
        received_at=thai(2024, 9, 6),
        status=CaseStatus.FORWARDED,
        status_at=thai(2024, 9, 20),
    )
    decision = first(case, "damrongtham")
    assert decision.agency == "AGO-RP-20"
    assert decision.deadline == date(2024, 10, 11)


def test_day_zero_is_never_after_the_day_the_hub_received_it() -> None:
    case = psc_record(target_agency="DOL", recv=thai(2024, 10, 11), due_days=1)
    start = start_day(case, "pmo1111", today=date(2024, 10, 10))
    assert start.day == date(2024, 10, 10)
    decision = first(case, "pmo1111", today=date(2024, 10, 10))
    assert decision.deadline == date(2024, 10, 11)


def test_an_override_calendar_moves_the_deadline() -> None:
    cal = WorkingCalendar(Overrides.from_data({"days_off": [{"date": date(2024, 10, 15)}]}))
    decision = first(psc_record(target_agency="DOL", due_days=1), "pmo1111", calendar=cal)
    assert decision.deadline == date(2024, 10, 16)


def test_a_statutory_deadline_in_the_directory_file_applies(tmp_path: Path) -> None:
    overlay = tmp_path / "over.yaml"
    overlay.write_text("agencies:\n  - code: RTP-IG\n    statutory_days: 7\n", encoding="utf-8")
    directory = Directory.from_files([ROOT / "mappings" / "agencies.yaml", overlay])
    decision = first(psc_record(topic="T02"), "pmo1111", directory)
    assert (decision.agency, decision.working_days) == ("RTP-IG", 7)
    assert decision.deadline == date(2024, 10, 24)  # 23 Oct: King Chulalongkorn Day


def test_the_in_memory_directory_accepts_hand_made_agencies() -> None:
    directory = InMemoryDirectory(
        [Agency(code="DOL", name_th="กรมที่ดิน", name_en="Lands", format="pmo1111", statutory_days=2)]
    )
    decision = first(psc_record(target_agency="DOL"), "pmo1111", directory)
    assert decision.deadline == date(2024, 10, 16)

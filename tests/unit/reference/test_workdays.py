"""Thai government working days, with real 2024 dates and an operator override."""

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saphan.errors import ConfigError, InputError
from saphan.reference import workdays
from saphan.reference.workdays import Overrides, WorkingCalendar, load_overrides

CAL = WorkingCalendar()


@pytest.mark.parametrize(
    "day",
    [
        date(2024, 4, 8),  # Chakri Memorial Day in lieu (6 April was a Saturday)
        date(2024, 4, 12),  # bridge holiday before Songkran
        date(2024, 4, 15),  # Songkran
        date(2024, 4, 16),  # Songkran in lieu (14 April was a Sunday)
        date(2024, 5, 10),  # Royal Ploughing Ceremony: a government (not public) holiday
        date(2024, 12, 31),  # New Year's Eve
        date(2024, 4, 13),  # a Saturday
        date(2024, 4, 14),  # a Sunday
    ],
)
def test_holidays_weekends_and_substitution_days_are_not_working_days(day: date) -> None:
    assert not CAL.is_working_day(day)


@pytest.mark.parametrize("day", [date(2024, 4, 9), date(2024, 4, 11), date(2024, 4, 17)])
def test_ordinary_weekdays_are_working_days(day: date) -> None:
    assert CAL.is_working_day(day)


def test_songkran_week_2024() -> None:
    # Thursday 11 April: the next working day is Wednesday 17 April (12-16 are off).
    assert CAL.add_working_days(date(2024, 4, 11), 1) == date(2024, 4, 17)
    # Friday 5 April: 8 April (Chakri in lieu) is skipped.
    assert CAL.add_working_days(date(2024, 4, 5), 1) == date(2024, 4, 9)
    assert CAL.add_working_days(date(2024, 4, 5), 4) == date(2024, 4, 17)


def test_start_day_is_day_zero_even_on_a_holiday() -> None:
    assert CAL.add_working_days(date(2024, 4, 13), 0) == date(2024, 4, 13)
    assert CAL.add_working_days(date(2024, 4, 13), 1) == date(2024, 4, 17)


def test_fifteen_working_days_across_songkran() -> None:
    # From Monday 1 April 2024: April 2-5 (4), 9-11 (3), 17-19 (3), 22-26 (5) = 15.
    assert CAL.add_working_days(date(2024, 4, 1), 15) == date(2024, 4, 26)
    assert CAL.working_days_between(date(2024, 4, 1), date(2024, 4, 26)) == 15


def test_across_the_new_year() -> None:
    # 27 Dec 2024 (Fri) -> 30, 31 Dec, 1 Jan off -> 2 Jan 2025 is the first working day.
    assert CAL.add_working_days(date(2024, 12, 27), 1) == date(2025, 1, 2)


def test_an_override_adds_a_day_off_and_declares_a_working_day() -> None:
    overrides = Overrides.from_data(
        {
            "days_off": [{"date": date(2024, 4, 17), "name": "cabinet extra day off"}],
            "working_days": [{"date": date(2024, 4, 16), "name": "in lieu day cancelled"}],
        }
    )
    cal = WorkingCalendar(overrides)
    assert not cal.is_working_day(date(2024, 4, 17))
    assert cal.holiday_name(date(2024, 4, 17)) == "cabinet extra day off"
    assert cal.is_working_day(date(2024, 4, 16))
    assert cal.add_working_days(date(2024, 4, 11), 1) == date(2024, 4, 16)
    assert cal.add_working_days(date(2024, 4, 11), 2) == date(2024, 4, 18)


def test_a_weekend_can_be_declared_a_working_day() -> None:
    cal = WorkingCalendar(Overrides.from_data({"working_days": [{"date": date(2024, 4, 20)}]}))
    assert cal.is_working_day(date(2024, 4, 20))
    assert cal.add_working_days(date(2024, 4, 19), 1) == date(2024, 4, 20)


def test_override_file_is_read_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "holidays-override.yaml"
    path.write_text(
        "days_off:\n  - date: 2024-06-04\n    name: วันหยุดพิเศษ\nworking_days: []\n",
        encoding="utf-8",
    )
    cal = WorkingCalendar(load_overrides(path))
    assert cal.holiday_name(date(2024, 6, 4)) == "วันหยุดพิเศษ"
    assert cal.add_working_days(date(2024, 6, 3), 1) == date(2024, 6, 5)


def test_a_missing_override_file_means_no_overrides(tmp_path: Path) -> None:
    assert load_overrides(tmp_path / "absent.yaml") == Overrides()


def test_a_bad_override_file_names_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "o.yaml"
    path.write_text("days_off:\n  - date: next tuesday\nworking_dayz: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_overrides(path)
    paths = [p.path for p in err.value.problems]
    assert any("days_off" in p for p in paths)
    assert any("working_dayz" in p for p in paths)


def test_an_impossible_date_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "o.yaml"
    path.write_text("days_off:\n  - date: 2024-02-31\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"o\.yaml"):
        load_overrides(path)


def test_a_date_in_both_lists_is_refused() -> None:
    with pytest.raises(ConfigError, match="both"):
        Overrides.from_data(
            {"days_off": [{"date": date(2024, 6, 4)}], "working_days": [{"date": date(2024, 6, 4)}]}
        )


def test_negative_counts_are_refused() -> None:
    with pytest.raises(InputError):
        CAL.add_working_days(date(2024, 1, 2), -1)


def test_the_shipped_override_file_loads_and_module_functions_use_it() -> None:
    workdays.refresh()
    assert isinstance(load_overrides(), Overrides)
    assert workdays.is_working_day(date(2024, 4, 17))
    assert workdays.add_working_days(date(2024, 4, 11), 1) == date(2024, 4, 17)


def _counted(cal: WorkingCalendar, start: date, n: int) -> date:
    day, left = start, n
    while left:
        day = date.fromordinal(day.toordinal() + 1)
        left -= cal.is_working_day(day)
    return day


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)), st.integers(0, 60))
def test_a_deadline_asked_again_is_the_day_counted_out(start: date, n: int) -> None:
    expected = _counted(CAL, start, n)
    assert CAL.add_working_days(start, n) == expected
    assert CAL.add_working_days(start, n) == expected  # the remembered answer


def test_remembered_deadlines_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workdays, "_MEMO_SIZE", 5)
    cal = WorkingCalendar()
    for offset in range(12):
        start = date.fromordinal(date(2024, 4, 1).toordinal() + offset)
        assert cal.add_working_days(start, 15) == _counted(cal, start, 15)
    assert 0 < len(cal._added) <= 5

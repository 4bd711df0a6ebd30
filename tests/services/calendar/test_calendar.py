"""The working calendar: weekends, Tết 2026, make-up working days, deadline states and the file format."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from docflow import config
from docflow.errors import ConfigurationError
from docflow.services.calendar import SHIPPED_FILE, DeadlineState, WorkingCalendar

D = date.fromisoformat


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar.from_toml(SHIPPED_FILE.read_text(encoding="utf-8"), source=str(SHIPPED_FILE))


def test_the_five_days_of_tet_2026_are_not_working_days(cal):
    off = [D("2026-02-16") + timedelta(days=i) for i in range(5)]
    assert [cal.is_working_day(d) for d in off] == [False] * 5
    assert cal.is_working_day(D("2026-02-13")) and cal.is_working_day(D("2026-02-23"))
    assert cal.name_of(D("2026-02-17")) == "Tết Nguyên đán Bính Ngọ"


def test_one_working_day_after_the_friday_before_tet_2026_is_the_monday_after_it(cal):
    assert cal.add_working_days(D("2026-02-13"), 1) == D("2026-02-23")
    assert cal.working_days_between(D("2026-02-13"), D("2026-02-23")) == 1
    assert cal.add_working_days(D("2026-02-23"), -1) == D("2026-02-13")
    # ten working days from the Tuesday before Tết: 11, 12, 13 Feb, then 23 Feb – 3 Mar
    assert cal.add_working_days(D("2026-02-10"), 10) == D("2026-03-03")


def test_the_saturday_made_up_for_new_year_2026_is_a_working_day_and_the_swapped_friday_is_not(cal):
    assert cal.is_working_day(D("2026-01-10"))            # Saturday, ngày làm bù
    assert not cal.is_working_day(D("2026-01-02"))        # Friday, swapped
    assert not cal.is_working_day(D("2026-01-11"))        # the Sunday after stays off
    assert cal.add_working_days(D("2025-12-31"), 1) == D("2026-01-05")
    assert cal.add_working_days(D("2026-01-09"), 1) == D("2026-01-10")
    assert cal.working_days_between(D("2026-01-05"), D("2026-01-12")) == 6  # Tue–Fri, the Saturday, Monday


def test_the_other_announced_days_of_2025_and_2026(cal):
    assert cal.is_working_day(D("2025-04-26")) and not cal.is_working_day(D("2025-05-02"))
    assert not cal.is_working_day(D("2025-04-07"))        # Giỗ Tổ 2025 (Monday)
    assert not cal.is_working_day(D("2026-04-27"))        # Giỗ Tổ 2026 fell on Sunday: made up Monday
    assert cal.is_working_day(D("2026-08-22")) and not cal.is_working_day(D("2026-08-31"))
    assert not cal.is_working_day(D("2026-09-01")) and not cal.is_working_day(D("2026-09-02"))
    assert not cal.is_working_day(D("2027-05-03"))        # 1/5/2027 is a Saturday
    assert cal.years == [2025, 2026, 2027]


def _brute_count(cal: WorkingCalendar, a: date, b: date) -> int:
    if a <= b:  # after a, up to and including b
        return sum(cal.is_working_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))
    return -sum(cal.is_working_day(b + timedelta(days=i)) for i in range((a - b).days))  # from b, before a


def test_counting_working_days_agrees_with_walking_the_calendar_day_by_day(cal):
    start = D("2025-12-20")
    for offset in range(0, 80, 3):
        a = start + timedelta(days=offset)
        for span in (-40, -9, -1, 0, 1, 2, 6, 7, 8, 13, 45):
            b = a + timedelta(days=span)
            assert cal.working_days_between(a, b) == _brute_count(cal, a, b), (a, b)


def test_adding_then_counting_working_days_gives_back_the_number(cal):
    for offset in range(0, 420, 5):
        d = D("2025-11-01") + timedelta(days=offset)
        for n in (0, 1, 2, 5, 10, 22, -1, -7):
            assert cal.working_days_between(d, cal.add_working_days(d, n)) == n, (d, n)


@pytest.mark.parametrize(("today", "expected"), [
    ("2026-02-11", DeadlineState.ON_TIME),   # 3 working days left: 12, 13, 23 Feb
    ("2026-02-12", DeadlineState.ON_TIME),   # 2 left
    ("2026-02-13", DeadlineState.AT_RISK),   # 1 left: Tết lies between
    ("2026-02-18", DeadlineState.AT_RISK),   # during Tết, still 1 left
    ("2026-02-23", DeadlineState.AT_RISK),   # the deadline day itself: 0 left, still on time
    ("2026-02-24", DeadlineState.OVERDUE),
])
def test_a_deadline_on_the_monday_after_tet_is_at_risk_from_the_friday_before(cal, today, expected):
    assert cal.deadline_state(D("2026-02-23"), today=D(today), at_risk_days=1) is expected


def test_with_no_margin_only_the_deadline_day_itself_is_at_risk(cal):
    assert cal.deadline_state(D("2026-02-23"), today=D("2026-02-13"), at_risk_days=0) is DeadlineState.ON_TIME
    assert cal.deadline_state(D("2026-02-23"), today=D("2026-02-23"), at_risk_days=0) is DeadlineState.AT_RISK


def test_a_deadline_falling_on_a_day_off_moves_to_the_next_working_day(cal):
    tet = D("2026-02-17")
    assert cal.effective_deadline(tet) == D("2026-02-23")
    assert cal.deadline_state(tet, today=D("2026-02-20"), at_risk_days=1) is DeadlineState.AT_RISK
    assert cal.deadline_state(tet, today=D("2026-02-23"), at_risk_days=1) is DeadlineState.AT_RISK
    assert cal.deadline_state(tet, today=D("2026-02-24"), at_risk_days=1) is DeadlineState.OVERDUE
    assert cal.deadline_state(tet, today=D("2026-03-01"), completed_on=D("2026-02-23"),
                              at_risk_days=1) is DeadlineState.DONE_ON_TIME


def test_completed_work_is_on_time_up_to_and_including_the_deadline_day(cal):
    deadline = D("2026-03-10")
    state = cal.deadline_state
    assert state(deadline, today=D("2026-04-01"), completed_on=D("2026-03-10"), at_risk_days=1) is DeadlineState.DONE_ON_TIME
    assert state(deadline, today=D("2026-04-01"), completed_on=D("2026-03-11"), at_risk_days=1) is DeadlineState.DONE_LATE
    assert state(None, today=D("2026-04-01"), at_risk_days=1) is DeadlineState.NONE
    assert state(None, today=D("2026-04-01"), completed_on=D("2026-03-11"), at_risk_days=1) is DeadlineState.NONE


def test_the_sql_cutoffs_agree_with_deadline_state(cal):
    for t in range(0, 75, 2):
        today = D("2025-12-26") + timedelta(days=t)
        overdue_to, at_risk_to = cal.overdue_cutoff(today), cal.at_risk_cutoff(today, 1)
        for k in range(-12, 20):
            deadline = today + timedelta(days=k)
            state = cal.deadline_state(deadline, today=today, at_risk_days=1)
            assert (state is DeadlineState.OVERDUE) == (deadline <= overdue_to), (today, deadline)
            assert (state is DeadlineState.AT_RISK) == (overdue_to < deadline <= at_risk_to), (today, deadline)


def test_a_year_without_a_file_entry_knows_only_weekends():
    cal = WorkingCalendar()
    assert cal.is_working_day(D("2030-01-01")) and not cal.is_working_day(D("2030-01-05"))
    assert cal.add_working_days(D("2030-01-04"), 1) == D("2030-01-07")


@pytest.mark.parametrize(("text", "message"), [
    ("holidays = 1", "key 'holidays': unknown"),
    ("holiday = 3", "holiday: must be written as [[holiday]]"),
    ('[[holiday]]\ndate = "2026-02-16"\nname = "Tết"', "holiday #1 (Tết): 'date' must be a TOML date"),
    ("[[holiday]]\ndate = 2026-02-16T00:00:00\nname = \"Tết\"", "'date' must be a TOML date"),
    ("[[holiday]]\ndate = 2026-02-16", "holiday #1: 'name' is required"),
    ('[[holiday]]\ndate = 2026-02-16\nname = "  "', "holiday #1: 'name' must be a non-empty string"),
    ('[[holiday]]\ndate = 2026-02-16\nname = "Tết"\nkind = "x"', "holiday #1 (Tết): unknown key 'kind'"),
    ('[[holiday]]\nname = "Tết"', "holiday #1 (Tết): needs 'date', or 'from' and 'to'"),
    ('[[holiday]]\nfrom = 2026-02-16\nname = "Tết"', "needs 'date', or 'from' and 'to'"),
    ('[[holiday]]\ndate = 2026-02-16\nfrom = 2026-02-16\nto = 2026-02-17\nname = "Tết"', "not both"),
    ('[[holiday]]\nfrom = 2026-02-20\nto = 2026-02-16\nname = "Tết"', "'to' 2026-02-16 is before 'from' 2026-02-20"),
    ('[[holiday]]\nfrom = 2026-02-16\nto = 2026-12-20\nname = "Tết"', "more than 31 days"),
    ('[[holiday]]\ndate = 2026-01-01\nname = "A"\n[[holiday]]\ndate = 2026-01-01\nname = "B"',
     "holiday #2 (B): 2026-01-01 is already listed (A)"),
    ('[[swap]]\nday_off = 2026-01-02\nworking_day = 2026-01-09\nname = "S"',
     "swap #1 (S): 'working_day' 2026-01-09 is a Friday, already a working day"),
    ('[[swap]]\nday_off = 2026-01-03\nworking_day = 2026-01-10\nname = "S"',
     "swap #1 (S): 'day_off' 2026-01-03 is a Saturday, already a day off"),
    ('[[swap]]\nday_off = 2026-01-02\nname = "S"', "swap #1 (S): 'working_day' is required"),
    ('[[holiday]]\ndate = 2026-01-10\nname = "H"\n[[swap]]\nday_off = 2026-01-02\nworking_day = 2026-01-10\nname = "S"',
     "2026-01-10: is both a day off and a make-up working day"),
    ("[[holiday]\n", "is not valid TOML"),
])
def test_a_bad_holidays_file_is_refused_naming_the_entry(text, message):
    with pytest.raises(ConfigurationError) as caught:
        WorkingCalendar.from_toml(text, source="lich.toml")
    assert str(caught.value).startswith("lich.toml")
    assert message in str(caught.value)


def _settings_for(path: Path) -> config.Settings:
    return config.load(overrides={"workflow": {"holidays_file": str(path)}})


def test_load_reads_the_configured_file_once_and_again_after_it_changes(tmp_path):
    path = tmp_path / "holidays.toml"
    path.write_text('[[holiday]]\ndate = 2030-01-01\nname = "Tết Dương lịch"\n', encoding="utf-8")
    first = WorkingCalendar.load(_settings_for(path))
    assert not first.is_working_day(D("2030-01-01"))
    assert WorkingCalendar.load(_settings_for(path)) is first
    path.write_text('[[holiday]]\ndate = 2030-01-02\nname = "Khác"\n', encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = WorkingCalendar.load(_settings_for(path))
    assert second.is_working_day(D("2030-01-01")) and not second.is_working_day(D("2030-01-02"))


def test_load_without_a_configured_file_uses_the_shipped_calendar():
    cal = WorkingCalendar.load(config.load())
    assert not cal.is_working_day(D("2026-02-16"))


def test_a_missing_or_broken_configured_file_stops_with_its_name(tmp_path):
    with pytest.raises(ConfigurationError, match="missing.toml cannot be read"):
        WorkingCalendar.load(_settings_for(tmp_path / "missing.toml"))
    broken = tmp_path / "broken.toml"
    broken.write_text('[[swap]]\nday_off = 2030-01-05\nworking_day = 2030-01-06\nname = "X"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"broken.toml: swap #1 \(X\): 'day_off' 2030-01-05"):
        WorkingCalendar.load(_settings_for(broken))

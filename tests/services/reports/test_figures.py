"""Each figure of the dashboard computed by hand on the hand-built ward (tests/services/reports/wardset.py)
and asserted, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from docflow.services import reports
from docflow.services.reports import OnTimeCount, Workload
from docflow.policy.reports import Reach
from tests.services.reports.wardset import TODAY, build_ward

DAY = 86400.0


@pytest.fixture
def ward(db_session, org, make_department, make_user):
    return build_ward(db_session, org, make_department, make_user)


@pytest.fixture
def settings(app):
    return app.extensions["docflow.settings"]


def _board(db_session, settings, actor, **kw):
    return reports.build_dashboard(db_session, actor=actor, settings=settings, today=TODAY, **kw)


def _by_key(rows):
    return {row.key: row.value for row in rows}


def _seconds(**kw):
    return timedelta(**kw).total_seconds()


def test_R49_on_time_rate_by_department_counts_the_deadline_day_in_hanoi_time(db_session, settings, ward):
    board = _board(db_session, settings, ward.leader)

    per_department = _by_key(board.on_time.by_department)
    # Tư pháp: A1 (23:59 on the deadline day) and A4 (moved deadline) on time, A2 (00:01 the day after) late,
    # A3 without a deadline: 4 completed, 3 with a deadline, 2 on time.
    assert per_department[ward.tp.id] == OnTimeCount(completed=4, with_deadline=3, on_time=2)
    assert per_department[ward.tp.id].rate == pytest.approx(200 / 3)
    # Địa chính: B1, B3 (a person's work) and B4 (00:30 on 1 January) on time, B2 late; B5 was 2025.
    assert per_department[ward.dc.id] == OnTimeCount(completed=4, with_deadline=4, on_time=3)
    # Văn hóa had no work: a row of zeros and no rate, not 0 % and not 100 %.
    assert per_department[ward.vh.id] == OnTimeCount() and per_department[ward.vh.id].rate is None
    assert board.on_time.total == OnTimeCount(completed=8, with_deadline=7, on_time=5)
    assert board.on_time.total.late == 2 and board.on_time.total.no_deadline == 1
    assert board.on_time.total.rate == pytest.approx(500 / 7)


def test_R49_on_time_months_are_cut_at_midnight_in_hanoi(db_session, settings, ward):
    months = _by_key(_board(db_session, settings, ward.leader).on_time.by_month)

    assert list(months)[:3] == ["2026-01", "2026-02", "2026-03"] and len(months) == 12
    # January: A1, A2, B4 (31/12 17:30 UTC is 1 January in Hà Nội). February: A3 (31/01 17:30 UTC), B1.
    assert months["2026-01"] == OnTimeCount(completed=3, with_deadline=3, on_time=2)
    assert months["2026-02"] == OnTimeCount(completed=2, with_deadline=1, on_time=1)
    assert months["2026-03"] == OnTimeCount(completed=3, with_deadline=3, on_time=2)
    assert months["2026-04"] == OnTimeCount()


def test_R44_overdue_and_at_risk_now_follow_the_working_calendar(db_session, settings, ward):
    rows, total = _board(db_session, settings, ward.leader).workload

    per_department = _by_key(rows)
    # Tư pháp: 13/03 overdue; Sunday 15/03 (moves to today) and 17/03 at risk; 18/03 neither.
    assert per_department[ward.tp.id] == Workload(open=4, overdue=1, at_risk=2, no_deadline=0)
    assert per_department[ward.dc.id] == Workload(open=2, overdue=1, at_risk=0, no_deadline=1)
    assert per_department[ward.vh.id] == Workload()
    assert total == Workload(open=6, overdue=2, at_risk=2, no_deadline=1)


def test_processing_time_is_registration_to_completion_mean_and_median(db_session, settings, ward):
    processing = _board(db_session, settings, ward.leader).processing

    tp = [_seconds(days=10, hours=15, minutes=59), _seconds(days=9, hours=15, minutes=1),
          _seconds(days=11, hours=14, minutes=30), _seconds(days=7, hours=9)]
    dc = [_seconds(days=7, hours=2), _seconds(days=8, hours=1), _seconds(days=1),
          _seconds(days=2, hours=16, minutes=30)]
    per_department = _by_key(processing.by_department)
    assert per_department[ward.tp.id].count == 4
    assert per_department[ward.tp.id].mean_days == pytest.approx(sum(tp) / 4 / DAY)
    assert per_department[ward.tp.id].median_days == pytest.approx((tp[0] + tp[1]) / 2 / DAY)
    assert per_department[ward.dc.id].median_days == pytest.approx((dc[0] + dc[3]) / 2 / DAY)
    assert per_department[ward.vh.id].count == 0 and per_department[ward.vh.id].mean_days is None
    assert processing.total.count == 8
    assert processing.total.mean_days == pytest.approx(sum(tp + dc) / 8 / DAY)
    assert processing.total.median_days == pytest.approx((tp[3] + dc[1]) / 2 / DAY)   # 4th and 5th of 8


def test_issued_per_month_by_type_uses_the_hanoi_month_of_issue(db_session, settings, ward):
    issued = _board(db_session, settings, ward.leader).issued

    assert issued.counts == {("2026-01", "cong_van"): 2, ("2026-02", "quyet_dinh"): 1, ("2026-03", "thong_bao"): 1}
    assert issued.types == ["cong_van", "quyet_dinh", "thong_bao"]
    assert issued.total == 4 and issued.of_month("2026-01") == 2 and issued.of_type("cong_van") == 2


def test_registered_per_month_counts_incoming_with_a_number(db_session, settings, ward):
    registered = _board(db_session, settings, ward.leader).registered

    assert registered.counts == {("2026-01", "quyet_dinh"): 1, ("2026-01", "cong_van"): 2,
                                 ("2026-02", "cong_van"): 1, ("2026-03", "cong_van"): 10}


def test_signing_turnaround_per_step_from_the_last_signed_round(db_session, settings, ward):
    stages = {s.key: s for s in _board(db_session, settings, ward.leader).turnaround}

    # submitted → signed: I1 24 h, I2 4 h (round 2), I4 6 h; I3 started at the signer: no submission time.
    assert stages["to_signature"].count == 3
    assert stages["to_signature"].mean_hours == pytest.approx(34 / 3)
    assert stages["to_signature"].median_hours == pytest.approx(6)
    # signed → issued: 39.5, 46, 24, 18 h
    assert stages["to_issue"].count == 4
    assert stages["to_issue"].mean_hours == pytest.approx(127.5 / 4)
    assert stages["to_issue"].median_hours == pytest.approx((24 + 39.5) / 2)
    assert stages["whole"].count == 3 and stages["whole"].median_hours == pytest.approx(50)


def test_a_period_and_a_department_narrow_every_figure(db_session, settings, ward):
    board = _board(db_session, settings, ward.leader, first=date(2026, 2, 1), last=date(2026, 2, 28),
                   department_id=ward.tp.id)

    assert [row.key for row in board.on_time.by_department] == [ward.tp.id]
    assert board.on_time.total == OnTimeCount(completed=1, with_deadline=0, on_time=0)   # A3 only
    assert board.on_time.total.rate is None
    assert [row.key for row in board.on_time.by_month] == ["2026-02"]
    assert board.issued.counts == {("2026-02", "quyet_dinh"): 1}
    assert board.workload[1] == Workload(open=4, overdue=1, at_risk=2, no_deadline=0)   # now, whatever the period


def test_a_head_sees_his_department_and_an_official_his_own_work(db_session, settings, ward):
    head = _board(db_session, settings, ward.head_dc)
    assert head.scope.reach is Reach.DEPARTMENT and head.departments == []
    assert head.on_time.total == OnTimeCount(completed=4, with_deadline=4, on_time=3)
    assert head.issued.total == 2

    own = _board(db_session, settings, ward.official_tp)
    # the hand-over of A1 to him, done 14/01 for a 14/01 deadline
    assert own.scope.reach is Reach.OWN and own.on_time.total == OnTimeCount(1, 1, 1)
    assert own.issued.total == 2 and own.registered is None


def test_the_departments_are_read_once_per_dashboard(db_session, settings, ward):
    read: list[str] = []

    def seen(conn, cursor, statement, *args):
        if "FROM departments" in statement:
            read.append(statement)
    event.listen(Engine, "before_cursor_execute", seen)
    try:
        for actor in (ward.leader, ward.head_dc):    # the filter and the tables; a head's tables
            _board(db_session, settings, actor)
    finally:
        event.remove(Engine, "before_cursor_execute", seen)

    assert len(read) == 2


def test_the_clerk_sees_registration_and_issuing_only(db_session, settings, ward):
    board = _board(db_session, settings, ward.clerk)

    assert board.on_time is None and board.workload is None and board.processing is None
    assert board.registered.total == 14 and board.issued.total == 4


def test_R49_a_deadline_on_the_days_off_just_before_the_period_still_moves_to_its_first_working_day(
        db_session, settings, ward):
    # A4: deadline Saturday 07/03, done Monday 09/03, the period's first day. The weekend before the period
    # decides it: the deadline ends on Monday, so A4 is on time though its deadline lies outside the period.
    board = _board(db_session, settings, ward.leader, first=date(2026, 3, 9), last=date(2026, 3, 31),
                   department_id=ward.tp.id)

    assert board.on_time.total == OnTimeCount(completed=1, with_deadline=1, on_time=1)

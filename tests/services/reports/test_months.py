"""The closed months kept in report_months (services/reports/months.py) give exactly the figures of reading
everything live, on the hand-built ward, and stop being used after every write that can change them: a
back-dated completion, a completion undone, a receipt time typed, a document or a person moving to another
department, an import of the past, a signing step re-decided, another holidays calendar. SQLite and
PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from docflow.models import (
    Assignment, AssignmentRole, AssignmentStatus, Document, DocumentKind, DocumentStatus, ReportMonth, ReportVersion,
    RoutingStep, StepKind, bump_version, utc_now,
)
from docflow.services import reports
from docflow.services.calendar import WorkingCalendar
from docflow.services.reports import OnTimeCount
from tests.services.reports.wardset import TODAY, utc

# A clock before every month of the hand-built ward: no month is closed, every figure is read live.
LIVE = datetime(2025, 1, 1, tzinfo=UTC)
# The clock of the kept months: after the ward's months, so January–November 2026 are closed.
LATER = datetime(2026, 12, 6, 3, tzinfo=UTC)


def _board(s, settings, actor, **kw):
    return reports.build_dashboard(s, actor=actor, settings=settings, today=TODAY, **kw)


def _kept_board(s, settings, actor, **kw):
    """The board from kept months: built (and kept) first if they are missing or stale."""
    if reports.has_pending(s):
        reports.keep_months(s)
    board = _board(s, settings, actor, now=LATER, **kw)
    if reports.has_pending(s):
        reports.keep_months(s)
        board_again = _board(s, settings, actor, now=LATER, **kw)
        assert not reports.has_pending(s) and board_again == board
    return board


def _actors(ward):
    return {"leader": ward.leader, "auditor": ward.auditor, "head": ward.head_dc, "official": ward.official_tp,
            "clerk": ward.clerk}


@pytest.mark.parametrize("who", ["leader", "auditor", "head", "official", "clerk"])
@pytest.mark.parametrize("period", [
    {},                                                              # this year: January–November kept
    {"first": date(2026, 2, 15), "last": date(2026, 3, 20)},         # two partial months: all live
    {"first": date(2025, 12, 1), "last": date(2026, 2, 28)},         # December 2025 to February, all kept
    {"first": date(2025, 1, 1), "last": date(2026, 12, 31)},         # two years
])
def test_kept_months_give_exactly_the_figures_read_live(db_session, settings, ward, who, period):
    actor = _actors(ward)[who]
    live = _board(db_session, settings, actor, now=LIVE, **period)
    assert not reports.has_pending(db_session)

    assert _kept_board(db_session, settings, actor, **period) == live


def test_a_department_filter_reads_the_wards_kept_months(db_session, settings, ward):
    _kept_board(db_session, settings, ward.leader)
    kept_rows = db_session.execute(select(func.count()).select_from(ReportMonth)).scalar_one()

    for department in (ward.tp, ward.dc, ward.vh):
        board = _board(db_session, settings, ward.leader, now=LATER, department_id=department.id)
        assert not reports.has_pending(db_session)     # nothing built: the ward's months hold every department
        assert board == _board(db_session, settings, ward.leader, now=LIVE, department_id=department.id)
    assert db_session.execute(select(func.count()).select_from(ReportMonth)).scalar_one() == kept_rows


def test_R49_kept_months_are_the_wards_closed_months_only(db_session, settings, ward):
    _kept_board(db_session, settings, ward.leader)

    rows = db_session.execute(select(ReportMonth.organisation_id, ReportMonth.subject, ReportMonth.part,
                                     ReportMonth.month)).all()
    assert {r.organisation_id for r in rows} == {ward.org.id}
    assert {(r.subject, r.part) for r in rows} == {("ward", "work"), ("ward", "documents")}
    # January to November 2026 closed on 6 December; December is read live
    assert sorted({r.month for r in rows}) == [f"2026-{m:02d}" for m in range(1, 12)]


def _assignment(s, completed: datetime) -> Assignment:
    return s.execute(select(Assignment).where(Assignment.completed_at == completed,
                                              Assignment.parent_id.is_(None))).scalar_one()


def _document(s, **where: Any) -> Document:
    return s.execute(select(Document).filter_by(**where)).scalar_one()


def _complete_a2_on_time(s, ward):
    _assignment(s, utc(2026, 1, 15, 17, 1)).completed_at = utc(2026, 1, 15, 10)


def _reopen_a2(s, ward):
    work = _assignment(s, utc(2026, 1, 15, 17, 1))
    work.status, work.completed_at = AssignmentStatus.IN_PROGRESS, None


def _type_a1_receipt_time(s, ward):
    _document(s, received_at=utc(2026, 1, 5, 1), organisation_id=ward.org.id).received_at = utc(2026, 1, 2, 1)


def _move_i3_to_tu_phap(s, ward):
    _document(s, issued_at=utc(2026, 1, 20, 3)).department_id = ward.tp.id


def _move_the_dia_chinh_official(s, ward):
    ward.official_dc.department_id = ward.tp.id       # B3, held in his name, follows him to Tư pháp


def _import_february_work(s, ward):
    doc = Document(organisation_id=ward.org.id, kind=DocumentKind.INCOMING, doc_type="cong_van",
                   summary="Văn bản nhập từ sổ cũ", status=DocumentStatus.IN_PROGRESS, created_by_id=ward.clerk.id,
                   received_at=utc(2026, 2, 3, 2), register_number=999, created_at=utc(2026, 2, 3, 2))
    s.add(doc)
    s.flush()
    s.add(Assignment(document_id=doc.id, department_id=ward.vh.id, role=AssignmentRole.LEAD,
                     deadline=date(2026, 2, 10), status=AssignmentStatus.COMPLETED, assigned_by_id=ward.leader.id,
                     assigned_at=utc(2026, 2, 3, 3), completed_at=utc(2026, 2, 12, 3)))


def _sign_i1_later(s, ward):
    step = s.execute(select(RoutingStep).where(RoutingStep.kind == StepKind.SIGN,
                                               RoutingStep.decided_at == utc(2026, 1, 30, 2))).scalar_one()
    step.decided_at = utc(2026, 1, 30, 8)


WRITES: dict[str, Callable[[Any, Any], None]] = {
    "a back-dated completion": _complete_a2_on_time, "a completion undone": _reopen_a2,
    "a receipt time typed": _type_a1_receipt_time, "a document moved": _move_i3_to_tu_phap,
    "a person moved": _move_the_dia_chinh_official, "the past imported": _import_february_work,
    "a signing step re-decided": _sign_i1_later,
}


@pytest.mark.parametrize("write", list(WRITES))
def test_R49_a_write_to_a_closed_month_is_reflected_in_the_figures(db_session, settings, ward, write):
    before = {who: _kept_board(db_session, settings, actor) for who, actor in _actors(ward).items()}

    WRITES[write](db_session, ward)
    db_session.flush()

    changed = False
    for who, actor in _actors(ward).items():
        live = _board(db_session, settings, actor, now=LIVE)
        assert _kept_board(db_session, settings, actor) == live, who
        changed = changed or live != before[who]
    assert changed      # the write did change a figure, and the kept months followed it


def test_R49_a_back_dated_completion_moves_the_work_to_its_month(db_session, settings, ward):
    months = {r.key: r.value for r in _kept_board(db_session, settings, ward.leader).on_time.by_month}
    assert months["2026-01"] == OnTimeCount(3, 3, 2) and months["2026-02"] == OnTimeCount(2, 1, 1)

    _assignment(db_session, utc(2026, 1, 15, 17, 1)).completed_at = utc(2026, 2, 5, 3)   # A2, now in February
    db_session.flush()

    months = {r.key: r.value for r in _kept_board(db_session, settings, ward.leader).on_time.by_month}
    assert months["2026-01"] == OnTimeCount(2, 2, 2) and months["2026-02"] == OnTimeCount(3, 2, 1)


def test_R49_another_holidays_calendar_is_not_answered_from_months_kept_under_the_old_one(db_session, settings,
                                                                                          ward):
    scope = reports.ward_scope(db_session, organisation_id=ward.org.id)
    period = reports.Period.of(settings.app.zone, first=None, last=None, today=TODAY)
    shipped = WorkingCalendar.load(settings)
    # 15/01/2026 a day off: A2's deadline moves to Friday 16/01, and its completion at 00:01 on 16/01 is on time
    holiday = WorkingCalendar.from_toml('[[holiday]]\ndate = 2026-01-15\nname = "Nghỉ thử"\n')

    def on_time(calendar, now):
        return reports.gather(db_session, scope=scope, period=period, calendar=calendar, parts=("work",),
                              now=now).completed_work().on_time({})
    on_time(shipped, LATER)
    reports.keep_months(db_session)

    moved = on_time(holiday, LATER)
    assert reports.has_pending(db_session)            # the kept months are not used under another calendar
    assert moved == on_time(holiday, LIVE)
    assert {r.key: r.value for r in moved.by_month}["2026-01"] == OnTimeCount(3, 3, 3)


def test_a_month_built_while_a_back_dated_write_commits_is_not_used(db_session, settings, ward):
    _board(db_session, settings, ward.leader, now=LATER)         # built under the version read first
    _complete_a2_on_time(db_session, ward)
    db_session.flush()                                           # the write bumps the version
    reports.keep_months(db_session)                              # the months built before it are kept...

    board = _board(db_session, settings, ward.leader, now=LATER)
    assert reports.has_pending(db_session)                       # ...under the old stamp: built again
    assert board == _board(db_session, settings, ward.leader, now=LIVE)


def _version(s, ward) -> int:
    return s.execute(select(ReportVersion.version).where(
        ReportVersion.organisation_id == ward.org.id)).scalar_one_or_none() or 0


def test_work_done_now_leaves_the_kept_months_alone(db_session, settings, ward):
    open_work = db_session.execute(select(Assignment).where(Assignment.status == AssignmentStatus.OPEN,
                                                            Assignment.deadline == date(2026, 3, 18))).scalar_one()
    version = _version(db_session, ward)

    open_work.status, open_work.completed_at = AssignmentStatus.COMPLETED, utc_now()
    db_session.flush()
    assert _version(db_session, ward) == version

    open_work.completed_at = utc(2026, 3, 17, 3)                # typed into March: a closed month
    db_session.flush()
    assert _version(db_session, ward) == version + 1


def test_a_rebuilt_month_replaces_the_stale_row(db_session, settings, ward):
    _kept_board(db_session, settings, ward.leader)
    count = db_session.execute(select(func.count()).select_from(ReportMonth)).scalar_one()

    bump_version(db_session, ward.org.id)
    board = _kept_board(db_session, settings, ward.leader)

    assert db_session.execute(select(func.count()).select_from(ReportMonth)).scalar_one() == count
    assert board == _board(db_session, settings, ward.leader, now=LIVE)


def test_another_wards_kept_months_are_never_read_for_this_ward(db_session, settings, ward):
    period = reports.Period.of(settings.app.zone, first=None, last=None, today=TODAY)
    calendar = WorkingCalendar.load(settings)

    def on_time(organisation_id, now):
        scope = reports.ward_scope(db_session, organisation_id=organisation_id)
        return reports.gather(db_session, scope=scope, period=period, calendar=calendar, parts=("work",),
                              now=now).completed_work().on_time({})
    other = on_time(ward.other_org.id, LATER)         # W1, the other ward's one piece of work, kept for it
    reports.keep_months(db_session)

    assert other.total == OnTimeCount(1, 1, 0)
    assert on_time(ward.org.id, LATER) == on_time(ward.org.id, LIVE)
    reports.keep_months(db_session)
    assert on_time(ward.org.id, LATER).total == OnTimeCount(8, 7, 5)     # now from this ward's own rows
    assert not reports.has_pending(db_session)
    wards = db_session.execute(select(ReportMonth.organisation_id).distinct()).scalars().all()
    assert sorted(wards) == sorted([ward.org.id, ward.other_org.id])

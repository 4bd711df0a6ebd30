"""The completed-work figures (README, "Figures (báo cáo)"): the on-time rate by department and month and the
processing time by department, from one aggregate statement over the period's completed lead work.

The database fetches only cells: per department and local month, how much was completed, how much had a
deadline, how much met it, the sum of the registration-to-completion seconds, and the middle values for the
medians. The medians are taken with window functions (``row_number`` over the work sorted by duration, per
department and overall), the same statement on SQLite and PostgreSQL: the one or two middle rows of each
group are summed inside the aggregate, so no piece of work leaves the database.

Whether a deadline was met is decided in SQL on the ward's calendar day of completion. A deadline falling on
a day off ends on the next working day (``services/calendar``): the few (deadline, completion day) pairs that
are after the deadline yet on time travel with the statement: on PostgreSQL as a VALUES table joined on both
(a hash join; a row-value IN list was measured 8× slower there, it is tried row by row), on SQLite as a
row-value IN list (a join on a VALUES table was measured 3× slower there: SQLite scanned it for every row).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, column, func, select, tuple_, type_coerce, values
from sqlalchemy.orm import Session

from docflow.models import Assignment, AssignmentStatus, Document
from docflow.services.calendar import WorkingCalendar
from docflow.services.reports.period import (
    Period,
    is_middle,
    local_date,
    not_below_zero,
    seconds_between,
    sum_if,
)
from docflow.services.reports.scope import DEPARTMENT_OF_WORK, Scope
from docflow.services.reports.work import DAY, Duration, OnTime, OnTimeCount, Processing, Row, rows_of, work_query

# One cell per (department, month): completed, with a deadline, on time, seconds summed, then the middle
# values of the department's durations and of all durations that fall in this cell (sum and how many).
Cell = tuple[int, int, int, float, float, int, float, int]


@dataclass(frozen=True)
class CompletedWork:
    """The scope's lead work completed in the period, as cells per (department id, local month)."""

    period: Period
    cells: dict[tuple[int | None, str], Cell]

    def on_time(self, labels: dict[int | None, str]) -> OnTime:
        """The on-time rate per department and per month."""
        per_department: dict[int | None, OnTimeCount] = defaultdict(OnTimeCount)
        per_month: dict[str, OnTimeCount] = defaultdict(OnTimeCount)
        for (department_id, month), cell in self.cells.items():
            count = OnTimeCount(*cell[:3])
            per_department[department_id] += count
            per_month[month] += count
        return OnTime(by_department=rows_of(labels, dict(per_department), OnTimeCount()),
                      by_month=[Row(m, m, per_month.get(m, OnTimeCount())) for m in self.period.months],
                      total=sum(per_month.values(), OnTimeCount()))

    def processing(self, labels: dict[int | None, str]) -> Processing:
        """Registration to completion: mean and median per department and overall."""
        sums: dict[int | None, list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0])
        overall = [0, 0.0, 0.0, 0]
        for (department_id, _month), cell in self.cells.items():
            for target, middle in ((sums[department_id], cell[4:6]), (overall, cell[6:8])):
                target[0] += cell[0]
                target[1] += cell[3]
                target[2] += middle[0]
                target[3] += middle[1]
        return Processing(by_department=rows_of(labels, {k: _duration(v) for k, v in sums.items()}, Duration()),
                          total=_duration(overall))


def _duration(sums: list[float]) -> Duration:
    count, seconds, middle, middles = int(sums[0]), sums[1], sums[2], int(sums[3])
    if not count:
        return Duration()
    return Duration(count, seconds / count / DAY, middle / middles / DAY)


def completed_work(session: Session, *, scope: Scope, period: Period, calendar: WorkingCalendar) -> CompletedWork:
    """Read the cells of the scope's completed lead work of the period (one statement; see the module).
    Registration is the document's receipt time (ngày đến), its creation when it has none."""
    work = _work_rows(session, scope, period, calendar).subquery("work")
    by_department = dict(partition_by=work.c.department, order_by=work.c.seconds)
    ranked = select(work, func.row_number().over(**by_department).label("rd"),
                    func.count().over(partition_by=work.c.department).label("nd"),
                    func.row_number().over(order_by=work.c.seconds).label("ra"),
                    func.count().over().label("na")).subquery("ranked")
    department_middle = is_middle(ranked.c.rd, ranked.c.nd)
    all_middle = is_middle(ranked.c.ra, ranked.c.na)
    query = select(
        ranked.c.department, ranked.c.month, func.count(), func.sum(ranked.c.has_deadline), func.sum(ranked.c.met),
        func.sum(ranked.c.seconds), sum_if(department_middle, ranked.c.seconds), sum_if(department_middle, 1),
        sum_if(all_middle, ranked.c.seconds), sum_if(all_middle, 1),
    ).group_by(ranked.c.department, ranked.c.month)
    cells = {(row[0], row[1]): (int(row[2]), int(row[3]), int(row[4]), float(row[5]), float(row[6]), int(row[7]),
                                float(row[8]), int(row[9]))
             for row in session.connection().execute(query)}
    return CompletedWork(period, cells)


def _work_rows(session: Session, scope: Scope, period: Period, calendar: WorkingCalendar) -> Any:
    """One row per piece of completed work: department, local month, has a deadline, met it, seconds."""
    registered = func.coalesce(Document.received_at, Document.created_at)
    seconds = seconds_between(session, registered, Assignment.completed_at)
    done_on = local_date(session, Assignment.completed_at, period.zone, period.start)
    deadline = Assignment.deadline
    query = work_query([], scope)
    met: list[tuple[Any, int]] = [(deadline.is_(None), 0), (done_on <= deadline, 1)]
    moved = _late_but_met(calendar, period)
    if moved and session.get_bind().dialect.name == "postgresql":
        pairs = values(column("deadline", Date), column("done_on", Date), name="late_but_met").data(moved).cte()
        query = query.outerjoin(pairs, and_(pairs.c.deadline == deadline, pairs.c.done_on == done_on))
        met.append((pairs.c.deadline.is_not(None), 1))
    elif moved:
        met.append((tuple_(deadline, type_coerce(done_on, Date)).in_(moved), 1))
    return query.add_columns(
        DEPARTMENT_OF_WORK.label("department"), period.month_of(Assignment.completed_at).label("month"),
        case((deadline.is_(None), 0), else_=1).label("has_deadline"),
        case(*met, else_=0).label("met"),
        not_below_zero(seconds).label("seconds"),
    ).where(Assignment.status == AssignmentStatus.COMPLETED, period.within(Assignment.completed_at))


def _late_but_met(calendar: WorkingCalendar, period: Period) -> list[tuple[date, date]]:
    """(deadline, completion day) of every completion in the period after its deadline that still met it: the
    deadline a day off, the completion on a later day up to the working day the deadline moves to. The
    deadline is a day off of the period, or of the run of days off just before it (a deadline outside the
    period can still decide a completion on its first day)."""
    first = period.first - timedelta(days=1)
    while not calendar.is_working_day(first):
        first -= timedelta(days=1)
    pairs = []
    for n in range(1, (period.last - first).days + 1):
        day = first + timedelta(days=n)
        if not calendar.is_working_day(day):
            moved = calendar.effective_deadline(day)
            pairs += [(day, day + timedelta(days=k)) for k in range(1, (moved - day).days + 1)]
    return pairs


def on_time(session: Session, *, scope: Scope, period: Period, calendar: WorkingCalendar,
            labels: dict[int | None, str]) -> OnTime:
    """The on-time rate of the scope's completed lead work in the period, per department and per month."""
    return completed_work(session, scope=scope, period=period, calendar=calendar).on_time(labels)


def processing(session: Session, *, scope: Scope, period: Period, calendar: WorkingCalendar,
               labels: dict[int | None, str]) -> Processing:
    """Registration to completion of the scope's lead work completed in the period, per department."""
    return completed_work(session, scope=scope, period=period, calendar=calendar).processing(labels)


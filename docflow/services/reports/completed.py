"""The completed-work figures (README, "Figures (báo cáo)"): the on-time rate by department and month and the
processing time by department, from the period's completed lead work.

The database returns one short row per piece of completed work (department, local month, whether it had a
deadline and met it, its registration-to-completion seconds), read from the index of completed lead work;
the work is grouped here into cells per department and month that keep the durations sorted, so a period's
medians are an exact merge of its months (services/reports/months.py keeps the cells of closed months).

Whether a deadline was met is decided in SQL on the ward's calendar day of completion. A deadline falling on
a day off ends on the next working day (``services/calendar``): the few (deadline, completion day) pairs that
are after the deadline yet on time travel with the statement: on PostgreSQL as a VALUES table joined on both
(a hash join; a row-value IN list was measured 8× slower there, it is tried row by row), on SQLite as a
row-value IN list (a join on a VALUES table was measured 3× slower there: SQLite scanned it for every row).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, column, func, tuple_, type_coerce, values
from sqlalchemy.orm import Session

from docflow.models import Assignment, AssignmentStatus, Document
from docflow.services.calendar import WorkingCalendar
from docflow.services.reports.period import (
    Period,
    local_date,
    median,
    merge_sorted,
    not_below_zero,
    seconds_between,
)
from docflow.services.reports.scope import DEPARTMENT_OF_WORK, Scope
from docflow.services.reports.work import DAY, Duration, OnTime, OnTimeCount, Processing, Row, rows_of, work_query


@dataclass
class WorkCell:
    """The completed work of one department in one month: how much had a deadline, how much met it, and the
    registration-to-completion seconds of each piece, sorted (how much was completed is their number)."""

    with_deadline: int = 0
    on_time: int = 0
    durations: list[float] = field(default_factory=list)

    @property
    def count(self) -> OnTimeCount:
        return OnTimeCount(len(self.durations), self.with_deadline, self.on_time)


@dataclass(frozen=True)
class CompletedWork:
    """The scope's lead work completed in the period, as cells per (department id, local month)."""

    period: Period
    cells: dict[tuple[int | None, str], WorkCell]

    def on_time(self, labels: dict[int | None, str]) -> OnTime:
        """The on-time rate per department and per month."""
        per_department: dict[int | None, OnTimeCount] = defaultdict(OnTimeCount)
        per_month: dict[str, OnTimeCount] = defaultdict(OnTimeCount)
        for (department_id, month), cell in self.cells.items():
            per_department[department_id] += cell.count
            per_month[month] += cell.count
        return OnTime(by_department=rows_of(labels, dict(per_department), OnTimeCount()),
                      by_month=[Row(m, m, per_month.get(m, OnTimeCount())) for m in self.period.months],
                      total=sum(per_month.values(), OnTimeCount()))

    def processing(self, labels: dict[int | None, str]) -> Processing:
        """Registration to completion: mean and median per department and overall."""
        runs: dict[int | None, list[list[float]]] = defaultdict(list)
        for (department_id, _month), cell in self.cells.items():
            runs[department_id].append(cell.durations)
        return Processing(by_department=rows_of(labels, {k: _duration(v) for k, v in runs.items()}, Duration()),
                          total=_duration([run for runs_of in runs.values() for run in runs_of]))


def _duration(runs: list[list[float]]) -> Duration:
    """Mean and median, in days, of sorted runs of seconds merged."""
    merged = merge_sorted(runs)
    if not merged:
        return Duration()
    return Duration(len(merged), math.fsum(merged) / len(merged) / DAY, median(merged) / DAY)


def completed_cells(session: Session, *, scope: Scope, period: Period,
                    calendar: WorkingCalendar) -> dict[tuple[int | None, str], WorkCell]:
    """The cells of the scope's completed lead work of the period (one statement; see the module).
    Registration is the document's receipt time (ngày đến), its creation when it has none."""
    cells: dict[tuple[int | None, str], WorkCell] = defaultdict(WorkCell)
    for department, month, has_deadline, met, seconds in session.connection().execute(
            _work_rows(session, scope, period, calendar)):
        cell = cells[(department, month)]
        cell.with_deadline += int(has_deadline)
        cell.on_time += int(met)
        cell.durations.append(float(seconds))
    for cell in cells.values():
        cell.durations.sort()
    return dict(cells)


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

"""Figures of incoming work (README, "Figures (báo cáo)"): the on-time rate by department and month, what is
overdue and at risk now, and how long work takes from registration to completion.

Deadlines are the ward's calendar days and follow ``services/calendar``: work completed on the deadline
day, at any hour of the ward's day, is on time; a deadline on a day off ends on the next working day.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from docflow.models import Assignment, AssignmentStatus, Document
from docflow.models.routing import ACTIVE_ASSIGNMENT_STATUSES
from docflow.services.calendar import WorkingCalendar
from docflow.services.reports.period import Period, local_date, seconds_between
from docflow.services.reports.scope import DEPARTMENT_OF_WORK, Holder, Scope, departments_of

DAY = 86400.0
T = TypeVar("T")


@dataclass(frozen=True)
class OnTimeCount:
    """Completed work in a cell: how much, how much had a deadline, how much of that met it."""

    completed: int = 0
    with_deadline: int = 0
    on_time: int = 0

    @property
    def late(self) -> int:
        return self.with_deadline - self.on_time

    @property
    def no_deadline(self) -> int:
        return self.completed - self.with_deadline

    @property
    def rate(self) -> float | None:
        """Per cent of the work with a deadline that was completed on or before it; None when there is none."""
        return 100.0 * self.on_time / self.with_deadline if self.with_deadline else None

    def __add__(self, other: OnTimeCount) -> OnTimeCount:
        return OnTimeCount(self.completed + other.completed, self.with_deadline + other.with_deadline,
                           self.on_time + other.on_time)


@dataclass(frozen=True)
class Row(Generic[T]):
    """One line of a figure's table: a department (key its id, None for work held by nobody's department) or
    a month (key "YYYY-MM")."""

    key: int | str | None
    label: str
    value: T


@dataclass(frozen=True)
class OnTime:
    by_department: list[Row[OnTimeCount]]
    by_month: list[Row[OnTimeCount]]
    total: OnTimeCount


@dataclass(frozen=True)
class Workload:
    """Open lead work now: how much, how much is past its deadline, how much is due within ``at_risk_days``
    working days, how much has no deadline."""

    open: int = 0
    overdue: int = 0
    at_risk: int = 0
    no_deadline: int = 0

    def __add__(self, other: Workload) -> Workload:
        return Workload(self.open + other.open, self.overdue + other.overdue, self.at_risk + other.at_risk,
                        self.no_deadline + other.no_deadline)


@dataclass(frozen=True)
class Duration:
    """Registration to completion of ``count`` pieces of work, in days (None when there are none)."""

    count: int = 0
    mean_days: float | None = None
    median_days: float | None = None

    @classmethod
    def of(cls, seconds: list[float]) -> Duration:
        if not seconds:
            return cls()
        return cls(len(seconds), statistics.fmean(seconds) / DAY, statistics.median(seconds) / DAY)


@dataclass(frozen=True)
class Processing:
    by_department: list[Row[Duration]]
    total: Duration


def _work(columns: Iterable[Any], scope: Scope) -> Select[Any]:
    return (select(*columns).select_from(Assignment).join(Document, Document.id == Assignment.document_id)
            .outerjoin(Holder, Holder.id == Assignment.assignee_id).where(scope.work_filter()))


def _completed(columns: Iterable[Any], scope: Scope, period: Period) -> Select[Any]:
    return _work(columns, scope).where(Assignment.status == AssignmentStatus.COMPLETED,
                                       period.within(Assignment.completed_at))


@dataclass(frozen=True)
class CompletedWork:
    """The scope's lead work completed in the period, one tuple per piece: (department id, local month, has a
    deadline, met it, seconds from registration to completion). Read once for both figures that need it."""

    period: Period
    items: list[tuple[int | None, str, int, int, float]]

    def on_time(self, labels: dict[int | None, str]) -> OnTime:
        """The on-time rate per department and per month."""
        per_department: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
        per_month: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for department_id, month, has_deadline, met, _ in self.items:
            for cell in (per_department[department_id], per_month[month]):
                cell[0] += 1
                cell[1] += has_deadline
                cell[2] += met
        months = {m: OnTimeCount(*c) for m, c in per_month.items()}
        return OnTime(by_department=_rows(labels, {k: OnTimeCount(*c) for k, c in per_department.items()},
                                          OnTimeCount()),
                      by_month=[Row(m, m, months.get(m, OnTimeCount())) for m in self.period.months],
                      total=sum(months.values(), OnTimeCount()))

    def processing(self, labels: dict[int | None, str]) -> Processing:
        """Registration to completion: mean and median per department and overall."""
        samples: dict[int | None, list[float]] = defaultdict(list)
        for department_id, _, _, _, seconds in self.items:
            samples[department_id].append(seconds)
        per_department = {key: Duration.of(values) for key, values in samples.items()}
        return Processing(by_department=_rows(labels, per_department, Duration()),
                          total=Duration.of([s for _, _, _, _, s in self.items]))


def completed_work(session: Session, *, scope: Scope, period: Period, calendar: WorkingCalendar) -> CompletedWork:
    """Read the scope's completed lead work of the period (one query; see ``CompletedWork``). Registration is
    the document's receipt time (ngày đến), its creation when it has none. Whether a deadline was met is
    decided here, on the ward's calendar day of completion and the deadline as moved off a day off."""
    registered = func.coalesce(Document.received_at, Document.created_at)
    query = _completed([
        DEPARTMENT_OF_WORK, period.month_of(Assignment.completed_at), Assignment.deadline,
        local_date(session, Assignment.completed_at, period.zone, period.start),
        seconds_between(session, registered, Assignment.completed_at)], scope, period)
    met = _DeadlineCheck(calendar)
    items = [(department_id, month, int(deadline is not None), met(deadline, done_on), max(float(seconds), 0.0))
             for department_id, month, deadline, done_on, seconds in session.connection().execute(query).all()]
    return CompletedWork(period, items)


class _DeadlineCheck:
    """1 when work done on ``done_on`` (a date, or its ISO text from SQLite) met ``deadline``, else 0; the
    calendar is asked once per distinct deadline and day."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self.effective: dict[date, date] = {}
        self.days: dict[object, date] = {}

    def __call__(self, deadline: date | None, done_on: object) -> int:
        if deadline is None:
            return 0
        effective = self.effective.get(deadline)
        if effective is None:
            effective = self.effective[deadline] = self.calendar.effective_deadline(deadline)
        day = self.days.get(done_on)
        if day is None:
            day = self.days[done_on] = done_on if isinstance(done_on, date) else date.fromisoformat(str(done_on))
        return int(day <= effective)


def on_time(session: Session, *, scope: Scope, period: Period, calendar: WorkingCalendar,
            labels: dict[int | None, str]) -> OnTime:
    """The on-time rate of the scope's completed lead work in the period, per department and per month."""
    return completed_work(session, scope=scope, period=period, calendar=calendar).on_time(labels)


def processing(session: Session, *, scope: Scope, period: Period, calendar: WorkingCalendar,
               labels: dict[int | None, str]) -> Processing:
    """Registration to completion of the scope's lead work completed in the period, per department."""
    return completed_work(session, scope=scope, period=period, calendar=calendar).processing(labels)


def workload(session: Session, *, scope: Scope, today: date, calendar: WorkingCalendar, at_risk_days: int,
             labels: dict[int | None, str]) -> tuple[list[Row[Workload]], Workload]:
    """Open lead work now, per department: overdue and at risk as the work queues count them."""
    overdue_cutoff = calendar.overdue_cutoff(today)
    risk_cutoff = calendar.at_risk_cutoff(today, at_risk_days)
    deadline = Assignment.deadline
    query = _work([
        DEPARTMENT_OF_WORK, func.count(), func.coalesce(func.sum(case((deadline <= overdue_cutoff, 1), else_=0)), 0),
        func.coalesce(func.sum(case((and_(deadline > overdue_cutoff, deadline <= risk_cutoff), 1), else_=0)), 0),
        func.count() - func.count(deadline)], scope).where(Assignment.status.in_(ACTIVE_ASSIGNMENT_STATUSES))
    found: dict[int | None, Workload] = {
        row[0]: Workload(*(int(n) for n in row[1:])) for row in session.execute(query.group_by(DEPARTMENT_OF_WORK))}
    return _rows(labels, found, Workload()), sum(found.values(), Workload())


def department_labels(session: Session, scope: Scope) -> dict[int | None, str]:
    """Department id → name for the scope's tables (insertion order: the table's order)."""
    return {i: name for i, _code, name in departments_of(session, scope)}


def _rows(labels: dict[int | None, str], found: dict[int | None, T], empty: T) -> list[Row[T]]:
    """A row for every department of the scope (those without work too), then any work found elsewhere."""
    rows = [Row(key, label, found.get(key, empty)) for key, label in labels.items()]
    rows += [Row(key, "", value) for key, value in found.items() if key not in labels]
    return rows

"""Figures of incoming work (README, "Figures (báo cáo)"): the on-time rate by department and month, what is
overdue and at risk now, and how long work takes from registration to completion.

Deadlines are the ward's calendar days and follow ``services/calendar``: work completed on the deadline
day, at any hour of the ward's day, is on time; a deadline on a day off ends on the next working day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from docflow.models import Assignment, Document
from docflow.models.routing import ACTIVE_ASSIGNMENT_STATUSES
from docflow.services.calendar import WorkingCalendar
from docflow.services.reports.period import sum_if
from docflow.services.reports.scope import DEPARTMENT_OF_WORK, Holder, Scope

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


@dataclass(frozen=True)
class Processing:
    by_department: list[Row[Duration]]
    total: Duration


def work_query(columns: Iterable[Any], scope: Scope) -> Select[Any]:
    return (select(*columns).select_from(Assignment).join(Document, Document.id == Assignment.document_id)
            .outerjoin(Holder, Holder.id == Assignment.assignee_id).where(scope.work_filter()))


def workload(session: Session, *, scope: Scope, today: date, calendar: WorkingCalendar, at_risk_days: int,
             labels: dict[int | None, str]) -> tuple[list[Row[Workload]], Workload]:
    """Open lead work now, per department: overdue and at risk as the work queues count them."""
    overdue_cutoff = calendar.overdue_cutoff(today)
    risk_cutoff = calendar.at_risk_cutoff(today, at_risk_days)
    deadline = Assignment.deadline
    query = work_query([
        DEPARTMENT_OF_WORK, func.count(), sum_if(deadline <= overdue_cutoff, 1),
        sum_if(and_(deadline > overdue_cutoff, deadline <= risk_cutoff), 1),
        func.count() - func.count(deadline)], scope).where(Assignment.status.in_(ACTIVE_ASSIGNMENT_STATUSES))
    found: dict[int | None, Workload] = {
        row[0]: Workload(*(int(n) for n in row[1:])) for row in session.execute(query.group_by(DEPARTMENT_OF_WORK))}
    return rows_of(labels, found, Workload()), sum(found.values(), Workload())


def department_labels(departments: Iterable[tuple[int, str, str]]) -> dict[int | None, str]:
    """Department id → name for the scope's tables, from ``departments_of``'s rows (insertion order: the
    table's order)."""
    return {i: name for i, _code, name in departments}


def rows_of(labels: dict[int | None, str], found: dict[int | None, T], empty: T) -> list[Row[T]]:
    """A row for every department of the scope (those without work too), then any work found elsewhere."""
    rows = [Row(key, label, found.get(key, empty)) for key, label in labels.items()]
    rows += [Row(key, "", value) for key, value in found.items() if key not in labels]
    return rows

"""A period's figures as cells per department and local month, the closed months' cells kept in report_months
(issue 13, §2: the dashboard at 100,000 documents in p95 ≤ 150 ms; measured in bench/DASHBOARD.md).

A month is closed once the ward's clock has left it. Normal work completes, registers and issues "now", so a
closed month's cells do not change: they are built the first time a figure asks for them (one statement over
the missing months), queued on the session, and written by ``keep_months`` in a short transaction the caller
opens. The current month, the months to come and a month the period only partly covers are read live. Both
ways produce the same cells (the durations sorted, sums taken with ``math.fsum``), so a period's figures are
exactly those of reading it all live: tests/services/reports/test_months.py compares them.

A kept month is used only under the stamp it was built with: this format, the ward's figures version (bumped
by every write that can change a closed month: docflow/models/reportmonths.py), the holidays calendar (it
decides on time) and the ward's time zone (it cuts the months). The ward's work and documents are kept whole
("ward", per department, so a department's figures are a part of them); an official's own work apart.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.models import ReportVersion, utc_now
from docflow.policy.reports import Reach
from docflow.services.calendar import WorkingCalendar
from docflow.services.reports.completed import CompletedWork, WorkCell, completed_cells
from docflow.services.reports.documents import (
    DocumentCells,
    MonthlyByType,
    Stage,
    document_cells,
    monthly_by_type,
    stages_of,
)
from docflow.services.reports.kept import DOCUMENTS, WORK, queue, read_kept
from docflow.services.reports.period import Period, first_day, last_day
from docflow.services.reports.scope import Scope
from docflow.services.reports.work import OnTime, Processing

FORMAT = "1"


@dataclass
class Months:
    """A period's cells for one scope: the completed work's and the documents' (what was asked for)."""

    period: Period
    department_id: int | None
    work: dict[tuple[int | None, str], WorkCell] = field(default_factory=dict)
    documents: DocumentCells = field(default_factory=DocumentCells)

    def completed_work(self) -> CompletedWork:
        return CompletedWork(self.period, {k: v for k, v in self.work.items() if self._counts(k[0])})

    def issued(self) -> MonthlyByType:
        return self._monthly(self.documents.issued)

    def registered(self) -> MonthlyByType:
        return self._monthly(self.documents.registered)

    def turnaround(self) -> list[Stage]:
        return stages_of([run for key, run in self.documents.waits.items() if self._counts(key[0])])

    def _counts(self, department_id: int | None) -> bool:
        return self.department_id is None or department_id == self.department_id

    def _monthly(self, counts: dict[tuple[int | None, str, str], int]) -> MonthlyByType:
        found: dict[tuple[str, str], int] = {}
        for (department_id, month, doc_type), n in counts.items():
            if self._counts(department_id):
                found[(month, doc_type)] = found.get((month, doc_type), 0) + n
        return monthly_by_type(self.period, found)


def gather(session: Session, *, scope: Scope, period: Period, calendar: WorkingCalendar | None,
           parts: tuple[str, ...], now: datetime | None = None) -> Months:
    """The period's cells of ``parts`` (WORK needs the calendar) for the scope: closed months from
    report_months (built and queued when missing or stale), the others live."""
    subject, whole = _subject(scope)
    stamps = _stamps(session, scope.organisation_id, period, calendar)   # the version first, then the data
    closed = [m for m in period.months if _is_closed(period, m, now or utc_now())]
    months = Months(period, scope.department_id if subject == "ward" else None)
    kept = read_kept(session, scope.organisation_id, subject, parts, closed, stamps)
    for part in parts:
        for month in closed:
            if (part, month) in kept:
                _add(months, part, kept[(part, month)], {month})
        missing = [m for m in closed if (part, m) not in kept]
        if missing:
            built = _build(session, part, whole, Period(first_day(missing[0]), last_day(missing[-1]), period.zone),
                           calendar)
            for month in missing:
                queue(session, (scope.organisation_id, subject, part, month), stamps[part], _only(part, built, {month}))
            _add(months, part, built, set(missing))
        for live in _live_ranges(period, closed):
            _add(months, part, _build(session, part, scope, live, calendar), set(live.months))
    return months


def _subject(scope: Scope) -> tuple[str, Scope]:
    """Whose cells are kept for this scope, and the scope they are built with."""
    if scope.user_id is not None:
        return f"user:{scope.user_id}", Scope(Reach.OWN, scope.organisation_id, user_id=scope.user_id)
    return "ward", Scope(Reach.WARD, scope.organisation_id)


def _stamps(session: Session, organisation_id: int, period: Period,
            calendar: WorkingCalendar | None) -> dict[str, str]:
    version = session.execute(select(ReportVersion.version).where(
        ReportVersion.organisation_id == organisation_id)).scalar_one_or_none() or 0
    base = f"{FORMAT}:{version}:{period.zone.key}"
    return {DOCUMENTS: base, WORK: f"{base}:{_calendar_key(calendar)}"}


def _calendar_key(calendar: WorkingCalendar | None) -> str:
    if calendar is None:
        return ""
    days = [sorted(calendar.days_off), sorted(calendar.working_weekend_days)]
    return hashlib.sha256(repr(days).encode()).hexdigest()[:16]


def _is_closed(period: Period, month: str, now: datetime) -> bool:
    """Whether the period covers the whole month and the ward's clock has left it."""
    first, last = first_day(month), last_day(month)
    this_month = now.astimezone(period.zone).date().replace(day=1)
    return period.first <= first and last <= period.last and last < this_month


def _live_ranges(period: Period, closed: list[str]) -> list[Period]:
    """The period's days outside its closed months, as runs of consecutive months."""
    runs: list[list[str]] = []
    for month in period.months:
        if month in closed:
            continue
        if runs and runs[-1][-1] == period.months[period.months.index(month) - 1]:
            runs[-1].append(month)
        else:
            runs.append([month])
    return [Period(max(period.first, first_day(run[0])), min(period.last, last_day(run[-1])), period.zone)
            for run in runs]


def _build(session: Session, part: str, scope: Scope, period: Period, calendar: WorkingCalendar | None) -> Any:
    if part == WORK:
        if calendar is None:
            raise ValueError("the work figures need the calendar")
        return completed_cells(session, scope=scope, period=period, calendar=calendar)
    return document_cells(session, scope=scope, period=period)


def _only(part: str, built: Any, months: set[str]) -> Any:
    """The built cells of ``months`` only."""
    if part == WORK:
        return {k: v for k, v in built.items() if k[1] in months}
    return DocumentCells(issued={k: v for k, v in built.issued.items() if k[1] in months},
                         registered={k: v for k, v in built.registered.items() if k[1] in months},
                         waits={k: v for k, v in built.waits.items() if k[1] in months})


def _add(months: Months, part: str, built: Any, only: set[str]) -> None:
    """Put the built cells of the months ``only`` into ``months``."""
    cells = _only(part, built, only)
    if part == WORK:
        months.work.update(cells)
        return
    months.documents.issued.update(cells.issued)
    months.documents.registered.update(cells.registered)
    months.documents.waits.update(cells.waits)


def completed_work(session: Session, *, scope: Scope, period: Period, calendar: WorkingCalendar) -> CompletedWork:
    """The cells of the scope's lead work completed in the period."""
    return gather(session, scope=scope, period=period, calendar=calendar, parts=(WORK,)).completed_work()


def on_time(session: Session, *, scope: Scope, period: Period, calendar: WorkingCalendar,
            labels: dict[int | None, str]) -> OnTime:
    """The on-time rate of the scope's completed lead work in the period, per department and per month."""
    return completed_work(session, scope=scope, period=period, calendar=calendar).on_time(labels)


def processing(session: Session, *, scope: Scope, period: Period, calendar: WorkingCalendar,
               labels: dict[int | None, str]) -> Processing:
    """Registration to completion of the scope's lead work completed in the period, per department."""
    return completed_work(session, scope=scope, period=period, calendar=calendar).processing(labels)


def _documents(session: Session, scope: Scope, period: Period) -> Months:
    return gather(session, scope=scope, period=period, calendar=None, parts=(DOCUMENTS,))


def issued_per_month(session: Session, *, scope: Scope, period: Period) -> MonthlyByType:
    """Outgoing documents issued in the period (numbered and sealed by the clerk; recalled ones included, they
    were issued), per month of issue and type."""
    return _documents(session, scope, period).issued()


def registered_per_month(session: Session, *, scope: Scope, period: Period) -> MonthlyByType:
    """Incoming documents registered with a số đến, per month of receipt (ngày đến) and type."""
    return _documents(session, scope, period).registered()


def signing_turnaround(session: Session, *, scope: Scope, period: Period) -> list[Stage]:
    """Submitted for signing → signed, signed → issued, submitted → issued (documents.py, ``_waits``)."""
    return _documents(session, scope, period).turnaround()

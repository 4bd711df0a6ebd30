"""Dates on the ward's clock: the local date of a moment, the default deadline of a direction, and where
a step stood against its deadline (on time, at risk, late)."""

from __future__ import annotations

from datetime import date

from docflow.config import Settings
from docflow.config import local_date  # noqa: F401 - re-exported: the ward's date, computed in config
from docflow.models import Document
from docflow.services import calendar as work_calendar

STATE_KEYS = {
    work_calendar.DeadlineState.ON_TIME: "on_time", work_calendar.DeadlineState.DONE_ON_TIME: "on_time",
    work_calendar.DeadlineState.AT_RISK: "at_risk", work_calendar.DeadlineState.OVERDUE: "late",
    work_calendar.DeadlineState.DONE_LATE: "late",
}


def default_deadline(settings: Settings, document: Document, today: date) -> date:
    """The document's own deadline when it has one, else the configured number of working days from today."""
    if document.deadline is not None and document.deadline >= today:
        return document.deadline
    calendar = work_calendar.WorkingCalendar.load(settings)
    return calendar.add_working_days(today, settings.workflow.default_deadline_working_days)


def step_state(settings: Settings, deadline: date | None, *, on: date, done: bool = False) -> str | None:
    """Where a step taken (or, with ``done``, work finished) on ``on`` stood against ``deadline``:
    "on_time", "at_risk", "late", or None without a deadline."""
    state = work_calendar.WorkingCalendar.load(settings).deadline_state(
        deadline, today=on, completed_on=on if done else None, at_risk_days=settings.workflow.at_risk_working_days)
    return STATE_KEYS.get(state)


def completion_state(settings: Settings, deadline: date | None, completed_on: date) -> str:
    """"on_time" or "late" for work finished on ``completed_on`` (no deadline: on time)."""
    return step_state(settings, deadline, on=completed_on, done=True) or "on_time"

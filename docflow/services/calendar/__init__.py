"""Working days of a Vietnamese state body and where a deadline stands on them: ``days`` (the calendar and
the deadline rules), ``holidays`` (reading the holidays file)."""

from docflow.services.calendar.days import SHIPPED_FILE, DeadlineState, WorkingCalendar

__all__ = ["SHIPPED_FILE", "DeadlineState", "WorkingCalendar"]

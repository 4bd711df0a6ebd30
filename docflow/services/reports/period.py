"""The period a figure covers, on the ward's clock, and the few SQL expressions that differ between SQLite
and PostgreSQL (a moment's local date, the seconds between two moments).

A period is a range of local calendar days, both ends included. It is turned into UTC instants once
(local midnight of the first day, local midnight after the last day), so every filter on a stored UTC time
is a plain range on either database. Months are cut the same way: a CASE over the UTC instants of each local
month's first midnight, so a document registered at 23:30 on 31 January in Hà Nội counts in January even
though it is 16:30 UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, case, cast, func, literal
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from docflow.config import local_midnight
from docflow.errors import N_, ValidationError
from docflow.models.base import UTCDateTime

MAX_MONTHS = 60
# The years a period may touch: the UTC instants of local midnight, and of the midnight after the last day,
# stay inside what a datetime can hold (year 1 or 9999 would overflow it on the way).
FIRST_YEAR, LAST_YEAR = 1900, 9998


@dataclass(frozen=True)
class Period:
    """Local days ``first`` to ``last``, both included, in ``zone``."""

    first: date
    last: date
    zone: ZoneInfo

    @classmethod
    def of(cls, zone: ZoneInfo, *, first: date | None, last: date | None, today: date) -> Period:
        """The given days, or the current calendar year. Raises ValidationError for a day outside the years
        FIRST_YEAR..LAST_YEAR, or a reversed or too long period."""
        first = first or date(today.year, 1, 1)
        last = last or date(first.year, 12, 31)
        for day, field in ((first, "from"), (last, "to")):
            if not FIRST_YEAR <= day.year <= LAST_YEAR:
                raise ValidationError(N_("Choose days between the years %(first)s and %(last)s."), field=field,
                                      first=FIRST_YEAR, last=LAST_YEAR)
        if last < first:
            raise ValidationError(N_("The end date cannot be before the start date."), field="to")
        period = cls(first, last, zone)
        if len(period.months) > MAX_MONTHS:
            raise ValidationError(N_("Choose a period of at most five years."), field="from")
        return period

    def start_of(self, day: date) -> datetime:
        """The UTC instant of local midnight at the start of ``day``."""
        return local_midnight(day, self.zone)

    @property
    def start(self) -> datetime:
        return self.start_of(self.first)

    @property
    def end(self) -> datetime:
        """The first instant after the period (exclusive)."""
        return self.start_of(self.last + timedelta(days=1))

    @property
    def months(self) -> list[str]:
        """"YYYY-MM" of every month the period touches, in order."""
        year, month, out = self.first.year, self.first.month, []
        while (year, month) <= (self.last.year, self.last.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def within(self, column: Any) -> ColumnElement[bool]:
        return (column >= literal(self.start, UTCDateTime())) & (column < literal(self.end, UTCDateTime()))

    def month_of(self, column: Any) -> ColumnElement[str]:
        """The local month ("YYYY-MM") of a UTC time column inside the period."""
        months = self.months
        whens = [(column < literal(self.start_of(first_day(nxt)), UTCDateTime()), label)
                 for label, nxt in zip(months, months[1:])]
        if not whens:
            return literal(months[0])
        return case(*whens, else_=literal(months[-1]))


def first_day(label: str) -> date:
    """The first day of the month "YYYY-MM"."""
    return date(int(label[:4]), int(label[5:]), 1)


def last_day(label: str) -> date:
    """The last day of the month "YYYY-MM"."""
    return (first_day(label) + timedelta(days=31)).replace(day=1) - timedelta(days=1)


def local_date(session: Session, column: Any, zone: ZoneInfo, near: datetime) -> ColumnElement[Any]:
    """The local calendar date of a UTC time column. PostgreSQL converts with the zone's rules; SQLite has no
    time zones, so the zone's offset at ``near`` is added (exact for Asia/Ho_Chi_Minh, which keeps +07:00 all
    year; a zone with summer time would be off by its shift for part of the year on SQLite only)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(str(zone), column), Date)
    offset = near.astimezone(zone).utcoffset() or timedelta()
    return func.date(column, f"{int(offset.total_seconds() // 60):+d} minutes")


def seconds_between(session: Session, earlier: Any, later: Any) -> ColumnElement[float]:
    """``later - earlier`` in seconds, as a number on both databases."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def merge_sorted(runs: Iterable[list[float]]) -> list[float]:
    """Sorted runs (the months' durations) as one sorted list: Python's sort finds the runs and merges them."""
    return sorted(chain.from_iterable(runs))


def median(ordered: list[float]) -> float:
    """The middle value of a sorted, non-empty list, or the mean of the two middle ones."""
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def sum_if(condition: ColumnElement[bool], value: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, value), else_=literal(0))), 0)


def not_below_zero(seconds: Any) -> ColumnElement[Any]:
    """``seconds``, 0 when negative: a wait or a duration never counts below zero."""
    return case((seconds < 0, 0.0), else_=seconds)

"""Working days of a Vietnamese state body, and where a deadline stands on them.

Saturdays and Sundays are days off; public holidays, compensatory days off and swapped days off
(hoán đổi) come from a TOML file, as do the weekend days worked in exchange (ngày làm bù). The file is
``Settings.workflow.holidays_file``, else the calendar shipped in ``docflow/data/holidays.toml``, which
documents the format.

Deadline semantics (what a clerk reads on a row):

- The deadline day itself is still on time: work completed on it is ``done_on_time``.
- A deadline on a day off moves to the next working day (Civil Code 2015, art. 148(5): a period whose
  last day is a weekend or holiday ends at the end of the next working day).
- "Working days left" counts the working days after today up to and including the deadline: on the
  deadline day 0 are left, on the working day before it 1. With ``at_risk_days = 1`` both are at risk.
- Overdue from the first day after the (moved) deadline, working or not.
"""

from __future__ import annotations

import bisect
import enum
import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from docflow.config import Settings
from docflow.errors import ConfigurationError
from docflow.services.calendar.holidays import parse_holidays

SHIPPED_FILE = Path(__file__).resolve().parents[2] / "data" / "holidays.toml"
ONE_DAY = timedelta(days=1)


class DeadlineState(enum.StrEnum):
    NONE = "none"                  # no deadline
    ON_TIME = "on_time"
    AT_RISK = "at_risk"            # at most ``at_risk_days`` working days left
    OVERDUE = "overdue"
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"


@dataclass(frozen=True)
class WorkingCalendar:
    """Weekends plus the exceptions of one holidays file. Immutable; share it freely."""

    days_off: frozenset[date] = frozenset()        # Monday–Friday dates that are not worked
    working_weekend_days: frozenset[date] = frozenset()  # Saturdays/Sundays that are worked
    names: Mapping[date, str] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, settings: Settings) -> WorkingCalendar:
        """The calendar of the configured file (or the shipped one), read once per file version.

        Raises ConfigurationError naming the file and the bad entry.
        """
        path = settings.workflow.holidays_file or SHIPPED_FILE
        try:
            stamp = path.stat().st_mtime_ns
        except OSError as exc:
            raise ConfigurationError(f"workflow.holidays_file {path} cannot be read: {exc.strerror}") from None
        return _load_file(str(path), stamp)

    @classmethod
    def from_toml(cls, text: str, *, source: str = "holidays file") -> WorkingCalendar:
        """Parse and validate the holidays format. Raises ConfigurationError naming the bad entry."""
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"{source} is not valid TOML: {exc}") from None
        days_off, working_weekend_days, names = parse_holidays(raw, source=source)
        return cls(days_off=days_off, working_weekend_days=working_weekend_days, names=names)

    # -- single days ---------------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        if d.weekday() >= 5:
            return d in self.working_weekend_days
        return d not in self.days_off

    def name_of(self, d: date) -> str | None:
        """What the file says about this day (a holiday's or a swap's name), if anything."""
        return self.names.get(d)

    def next_working_day(self, d: date) -> date:
        """``d`` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(d):
            d += ONE_DAY
        return d

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before ``d``."""
        d -= ONE_DAY
        while not self.is_working_day(d):
            d -= ONE_DAY
        return d

    # -- counting ------------------------------------------------------------------------------------

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after ``d`` (before it when n < 0); ``d`` itself for n = 0.

        ``working_days_between(d, add_working_days(d, n)) == n``.
        """
        step = ONE_DAY if n >= 0 else -ONE_DAY
        remaining = abs(n)
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b``: the working days left from ``a`` to a
        deadline ``b``. When ``b`` is before ``a``, minus the working days from ``b`` up to (not
        including) ``a``, so that ``working_days_between(a, add_working_days(a, n)) == n`` either way."""
        if b < a:
            return -self.working_days_between(b - ONE_DAY, a - ONE_DAY)
        weekdays = _weekdays_in(a + ONE_DAY, b)
        off = _count_in(self._sorted_off, a, b)
        worked_weekends = _count_in(self._sorted_worked, a, b)
        return weekdays - off + worked_weekends

    @functools.cached_property
    def _sorted_off(self) -> list[date]:
        return sorted(self.days_off)

    @functools.cached_property
    def _sorted_worked(self) -> list[date]:
        return sorted(self.working_weekend_days)

    # -- deadlines -----------------------------------------------------------------------------------

    def effective_deadline(self, deadline: date) -> date:
        """A deadline on a day off ends on the next working day (Civil Code 2015, art. 148(5))."""
        return self.next_working_day(deadline)

    def deadline_state(self, deadline: date | None, *, today: date, completed_on: date | None = None,
                       at_risk_days: int) -> DeadlineState:
        """Where work with this deadline stands today (see the module docstring for the rules)."""
        if deadline is None:
            return DeadlineState.NONE
        last_day = self.effective_deadline(deadline)
        if completed_on is not None:
            return DeadlineState.DONE_ON_TIME if completed_on <= last_day else DeadlineState.DONE_LATE
        if today > last_day:
            return DeadlineState.OVERDUE
        if self.working_days_between(today, last_day) <= at_risk_days:
            return DeadlineState.AT_RISK
        return DeadlineState.ON_TIME

    def overdue_cutoff(self, today: date) -> date:
        """Open work whose deadline is on or before this date is overdue today: a SQL-friendly form of
        ``deadline_state(...) is OVERDUE`` (``Assignment.deadline <= cutoff``)."""
        return self.previous_working_day(today)

    def at_risk_cutoff(self, today: date, at_risk_days: int) -> date:
        """Open work whose deadline is after ``overdue_cutoff(today)`` and on or before this date is at
        risk today (``deadline_state(...) is AT_RISK``)."""
        return self.add_working_days(today, at_risk_days)

    @property
    def years(self) -> list[int]:
        """The years the file says something about (a year missing here only knows weekends)."""
        return sorted({d.year for d in self.days_off | self.working_weekend_days})


def _weekdays_in(first: date, last: date) -> int:
    """Monday–Friday dates in [first, last]."""
    if last < first:
        return 0
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    start = first.weekday()
    count += sum(1 for i in range(rest) if (start + i) % 7 < 5)
    return count


def _count_in(ordered: list[date], after: date, upto: date) -> int:
    """Dates in ``ordered`` with after < d <= upto."""
    return bisect.bisect_right(ordered, upto) - bisect.bisect_right(ordered, after)


@functools.lru_cache(maxsize=8)
def _load_file(path: str, _mtime_ns: int) -> WorkingCalendar:
    # Keyed by modification time too: an edited file is read again without a restart.
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"workflow.holidays_file {path} cannot be read: {exc}") from None
    return WorkingCalendar.from_toml(text, source=path)

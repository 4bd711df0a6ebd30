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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from docflow.config import Settings
from docflow.errors import ConfigurationError

SHIPPED_FILE = Path(__file__).resolve().parent.parent / "data" / "holidays.toml"
ONE_DAY = timedelta(days=1)
# A holiday range longer than this is a typo (the longest Tết break is nine days with weekends).
MAX_RANGE_DAYS = 31


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
        return _Parser(source).parse(raw)

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


class _Parser:
    """Strict reading of the holidays format: every problem names the entry it is in."""

    KINDS = {"holiday": ({"name"}, {"date", "from", "to"}), "swap": ({"name", "day_off", "working_day"}, set())}

    def __init__(self, source: str) -> None:
        self.source = source
        self.off: dict[date, str] = {}
        self.worked: dict[date, str] = {}

    def fail(self, where: str, problem: str) -> ConfigurationError:
        return ConfigurationError(f"{self.source}: {where}: {problem}")

    def parse(self, raw: dict[str, Any]) -> WorkingCalendar:
        for key in raw:
            if key not in self.KINDS:
                raise self.fail(f"key {key!r}", "unknown; expected [[holiday]] or [[swap]] entries")
        for kind in self.KINDS:
            entries = raw.get(kind, [])
            if not isinstance(entries, list):
                raise self.fail(kind, f"must be written as [[{kind}]] tables")
            for number, entry in enumerate(entries, start=1):
                self._entry(kind, number, entry)
        clash = sorted(set(self.off) & set(self.worked))
        if clash:
            raise self.fail(f"{clash[0].isoformat()}", "is both a day off and a make-up working day")
        names = {**self.off, **self.worked}
        return WorkingCalendar(days_off=frozenset(d for d in self.off if d.weekday() < 5),
                               working_weekend_days=frozenset(self.worked), names=names)

    def _entry(self, kind: str, number: int, entry: Any) -> None:
        where = f"{kind} #{number}"
        if not isinstance(entry, dict):
            raise self.fail(where, f"must be a [[{kind}]] table")
        name = entry.get("name")
        if isinstance(name, str) and name.strip():
            where = f"{kind} #{number} ({name.strip()})"
        required, optional = self.KINDS[kind]
        unknown = sorted(set(entry) - required - optional)
        if unknown:
            raise self.fail(where, f"unknown key {unknown[0]!r}")
        missing = sorted(required - set(entry))
        if missing:
            raise self.fail(where, f"{missing[0]!r} is required")
        if not isinstance(name, str) or not name.strip():
            raise self.fail(where, "'name' must be a non-empty string")
        if kind == "holiday":
            self._holiday(where, entry, name.strip())
        else:
            self._swap(where, entry, name.strip())

    def _date(self, where: str, entry: dict[str, Any], key: str) -> date:
        value = entry[key]
        # tomllib gives datetime for "2026-02-16T00:00", which is a date with a time: refused too.
        if not isinstance(value, date) or type(value) is not date:
            raise self.fail(where, f"{key!r} must be a TOML date such as 2026-02-16 (unquoted), not {value!r}")
        return value

    def _holiday(self, where: str, entry: dict[str, Any], name: str) -> None:
        if "date" in entry:
            if "from" in entry or "to" in entry:
                raise self.fail(where, "give either 'date' or 'from' and 'to', not both")
            days: Iterable[date] = [self._date(where, entry, "date")]
        elif "from" in entry and "to" in entry:
            first, last = self._date(where, entry, "from"), self._date(where, entry, "to")
            if last < first:
                raise self.fail(where, f"'to' {last.isoformat()} is before 'from' {first.isoformat()}")
            if (last - first).days >= MAX_RANGE_DAYS:
                raise self.fail(where, f"a range of more than {MAX_RANGE_DAYS} days is not a holiday")
            days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        else:
            raise self.fail(where, "needs 'date', or 'from' and 'to'")
        for day in days:
            self._add(self.off, where, day, name)

    def _swap(self, where: str, entry: dict[str, Any], name: str) -> None:
        day_off, worked = self._date(where, entry, "day_off"), self._date(where, entry, "working_day")
        if day_off.weekday() >= 5:
            raise self.fail(where, f"'day_off' {day_off.isoformat()} is a {day_off.strftime('%A')}, already a day off")
        if worked.weekday() < 5:
            raise self.fail(where, f"'working_day' {worked.isoformat()} is a {worked.strftime('%A')}, "
                                   "already a working day; a make-up day is a Saturday or Sunday")
        self._add(self.off, where, day_off, name)
        self._add(self.worked, where, worked, name)

    def _add(self, table: dict[date, str], where: str, day: date, name: str) -> None:
        if day in table:
            raise self.fail(where, f"{day.isoformat()} is already listed ({table[day]})")
        table[day] = name

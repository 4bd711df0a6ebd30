"""The holidays file (TOML): public holidays, compensatory and swapped days off, and the weekend days worked in
exchange, read strictly; ``docflow/data/holidays.toml`` documents the format."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from docflow.errors import ConfigurationError

# A holiday range longer than this is a typo (the longest Tết break is nine days with weekends).
MAX_RANGE_DAYS = 31
# (Monday–Friday dates not worked, Saturdays and Sundays worked, the name of every listed day)
Holidays = tuple[frozenset[date], frozenset[date], dict[date, str]]


def parse_holidays(raw: dict[str, Any], *, source: str) -> Holidays:
    """The days of a parsed holidays file. Raises ConfigurationError naming ``source`` and the bad entry."""
    return _Parser(source).parse(raw)


class _Parser:
    """Strict reading of the holidays format: every problem names the entry it is in."""

    KINDS = {"holiday": ({"name"}, {"date", "from", "to"}), "swap": ({"name", "day_off", "working_day"}, set())}

    def __init__(self, source: str) -> None:
        self.source = source
        self.off: dict[date, str] = {}
        self.worked: dict[date, str] = {}

    def fail(self, where: str, problem: str) -> ConfigurationError:
        return ConfigurationError(f"{self.source}: {where}: {problem}")

    def parse(self, raw: dict[str, Any]) -> Holidays:
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
        return frozenset(d for d in self.off if d.weekday() < 5), frozenset(self.worked), names

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

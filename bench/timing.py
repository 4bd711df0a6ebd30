"""Percentiles and a per-request SQL statement recorder."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event

# Transaction control is not a query: SQLite's BEGIN (docflow's begin hook) goes through the
# cursor, PostgreSQL's does not, so counting it would make the two databases differ.
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass(frozen=True)
class Stats:
    """Milliseconds over ``n`` samples."""

    n: int
    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, seconds: list[float]) -> Stats:
        if not seconds:
            return cls(0, math.nan, math.nan, math.nan)
        ms = sorted(s * 1000 for s in seconds)
        return cls(len(ms), percentile(ms, 50), percentile(ms, 95), ms[-1])


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list (p95 of 200 samples is the 190th)."""
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


class SqlRecorder:
    """Records the SQL statements (with their driver parameters) an engine sends while active;
    transaction control is left out."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.active = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                    _executemany: bool) -> None:
        if self.active and not statement.lstrip().upper().startswith(_CONTROL):
            self.statements.append((statement, parameters))

    def start(self) -> None:
        self.active, self.statements = True, []

    def stop(self) -> list[tuple[str, Any]]:
        self.active = False
        return self.statements

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_execute)

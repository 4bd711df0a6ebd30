"""The figures as plain tables (column keys and rows of numbers and text), for the command line's text,
JSON and CSV: one shape, so the three outputs cannot disagree. The keys are part of the JSON contract."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from docflow.services.reports.documents import MonthlyByType
from docflow.services.reports.work import Duration, OnTime, OnTimeCount, Processing, Row

T = TypeVar("T")

ON_TIME_COLUMNS = ["group", "key", "name", "completed", "with_deadline", "on_time", "late", "no_deadline",
                   "on_time_rate"]
PROCESSING_COLUMNS = ["group", "key", "name", "completed", "mean_days", "median_days"]


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[dict[str, object]]


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _on_time_cells(count: OnTimeCount) -> dict[str, object]:
    return {"completed": count.completed, "with_deadline": count.with_deadline, "on_time": count.on_time,
            "late": count.late, "no_deadline": count.no_deadline, "on_time_rate": _round(count.rate)}


def _department_rows(rows: list[Row[T]], codes: dict[int | None, tuple[str, str]],
                     cells: Callable[[T], dict[str, object]]) -> list[dict[str, object]]:
    """One row per department of a figure: key its code, its name, then ``cells`` of its value."""
    out: list[dict[str, object]] = []
    for row in rows:
        code, name = codes.get(row.key if isinstance(row.key, int) else None, ("", ""))
        out.append({"group": "department", "key": code, "name": name, **cells(row.value)})
    return out


def on_time_table(figure: OnTime, departments: dict[int | None, tuple[str, str]]) -> Table:
    """One row per department (key: its code), one per month ("YYYY-MM"), and the total."""
    rows = _department_rows(figure.by_department, departments, _on_time_cells)
    rows += [{"group": "month", "key": row.key, "name": row.label, **_on_time_cells(row.value)}
             for row in figure.by_month]
    rows.append({"group": "total", "key": "", "name": "", **_on_time_cells(figure.total)})
    return Table(ON_TIME_COLUMNS, rows)


def _duration_cells(duration: Duration) -> dict[str, object]:
    return {"completed": duration.count, "mean_days": _round(duration.mean_days),
            "median_days": _round(duration.median_days)}


def processing_table(figure: Processing, departments: dict[int | None, tuple[str, str]]) -> Table:
    rows = _department_rows(figure.by_department, departments, _duration_cells)
    rows.append({"group": "total", "key": "", "name": "", **_duration_cells(figure.total)})
    return Table(PROCESSING_COLUMNS, rows)


def monthly_table(figure: MonthlyByType) -> Table:
    """One row per month with a column per document type found and the month's total, then the totals."""
    rows: list[dict[str, object]] = [
        {"month": month, **{t: figure.counts.get((month, t), 0) for t in figure.types},
         "total": figure.of_month(month)} for month in figure.months]
    rows.append({"month": "total", **{t: figure.of_type(t) for t in figure.types}, "total": figure.total})
    return Table(["month", *figure.types, "total"], rows)

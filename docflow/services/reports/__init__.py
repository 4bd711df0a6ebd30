"""The ward's figures (issue 13, §2; definitions in the README, "Figures (báo cáo)"): on SQLite and PostgreSQL
alike.

Modules: ``period`` (the local days a figure covers, months cut on the ward's clock), ``scope`` (whose work
and documents a user's figures count, from ``policy.reports``), ``work`` (on time, overdue and at risk,
processing time), ``completed`` (the completed work's cells), ``documents`` (issued and registered per month
by type, signing turnaround), ``months`` (a period's cells, closed months kept) and ``kept`` (their rows),
``dashboard`` (one user's dashboard in one call), ``tables`` (the figures as plain tables for the CLI).

Reading figures may build closed months' cells: ``has_pending(session)`` then says so, and the caller writes
them with ``keep_months(session)`` inside ``db.transaction()``.
"""

from docflow.services.reports.completed import CompletedWork
from docflow.services.reports.dashboard import Dashboard, build_dashboard
from docflow.services.reports.documents import STAGES, MonthlyByType, Stage
from docflow.services.reports.kept import has_pending, keep_months
from docflow.services.reports.months import (
    Months,
    completed_work,
    gather,
    issued_per_month,
    on_time,
    processing,
    registered_per_month,
    signing_turnaround,
)
from docflow.services.reports.period import Period
from docflow.services.reports.scope import Scope, departments_of, resolve_scope, ward_scope
from docflow.services.reports.work import (
    Duration,
    OnTime,
    OnTimeCount,
    Processing,
    Row,
    Workload,
    department_labels,
    workload,
)

__all__ = [
    "STAGES", "CompletedWork", "Dashboard", "Duration", "Months", "MonthlyByType", "OnTime", "OnTimeCount",
    "Period", "Processing", "Row", "Scope", "Stage", "Workload", "build_dashboard", "completed_work",
    "department_labels", "departments_of", "gather", "has_pending", "issued_per_month", "keep_months", "on_time",
    "processing", "registered_per_month", "resolve_scope", "signing_turnaround", "ward_scope", "workload",
]

"""`docflow report on-time|processing|issued|petitions`: the ward's figures for its periodic reports, as the system
sees them (the whole ward, or one department by its code). Definitions: README, "Figures (báo cáo)"."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import click

from docflow import appctx, db
from docflow.commands.context import with_app
from docflow.config import local_date
from docflow.csvexport import SafeWriter
from docflow.models import utc_now
from docflow.services import reports
from docflow.services.calendar import WorkingCalendar
from docflow.services.people import organisation
from docflow.services.petitions.figures import petition_figures
from docflow.services.reports.tables import Table, monthly_table, on_time_table, processing_table

TEXT_COLUMNS = frozenset({"group", "key", "name", "month"})


@click.group()
def report() -> None:
    """The ward's figures: on-time rate, processing time, documents issued (default: this calendar year)."""


def _options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
            click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), help="first day (YYYY-MM-DD)"),
            click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), help="last day, included"),
            click.option("--department", "department_code", help="one department, by its code (e.g. VP)"),
            click.option("--json", "fmt", flag_value="json", help="JSON instead of a text table"),
            click.option("--csv", "fmt", flag_value="csv", help="CSV instead of a text table")]):
        func = option(func)
    return func


def _run(build: Callable[..., Table], first: datetime | None, last: datetime | None,
         department_code: str | None, fmt: str | None) -> None:
    settings, session = appctx.settings(), db.get_session()
    today = local_date(settings, utc_now())
    ward = organisation.get_organisation(session)
    scope = reports.ward_scope(session, organisation_id=ward.id, department_code=department_code)
    period = reports.Period.of(settings.app.zone, first=first.date() if first else None,
                               last=last.date() if last else None, today=today)
    table = build(session, scope=scope, period=period, settings=settings)
    if reports.has_pending(session):     # closed months built for the first time: kept for the dashboard too
        with db.transaction():
            reports.keep_months(session)
    click.echo(_render(table, period, department_code, fmt or "text"), nl=False)


@report.command("on-time")
@_options
@with_app
def on_time(first: datetime | None, last: datetime | None, department_code: str | None, fmt: str | None) -> None:
    """On-time rate of incoming lead work completed in the period, per department and per month."""
    def build(session: Any, *, scope: reports.Scope, period: reports.Period, settings: Any) -> Table:
        departments = reports.departments_of(session, scope)
        figure = reports.on_time(session, scope=scope, period=period, calendar=WorkingCalendar.load(settings),
                                 labels=reports.department_labels(departments))
        return on_time_table(figure, _codes(departments))
    _run(build, first, last, department_code, fmt)


@report.command("processing")
@_options
@with_app
def processing(first: datetime | None, last: datetime | None, department_code: str | None, fmt: str | None) -> None:
    """Registration to completion of incoming lead work completed in the period, in days, per department."""
    def build(session: Any, *, scope: reports.Scope, period: reports.Period, settings: Any) -> Table:
        departments = reports.departments_of(session, scope)
        figure = reports.processing(session, scope=scope, period=period, calendar=WorkingCalendar.load(settings),
                                    labels=reports.department_labels(departments))
        return processing_table(figure, _codes(departments))
    _run(build, first, last, department_code, fmt)


@report.command("issued")
@_options
@with_app
def issued(first: datetime | None, last: datetime | None, department_code: str | None, fmt: str | None) -> None:
    """Outgoing documents issued in the period, per month and type."""
    def build(session: Any, *, scope: reports.Scope, period: reports.Period, settings: Any) -> Table:
        return monthly_table(reports.issued_per_month(session, scope=scope, period=period))
    _run(build, first, last, department_code, fmt)


@report.command("petitions")
@_options
@with_app
def petitions(first: datetime | None, last: datetime | None, department_code: str | None, fmt: str | None) -> None:
    """Citizens' petitions received in the period: answered on time (against the first deadline, so a late
    answer stays late after an apology letter), late, open past the deadline, apologies issued, satisfaction."""
    if department_code:
        raise click.UsageError("the petitions figures are the whole ward's (no --department)")

    def build(session: Any, *, scope: reports.Scope, period: reports.Period, settings: Any) -> Table:
        figure = petition_figures(session, organisation_id=scope.organisation_id, start=period.start,
                                  end=period.end, today=local_date(settings, utc_now()))
        row = {name: getattr(figure, name) for name in PETITION_COLUMNS}
        return Table(list(PETITION_COLUMNS), [row])
    _run(build, first, last, department_code, fmt)


PETITION_COLUMNS = ("received", "answered_on_time", "answered_late", "open_overdue", "open_in_time",
                    "apologies_issued", "rated", "satisfied", "on_time_rate", "satisfaction_rate")


def _codes(departments: list[tuple[int, str, str]]) -> dict[int | None, tuple[str, str]]:
    return {i: (code, name) for i, code, name in departments}


def _render(table: Table, period: reports.Period, department_code: str | None, fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"from": period.first.isoformat(), "to": period.last.isoformat(),
                           "department": department_code, "columns": table.columns, "rows": table.rows},
                          ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = SafeWriter(out)
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in table.columns])
        return out.getvalue()
    return _text(table, period.first, period.last)


def _text(table: Table, first: date, last: date) -> str:
    cells = [table.columns] + [["—" if row.get(c) is None else str(row.get(c)) for c in table.columns]
                               for row in table.rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(table.columns))]
    lines = [f"{first.isoformat()} – {last.isoformat()}"]
    left = [c in TEXT_COLUMNS for c in table.columns]
    lines += ["  ".join(cell.ljust(w) if is_text else cell.rjust(w) for cell, w, is_text in zip(line, widths, left))
              .rstrip() for line in cells]
    return "\n".join(lines) + "\n"

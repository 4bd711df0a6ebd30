"""The dashboard (Thống kê): each role's figures for a period, as charts with their numbers beside them."""

from __future__ import annotations

import logging

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue
from babel import numbers
from flask_babel import get_locale
from markupsafe import Markup
from flask_login import login_required
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from docflow import db
from docflow.config import local_date
from docflow.errors import N_
from docflow.models import utc_now
from docflow.policy.reports import Reach
from docflow.services import reports
from docflow.web.helpers import current_actor, parse_date, settings, small_int

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
log = logging.getLogger(__name__)

REACH_TITLES = {
    Reach.WARD: N_("The whole ward"), Reach.DEPARTMENT: N_("Your department"), Reach.OWN: N_("Your own work"),
    Reach.REGISTRY: N_("Registration and issuing"),
}
STAGE_LABELS = {
    "to_signature": N_("Submitted for signing → signed"), "to_issue": N_("Signed → issued"),
    "whole": N_("Submitted for signing → issued"),
}


@bp.app_template_filter("figure")
def _figure(value: float | None, digits: int = 1) -> str:
    """A figure in the reader's locale (1.234,5 in Vietnamese), "—" for none. Formatted by hand from the
    locale's two symbols: a dashboard has thousands of cells and Babel's pattern formatter is slow."""
    if value is None:
        return "—"
    symbols = g.get("figure_symbols")
    if symbols is None:
        locale = str(get_locale())
        symbols = g.figure_symbols = {ord(","): numbers.get_group_symbol(locale),
                                      ord("."): numbers.get_decimal_symbol(locale)}
    return f"{value:,.{digits}f}".translate(symbols)


@bp.app_template_filter("month_label")
def _month_label(key: str) -> str:
    """"2026-01" as written in Vietnamese and English alike: "01/2026"."""
    return f"{key[5:]}/{key[:4]}"


@bp.app_template_filter("figure_cell")
def _figure_cell(value: float | None, digits: int = 0) -> Markup:
    """A table cell with the figure as shown and, for the chart, as a plain number (both are digits and
    punctuation only, nothing to escape)."""
    raw = "" if value is None else repr(value)
    return Markup(f'<td class="text-end" data-value="{raw}">{_figure(value, digits)}</td>')


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The signed-in user's figures: period from/to (default: this year) and, for the ward, a department."""
    args = request.args
    first = parse_date(args.get("from", "")[:20], "from")
    last = parse_date(args.get("to", "")[:20], "to")
    session = db.get_session()
    board = reports.build_dashboard(session, actor=current_actor(), settings=settings(),
                                    today=local_date(settings(), utc_now()), first=first, last=last,
                                    department_id=small_int(args.get("department_id")))
    if reports.has_pending(session):
        _keep_months(session)
    return render_template("dashboard/index.html", board=board, reach_title=REACH_TITLES[board.scope.reach],
                           stage_labels=STAGE_LABELS, Reach=Reach)


def _keep_months(session: Session) -> None:
    """Keep the closed months this request built, for the next requests. The figures are shown either way: a
    database busy with other writes only leaves the months to be built again by a later request."""
    try:
        with db.transaction():
            reports.keep_months(session)
    except OperationalError as exc:
        if not db.is_busy(exc):
            raise
        log.warning("the dashboard's closed months were not kept: the database is busy")

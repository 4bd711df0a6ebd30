"""The registers (sổ đăng ký) on screen, filtered, and their CSV and PDF exports."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db, policy
from docflow.errors import N_, ValidationError
from docflow.models import RegisterKind, utc_now
from docflow.signing.base import SignatureKind
from docflow.services.people import organisation as org_service
from docflow.services import registers
from docflow.services.registers import COLUMNS, EntryFilters, ExportFormat, Progress, closing
from docflow.web.helpers import current_actor, parse_date, settings, small_int, store

bp = Blueprint("registers", __name__, url_prefix="/registers")
PAGE_SIZE = 50
FILTER_ARGS = ("date_from", "date_to", "doc_type", "department_id", "issuing_body", "q", "order")

REGISTER_LABELS = {
    RegisterKind.INCOMING: N_("Incoming documents register"),
    RegisterKind.OUTGOING: N_("Outgoing documents register"),
    RegisterKind.RESOLUTION: N_("Incoming documents resolution register"),
}
PROGRESS_LABELS = {
    Progress.UNASSIGNED: N_("Not assigned"), Progress.IN_PROGRESS: N_("Being handled"),
    Progress.OVERDUE: N_("Overdue"), Progress.DONE_ON_TIME: N_("Resolved on time"),
    Progress.DONE_LATE: N_("Resolved late"),
}


@bp.before_request
@login_required
def _readers_only() -> None:
    if not policy.may_read_registers(current_actor()):
        abort(403)


def _today(now: datetime) -> date:
    """The ward's calendar day at ``now``."""
    return now.astimezone(settings().app.zone).date()


def _kind(raw: str) -> RegisterKind:
    try:
        return RegisterKind(raw)
    except ValueError:
        abort(404)


def _year(raw: int) -> int:
    if not 1900 <= raw <= 9999:
        abort(404)
    return raw


def _filters() -> EntryFilters:
    args = request.args
    date_from = parse_date(args.get("date_from", "")[:20], "date_from")
    date_to = parse_date(args.get("date_to", "")[:20], "date_to")
    if date_from and date_to and date_to < date_from:
        raise ValidationError(N_("The end date cannot be before the start date."), field="date_to")
    return EntryFilters(date_from=date_from, date_to=date_to, doc_type=args.get("doc_type", "")[:30] or None,
                        department_id=small_int(args.get("department_id")),
                        issuing_body=args.get("issuing_body", "")[:300], q=args.get("q", "")[:100],
                        descending=args.get("order", "desc") != "asc")


@bp.get("/")
def index() -> ResponseReturnValue:
    """The year's three registers with their number of entries; other years to pick from."""
    session, actor, zone = db.get_session(), current_actor(), settings().app.zone
    years = registers.register_years(session, actor=actor, organisation_id=actor.organisation_id,
                                     this_year=_today(utc_now()).year)
    year = small_int(request.args.get("year")) or years[0]
    if not 1900 <= year <= 9999:
        year = years[0]
    counts = {kind: registers.count_entries(session, actor=actor, organisation_id=actor.organisation_id, kind=kind,
                                            year=year, filters=EntryFilters(), tz=zone)
              for kind in RegisterKind}
    return render_template("registers/index.html", years=years, year=year, counts=counts, labels=REGISTER_LABELS)


@bp.get("/<int:year>/<kind>")
def entries(year: int, kind: str) -> ResponseReturnValue:
    """One register's entries, fifty a page, newest first unless asked otherwise."""
    register_kind, year = _kind(kind), _year(year)
    session, actor = db.get_session(), current_actor()
    filters = _filters()
    page = registers.list_entries(session, actor=actor, kind=register_kind, year=year, filters=filters,
                                  page=small_int(request.args.get("page")) or 1, page_size=PAGE_SIZE,
                                  tz=settings().app.zone, today=_today(utc_now()))
    return render_template(
        "registers/entries.html", kind=register_kind, year=year, page=page, filters=filters,
        columns=COLUMNS[register_kind], label=REGISTER_LABELS[register_kind], progress_labels=PROGRESS_LABELS,
        departments=org_service.list_departments(session),
        closed=closing.find_closing(session, organisation_id=actor.organisation_id, kind=register_kind, year=year),
        may_close=policy.may_apply(actor, SignatureKind.ORGANISATION) and register_kind in closing.CLOSABLE
        and year < _today(utc_now()).year,
        issuing_bodies=registers.list_issuing_bodies(session, organisation_id=actor.organisation_id, year=year),
        export_args={k: v for k, v in request.args.items() if k in FILTER_ARGS})


@bp.get("/<int:year>/<kind>/export.<fmt>")
def export(year: int, kind: str, fmt: str) -> ResponseReturnValue:
    """Download the register, as filtered on screen, as CSV or PDF; each download is one audit event."""
    register_kind, year = _kind(kind), _year(year)
    try:
        export_format = ExportFormat(fmt)
    except ValueError:
        abort(404)
    actor, filters, zone = current_actor(), _filters(), settings().app.zone
    with db.transaction() as s:
        org = org_service.get_organisation(s)
        done = registers.record_export(s, actor=actor, organisation=org, kind=register_kind, year=year,
                                       fmt=export_format, filters=filters, tz=zone)
    now = utc_now()
    chunks = registers.export_chunks(db.get_session(), done, actor=actor, organisation=org, filters=filters,
                                     tz=zone, today=_today(now), now=now)
    response = Response(stream_with_context(chunks), mimetype=done.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{done.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:year>/<kind>/close")
def close(year: int, kind: str) -> ResponseReturnValue:
    """The clerk closes the register's year (đóng sổ): the printed register signed with the ward's key."""
    register_kind, year = _kind(kind), _year(year)
    with db.transaction() as s:
        done = closing.close_register(s, actor=current_actor(), settings=settings(), store=store(),
                                      tz=settings().app.zone,
                                      request=closing.CloseRequest(kind=register_kind, year=year,
                                                                   pin=request.form.get("pin", "")[:64]))
    flash(gettext("The %(year)s register is closed: %(n)s entries, signed with the ward's key.", year=year,
                  n=done.entries), "success")
    return redirect(url_for("registers.entries", year=year, kind=register_kind.value))


@bp.get("/<int:year>/<kind>/closing.pdf")
def closed_register(year: int, kind: str) -> ResponseReturnValue:
    """The signed register of a closed year, as it was closed."""
    register_kind, year = _kind(kind), _year(year)
    done, data = closing.closing_pdf(db.get_session(), actor=current_actor(), store=store(), kind=register_kind,
                                     year=year)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="so-{done.register.code}-{year}-dong-so.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response

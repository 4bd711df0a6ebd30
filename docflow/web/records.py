"""Records (hồ sơ): the file plan of a year, a file's page with its documents, its cover and table of contents
for printing, "add to file" from a document's page, the appraisal list with the chairman's destruction
decisions, and the past archive transfers (the packages themselves are made by `docflow archive transfer`)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from docflow import csvexport, db, policy
from docflow.errors import N_, ConflictError, InvalidTransitionError, ValidationError
from docflow.models import Document, DocumentKind, FileStatus, User, utc_now
from docflow.services import records
from docflow.services.people import is_chairman
from docflow.web.helpers import current_actor, form_str, settings, small_int

bp = Blueprint("records", __name__, url_prefix="/records")
# What the user can act on is flashed on the page; a refusal (403) or an unknown id (404) is the error page.
FLASHED = (ValidationError, ConflictError, InvalidTransitionError)
STATUS_LABELS = {FileStatus.PLANNED: N_("Planned"), FileStatus.OPEN: N_("Open"), FileStatus.CLOSED: N_("Closed"),
                 FileStatus.DESTROYED: N_("Destroyed")}
DETAIL = {DocumentKind.INCOMING: "incoming.detail", DocumentKind.OUTGOING: "outgoing.detail",
          DocumentKind.INTERNAL: "documents.detail"}


def _today() -> date:
    return utc_now().astimezone(settings().app.zone).date()


def _year(raw: str | None) -> int:
    year = small_int(raw)
    return year if year is not None and 1900 <= year <= 9999 else _today().year


def _flash(exc: Exception) -> None:
    message = getattr(exc, "message", str(exc))
    flash(gettext(message, **getattr(exc, "params", {})), "danger")


def _retention() -> int | None:
    raw = request.form.get("retention_years", "").strip()
    if raw == "" or raw == "permanent":
        return None
    years = small_int(raw)
    if years is None:
        raise ValidationError(N_("Retention is 1 to 100 years, or permanent."), field="retention_years")
    return years


def _entry() -> records.EntryInput:
    return records.EntryInput(code=form_str("code", max_length=20), title=form_str("title", max_length=500),
                              retention_years=_retention(), responsible_id=small_int(request.form.get("responsible_id")),
                              rights=form_str("rights", max_length=100), note=form_str("note", max_length=500))


@bp.get("/")
@login_required
def plan() -> ResponseReturnValue:
    """The file plan of a year: headings, files, and the forms the user may use."""
    actor, year = current_actor(), _year(request.args.get("year"))
    session = db.get_session()
    view = records.plan_view(session, actor=actor, organisation_id=actor.organisation_id, year=year)
    return render_template("records/plan.html", view=view, year=year, may=_plan_permissions(actor),
                           departments=[d for d in actor.organisation.departments if d.is_active],
                           handlers=records.handler_choices(session, actor=actor), status_labels=STATUS_LABELS)


def _plan_permissions(actor: User) -> dict[str, Any]:
    return {"prepare": policy.may_prepare_plan(actor), "prepare_ward": policy.may_prepare_heading(actor, None),
            "approve": policy.may_approve_plan(actor), "appraisal": policy.may_read_appraisal(actor),
            "transfers": policy.may_transfer_records(actor),
            "heading": lambda department_id: policy.may_prepare_heading(actor, department_id)}


def _attempt(action: Callable[[Session], object], done: str, **params: object) -> bool:
    """Run ``action`` in one transaction; flash ``done`` (a msgid) or what the user can fix. A refusal (403)
    or an unknown id (404) is not caught: it is the error page."""
    try:
        with db.transaction() as session:
            action(session)
    except FLASHED as exc:
        _flash(exc)
        return False
    flash(gettext(done, **params), "success")
    return True


@bp.post("/plan/<int:year>/headings")
@login_required
def add_heading(year: int) -> ResponseReturnValue:
    """A heading at the end of the year's plan."""
    title, department_id = form_str("title", max_length=500), small_int(request.form.get("department_id"))
    _attempt(lambda s: records.add_heading(s, actor=current_actor(), year=year, title=title,
                                           department_id=department_id), N_("The heading has been added."))
    return redirect(url_for("records.plan", year=year))


@bp.post("/headings/<int:heading_id>/files")
@login_required
def add_entry(heading_id: int) -> ResponseReturnValue:
    """A file entry under a heading."""
    year = _year(request.form.get("year"))
    try:
        data = _entry()
    except ValidationError as exc:
        _flash(exc)
        return redirect(url_for("records.plan", year=year))
    _attempt(lambda s: records.add_file_entry(s, actor=current_actor(), heading_id=heading_id, data=data),
             N_("The file has been added to the plan."))
    return redirect(url_for("records.plan", year=year))


@bp.post("/plan/<int:year>/approve")
@login_required
def approve(year: int) -> ResponseReturnValue:
    """A leader approves the year's plan (R46)."""
    _attempt(lambda s: records.approve_plan(s, actor=current_actor(), year=year),
             N_("The file plan of %(year)s has been approved."), year=year)
    return redirect(url_for("records.plan", year=year))


@bp.post("/plan/<int:year>/copy")
@login_required
def copy(year: int) -> ResponseReturnValue:
    """Start the year's plan from another year's (headings and file entries, no documents)."""
    source = small_int(request.form.get("from_year")) or year - 1
    _attempt(lambda s: records.copy_plan(s, actor=current_actor(), from_year=source, to_year=year),
             N_("The file plan of %(year)s has been started from %(source)s."), year=year, source=source)
    return redirect(url_for("records.plan", year=year))


@bp.get("/files/<int:file_id>")
@login_required
def file(file_id: int) -> ResponseReturnValue:
    """A file: its entry, its documents in order, and the actions the user may take."""
    actor, session = current_actor(), db.get_session()
    record, rows = records.file_page(session, actor=actor, file_id=file_id, tz=settings().app.zone)
    may = {"keep": policy.may_keep_file(actor, department_id=record.heading.department_id,
                                        responsible_id=record.responsible_id),
           "edit": policy.may_prepare_heading(actor, record.heading.department_id),
           "reopen": policy.may_reopen_file(actor)}
    return render_template("records/file.html", record=record, rows=rows, may=may, detail=DETAIL,
                           headings_vi=records.CONTENTS_HEADINGS,
                           status_labels=STATUS_LABELS, handlers=records.handler_choices(session, actor=actor))


def _file_action(file_id: int, action: Any, done: str, **kwargs: Any) -> Response:
    _attempt(lambda s: action(s, actor=current_actor(), file_id=file_id, **kwargs), done)
    return redirect(url_for("records.file", file_id=file_id))


@bp.post("/files/<int:file_id>/edit")
@login_required
def edit(file_id: int) -> ResponseReturnValue:
    """Change a file entry (code, title, retention, responsible official)."""
    try:
        data = _entry()
    except ValidationError as exc:
        _flash(exc)
        return redirect(url_for("records.file", file_id=file_id))
    return _file_action(file_id, records.edit_file_entry, N_("The file has been changed."), data=data)


@bp.post("/files/<int:file_id>/open")
@login_required
def open_(file_id: int) -> ResponseReturnValue:
    """Open a planned file."""
    return _file_action(file_id, records.open_file, N_("The file has been opened."))


@bp.post("/files/<int:file_id>/close")
@login_required
def close(file_id: int) -> ResponseReturnValue:
    """Close a file: read-only afterwards."""
    return _file_action(file_id, records.close_file, N_("The file has been closed."), tz=settings().app.zone)


@bp.post("/files/<int:file_id>/reopen")
@login_required
def reopen(file_id: int) -> ResponseReturnValue:
    """A leader reopens a closed file, with a reason."""
    return _file_action(file_id, records.reopen_file, N_("The file has been reopened."),
                        reason=form_str("reason", max_length=500))


@bp.post("/files/<int:file_id>/documents/<int:document_id>/remove")
@login_required
def remove(file_id: int, document_id: int) -> ResponseReturnValue:
    """Take a document out of an open file."""
    return _file_action(file_id, records.remove_document, N_("The document has been taken out of the file."),
                        document_id=document_id)


@bp.post("/files/<int:file_id>/documents/<int:document_id>/home")
@login_required
def home(file_id: int, document_id: int) -> ResponseReturnValue:
    """Make this file the document's home file."""
    return _file_action(file_id, records.make_home, N_("This file is now the document's home file."),
                        document_id=document_id)


@bp.post("/documents/<int:document_id>/add")
@login_required
def add_document(document_id: int) -> ResponseReturnValue:
    """From a document's page: add it to an open file the user keeps, as its home or as a reference."""
    file_id = small_int(request.form.get("file_id"))
    home_choice = {"home": True, "reference": False}.get(request.form.get("home", "auto"))
    try:
        if file_id is None:
            raise ValidationError(N_("Choose an open file."), field="file_id")
        with db.transaction() as session:
            entry = records.add_document(session, actor=current_actor(), file_id=file_id, document_id=document_id,
                                         home=home_choice)
            endpoint = DETAIL[entry.document.kind]
    except FLASHED as exc:
        _flash(exc)
        document = db.get_session().get(Document, document_id)
        endpoint = DETAIL[document.kind] if document is not None else "records.plan"
    else:
        flash(gettext("The document has been added to the file."), "success")
    return redirect(url_for(endpoint, document_id=document_id, _anchor="records"))


def _printable(file_id: int) -> tuple[Any, list[records.FileRow], records.Cover]:
    actor = current_actor()
    tz = settings().app.zone
    record, rows = records.file_page(db.get_session(), actor=actor, file_id=file_id, tz=tz)
    return record, rows, records.cover(record, rows, organisation=actor.organisation.name, tz=tz)


@bp.get("/files/<int:file_id>/cover")
@login_required
def cover(file_id: int) -> ResponseReturnValue:
    """The file's cover (bìa hồ sơ) as a page to print."""
    record, _, cover_ = _printable(file_id)
    return render_template("records/cover.html", record=record, cover=cover_)


@bp.get("/files/<int:file_id>/contents")
@login_required
def contents(file_id: int) -> ResponseReturnValue:
    """The file's table of contents (mục lục văn bản) as a page to print."""
    record, rows, cover_ = _printable(file_id)
    return render_template("records/contents.html", record=record, rows=rows, cover=cover_,
                           headings=records.CONTENTS_HEADINGS)


@bp.get("/files/<int:file_id>/<any(cover, contents):part>.pdf")
@login_required
def pdf(file_id: int, part: str) -> ResponseReturnValue:
    """The cover or the table of contents as a PDF for printing."""
    record, rows, cover_ = _printable(file_id)
    if part == "cover":
        body = records.cover_pdf(cover_)
    else:
        body = records.contents_pdf(rows, organisation=cover_.organisation, year=cover_.year, code=record.code,
                                    title=record.title)
    return send_file(io.BytesIO(body), mimetype="application/pdf", as_attachment=True, max_age=0,
                     download_name=f"ho-so-{record.id}-{'bia' if part == 'cover' else 'muc-luc'}.pdf")


@bp.get("/appraisal")
@login_required
def appraisal() -> ResponseReturnValue:
    """Files whose retention has ended, the destruction decisions, and the chairman's form."""
    actor, session = current_actor(), db.get_session()
    due = records.appraisal_list(session, actor=actor, today=_today())
    return render_template("records/appraisal.html", due=due, decisions=records.decisions(session, actor=actor),
                           may_destroy=policy.may_approve_plan(actor) and is_chairman(actor), today=_today())


@bp.post("/appraisal/destroy")
@login_required
def destroy() -> ResponseReturnValue:
    """The chairman's decision destroying files whose retention has ended."""
    try:
        decided_on = date.fromisoformat(request.form.get("decided_on", "")[:10])
    except ValueError:
        flash(gettext("Give the decision's date."), "danger")
        return redirect(url_for("records.appraisal"))
    ids = [i for i in (small_int(v) for v in request.form.getlist("file_id")) if i is not None]
    data = records.DecisionInput(number=form_str("number", max_length=50), decided_on=decided_on,
                                 reason=form_str("reason", max_length=2000))
    _attempt(lambda s: records.destroy_files(s, actor=current_actor(), data=data, file_ids=ids,
                                             tz=settings().app.zone),
             N_("The decision has been recorded; the files are marked destroyed."))
    return redirect(url_for("records.appraisal"))


TRANSFER_HEADER = (N_("Year"), N_("Made at"), N_("Made by"), N_("Files"), N_("Documents"),
                   N_("Files transferred"), N_("Files left out"), N_("Manifest SHA-256"))


@bp.get("/transfers")
@login_required
def transfers() -> ResponseReturnValue:
    """The ward's archive transfer packages made so far, newest first."""
    made = records.list_transfers(db.get_session(), actor=current_actor())
    return render_template("records/transfers.html", transfers=made, tz=settings().app.zone)


@bp.get("/transfers.csv")
@login_required
def transfers_csv() -> ResponseReturnValue:
    """The same listing as CSV: the listing only, never a package."""
    zone = settings().app.zone
    rows = [(t.year, t.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), t.created_by.full_name, t.files,
             t.documents, ", ".join(t.included), ", ".join(f"{x['code']} ({x['reason']})" for x in t.left_out),
             t.manifest_sha256) for t in records.list_transfers(db.get_session(), actor=current_actor())]
    body = csvexport.csv_bytes([gettext(h) for h in TRANSFER_HEADER], rows)
    return send_file(io.BytesIO(body), mimetype="text/csv; charset=utf-8", as_attachment=True, max_age=0,
                     download_name="nop-luu-ho-so.csv")


def records_panel(document: Document) -> records.DocumentPanel:
    """For a document's page: the files it is in and the open files the user may add it to."""
    return records.document_panel(db.get_session(), actor=current_actor(), document=document)


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    return {"records_panel": records_panel}

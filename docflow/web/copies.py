"""Copies (sao y, sao lục, trích sao): the copy register with its CSV and PDF, a copy from a paper scan or
from an issued document, and a copy's file."""

from __future__ import annotations

import io

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db, policy
from docflow.errors import N_, InvalidTransitionError, SigningError, ValidationError
from docflow.models import CopyForm, utc_now
from docflow.services import copies
from docflow.services.documents import UploadedFile
from docflow.signing.base import SignatureKind
from docflow.web.downloads import file_name, named
from docflow.web.helpers import current_actor, form_str, receive_upload, settings, small_int, store

bp = Blueprint("copies", __name__, url_prefix="/copies")
FLASHED = (InvalidTransitionError, ValidationError, SigningError)
FORM_LABELS = {CopyForm.SAO_Y: N_("Sao y (true copy)"), CopyForm.SAO_LUC: N_("Sao lục (copy of a copy)"),
               CopyForm.TRICH_SAO: N_("Trích sao (extract: pages you pick)")}
PIN_MAX = 64


def _year() -> int:
    year = small_int(request.args.get("year")) or utc_now().astimezone(settings().app.zone).year
    return year if 1900 <= year <= 9999 else utc_now().year


def _request() -> copies.CopyRequest:
    try:
        form = CopyForm(request.form.get("form", ""))
    except ValueError:
        raise ValidationError(N_("Choose the form of copy."), field="form") from None
    return copies.CopyRequest(form=form, pages=form_str("pages", max_length=200), note=form_str("note", max_length=500))


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The copy register of a year, and the clerk's form to copy a paper original."""
    year = _year()
    rows = copies.copy_register(db.get_session(), actor=current_actor(), year=year, tz=settings().app.zone)
    return render_template("copies/index.html", rows=rows, year=year, forms=FORM_LABELS,
                           may_copy=policy.may_apply(current_actor(), SignatureKind.ORGANISATION_TEXT),
                           max_mb=settings().uploads.max_upload_mb)


@bp.get("/export.<fmt>")
@login_required
def export(fmt: str) -> ResponseReturnValue:
    """The copy register as CSV or as a PDF for printing; the export is audited."""
    if fmt not in ("csv", "pdf"):
        return Response(status=404)
    year = _year()
    with db.transaction() as session:
        actor = current_actor()
        rows = copies.copy_register(session, actor=actor, year=year, tz=settings().app.zone)
        copies.record_export(session, actor=actor, year=year, fmt=fmt, entries=len(rows))
        name = actor.organisation.name
    if fmt == "csv":
        body, mimetype = b"".join(copies.csv_chunks(rows)), "text/csv; charset=utf-8"
    else:
        body, mimetype = copies.pdf_bytes(rows, organisation=name, year=year), "application/pdf"
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True,
                     download_name=f"so-ban-sao-{year}.{fmt}", max_age=0)


@bp.post("/paper")
@login_required
def from_paper() -> ResponseReturnValue:
    """A copy of a paper original from the clerk's colour scan."""
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(gettext("Choose a PDF file to upload."), "danger")
        return redirect(url_for("copies.index"))
    try:
        copies.require_copier(current_actor())
        upload = receive_upload(UploadedFile(file.stream, file.filename))
        with db.transaction() as session:
            copy = copies.copy_paper_original(
                session, actor=current_actor(), settings=settings(), store=store(), upload=upload,
                original_reference=form_str("original_reference", max_length=500), request=_request(),
                pin=request.form.get("pin", "")[:PIN_MAX], max_bytes=settings().max_upload_bytes)
            number = copy.number_symbol
    except FLASHED as exc:
        flash(gettext(exc.message, **exc.params), "danger")
    else:
        flash(gettext(N_("The copy %(number)s has been made and signed."), number=number), "success")
    return redirect(url_for("copies.index"))


@bp.post("/from/<int:document_id>")
@login_required
def from_document(document_id: int) -> ResponseReturnValue:
    """A copy of a document the ward issued."""
    try:
        with db.transaction() as session:
            copy = copies.copy_issued_document(session, actor=current_actor(), settings=settings(), store=store(),
                                               document_id=document_id, request=_request(),
                                               pin=request.form.get("pin", "")[:PIN_MAX])
            number = copy.number_symbol
    except FLASHED as exc:
        flash(gettext(exc.message, **exc.params), "danger")
        return redirect(url_for("outgoing.detail", document_id=document_id, _anchor="copies"))
    flash(gettext(N_("The copy %(number)s has been made and signed."), number=number), "success")
    return redirect(url_for("copies.index"))


@bp.get("/<int:copy_id>/download")
@login_required
def download(copy_id: int) -> ResponseReturnValue:
    """A copy's signed file."""
    copy, data = copies.copy_file(db.get_session(), actor=current_actor(), copy_id=copy_id, store=store())
    name = file_name(copy.number_symbol, copy.copy_date.astimezone(settings().app.zone).date(), "ban-sao",
                     fallback=f"ban-sao-{copy.id}")
    return named(send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name,
                           etag=copy.sha256, max_age=0), name)

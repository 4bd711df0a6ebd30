"""Document list, upload, page, file view/download, metadata edit and new versions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db, policy
from docflow.errors import N_, ValidationError
from docflow.models import Confidentiality, DocumentKind, Urgency
from docflow.services.people import organisation
from docflow.services import attachments as attachment_service
from docflow.services import documents as doc_service
from docflow.services import signatures as signing_service
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.web.helpers import (
    current_actor,
    document_filters,
    form_int,
    form_str,
    parse_date,
    receive_upload,
    settings,
    small_int,
    store,
)
from docflow.web import kept
from docflow.web.downloads import document_file_name, named
from docflow.web.signing import panel_report

bp = Blueprint("documents", __name__, url_prefix="/documents")


def _enum(enum_cls: type, raw: str, field: str, default: object = None) -> object:
    if not raw:
        if default is None:
            raise ValidationError(N_("This field is required."), field=field)
        return default
    try:
        return enum_cls(raw)
    except ValueError:
        raise ValidationError(N_("Choose a value from the list."), field=field) from None


def document_input(kind: DocumentKind) -> DocumentInput:
    """The document metadata fields of the posted form (shared by the upload, edit and incoming forms)."""
    return DocumentInput(
        kind=kind,
        doc_type=form_str("doc_type", max_length=30),
        summary=form_str("summary", max_length=2000),
        department_id=form_int("department_id"),
        number_symbol=form_str("number_symbol", max_length=100),
        document_date=parse_date(form_str("document_date", max_length=20), "document_date"),
        issuing_body=form_str("issuing_body", max_length=300),
        urgency=_enum(Urgency, form_str("urgency", max_length=20), "urgency", Urgency.NORMAL),  # type: ignore[arg-type]
        confidentiality=_enum(Confidentiality, form_str("confidentiality", max_length=20), "confidentiality",
                              Confidentiality.NORMAL),  # type: ignore[arg-type]
        deadline=parse_date(form_str("deadline", max_length=20), "deadline"),
    )


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The documents the user may see, filtered, sorted and paged."""
    session = db.get_session()
    page = doc_service.list_documents(session, actor=current_actor(), filters=document_filters(request.args, max_query=100),
                                      page=small_int(request.args.get("page")) or 1,
                                      page_size=settings().uploads.page_size)
    return render_template("documents/index.html", page=page,
                           departments=organisation.list_departments(session))


def _form_context(**extra: object) -> dict[str, object]:
    return {"departments": organisation.list_departments(db.get_session()), "Urgency": Urgency,
            "Confidentiality": Confidentiality, "DocumentKind": DocumentKind,
            "max_mb": settings().uploads.max_upload_mb, **extra}


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    """Upload a PDF with its metadata."""
    actor = current_actor()
    if not policy.can_upload(actor):
        abort(403)
    if request.method == "GET":
        return render_template("documents/new.html", form={}, **_form_context())
    upload: UploadedFile | None = None
    try:
        upload = kept.posted_or_kept(actor)
        kind = _enum(DocumentKind, form_str("kind", max_length=20), "kind")
        data = document_input(kind)  # type: ignore[arg-type]
        if upload is None:
            raise ValidationError(N_("Choose a PDF file to upload."), field="file")
        with db.transaction() as s:
            document = doc_service.upload_document(
                s, actor=actor, data=data, upload=upload,
                store=store(), max_bytes=settings().max_upload_bytes)
            signing_service.keep_report_if_signed(s, settings=settings(), store=store(),
                                                  version=document.versions[-1])
    except ValidationError as exc:
        held = kept.keep(actor, upload) or (None if exc.field == "file" else kept.still_kept(actor))
        return render_template("documents/new.html", form=request.form, kept=held,
                               error=gettext(exc.message, **exc.params), error_field=exc.field,
                               **_form_context()), 400
    flash(gettext("The document has been uploaded."), "success")
    return redirect(url_for("documents.detail", document_id=document.id))


@bp.get("/<int:document_id>")
@login_required
def detail(document_id: int) -> ResponseReturnValue:
    """The document page: the PDF inline, metadata, version history and the signature panel."""
    session = db.get_session()
    actor = current_actor()
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id)
    if document.is_confidential:
        g.no_store = True
    signatures = signing_service.signatures_of(session, actor=actor, document_id=document_id)
    report = panel_report(document, signed_by_docflow=bool(signatures))
    return render_template("documents/detail.html", document=document,
                           may=policy.document_permissions(actor, document), max_mb=settings().uploads.max_upload_mb, signatures=signatures, report=report,
                           sign_kinds=signing_service.kinds_for(actor, document, signatures),
                           attachments=attachment_service.labelled(attachment_service.attachments_of(session, document)),
                           may_attach=attachment_service.can_change(session, actor, document), may_copy=False)


def _send(document_id: int, version_number: int | None, purpose: str) -> ResponseReturnValue:
    with db.transaction() as s:
        version, stream = doc_service.open_version(s, actor=current_actor(), document_id=document_id,
                                                   version_number=version_number, store=store(), purpose=purpose)
    name = document_file_name(version.document, f"v{version.number}")
    # Active content (JavaScript, launch actions, embedded files) never runs in the browser's viewer:
    # such a file is only ever a sandboxed download.
    active = bool(version.active_flags)
    # A confidential file is always sent whole: each view is one audit event, not one per byte range.
    response = send_file(stream, mimetype="application/pdf", as_attachment=active or purpose == "download",
                         download_name=name, etag=version.sha256, max_age=0,
                         conditional=not version.document.is_confidential)
    response.headers["Cache-Control"] = "private, no-store"
    named(response, name, inline=not (active or purpose == "download"))
    if active:
        response.headers["Content-Security-Policy"] = "sandbox"
    return response


@bp.get("/<int:document_id>/file")
@login_required
def view_file(document_id: int) -> ResponseReturnValue:
    """The current (or ?version=N) PDF, inline."""
    return _send(document_id, form_int("version"), "view")


@bp.get("/<int:document_id>/versions/<int:number>/download")
@login_required
def download(document_id: int, number: int) -> ResponseReturnValue:
    """Download one version as a file."""
    return _send(document_id, number, "download")


@bp.route("/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit(document_id: int) -> ResponseReturnValue:
    """Edit the metadata, refusing a stale form."""
    actor = current_actor()
    document = doc_service.get_document_for(db.get_session(), actor=actor, document_id=document_id)
    if not policy.can_edit(actor, document):
        abort(403)
    if request.method == "GET":
        return render_template("documents/edit.html", document=document, form=None, **_form_context())
    try:
        data = document_input(document.kind)
        with db.transaction() as s:
            doc_service.edit_metadata(s, actor=actor, document_id=document_id, data=data,
                                      expected_row_version=form_int("row_version", required=True) or 0)
    except ValidationError as exc:
        db.get_session().rollback()
        return render_template("documents/edit.html", document=document, form=request.form,
                               error=gettext(exc.message, **exc.params), error_field=exc.field,
                               **_form_context()), 400
    flash(gettext("The changes have been saved."), "success")
    if data.confidentiality.rank < document.confidentiality.rank:
        flash(gettext("The lowering of confidentiality awaits another leader's confirmation; the document "
                      "keeps its level until then."), "info")
    return redirect(url_for("documents.detail", document_id=document_id))


@bp.post("/<int:document_id>/versions")
@login_required
def add_version(document_id: int) -> ResponseReturnValue:
    """Upload a new version of the PDF."""
    file = request.files.get("file")
    if file is None or not file.filename:
        raise ValidationError(N_("Choose a PDF file to upload."), field="file")
    doc_service.check_can_add_version(db.get_session(), actor=current_actor(), document_id=document_id)
    upload = receive_upload(UploadedFile(file.stream, file.filename))
    with db.transaction() as s:
        version = doc_service.add_version(s, actor=current_actor(), document_id=document_id,
                                          upload=upload, store=store(),
                                          max_bytes=settings().max_upload_bytes,
                                          note=form_str("note", max_length=500),
                                          expected_row_version=form_int("row_version"))
        signing_service.keep_report_if_signed(s, settings=settings(), store=store(), version=version)
    flash(gettext("Version %(n)s has been added.", n=version.number), "success")
    return redirect(url_for("documents.detail", document_id=document_id))

"""A document's attachments and appendices: add and remove them on a draft, download them."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, flash, redirect, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db
from docflow.errors import N_, InvalidTransitionError, ValidationError
from docflow.models import Attachment, AttachmentKind, Document, User
from docflow.services import attachments as attachment_service
from docflow.services import copies as copy_service
from docflow.services import documents as doc_service
from docflow.services.documents import UploadedFile
from docflow.web.copies import FORM_LABELS as COPY_FORMS
from docflow.web.downloads import document_file_name, named
from docflow.web.helpers import current_actor, form_str, receive_upload, settings, store

bp = Blueprint("attachments", __name__, url_prefix="/documents")
FLASHED = (InvalidTransitionError, ValidationError)


def _back(document: Document | int) -> ResponseReturnValue:
    document_id = document if isinstance(document, int) else document.id
    found = db.get_session().get(Document, document_id)
    endpoint = "outgoing.detail" if found is not None and found.kind.value == "outgoing" else "documents.detail"
    return redirect(url_for(endpoint, document_id=document_id, _anchor="attachments"))


@bp.post("/<int:document_id>/attachments")
@login_required
def add(document_id: int) -> ResponseReturnValue:
    """Attach a PDF to a draft as an appendix or an attachment."""
    file = request.files.get("file")
    kind = AttachmentKind.APPENDIX if request.form.get("kind") == "appendix" else AttachmentKind.ATTACHMENT
    if file is None or not file.filename:
        flash(gettext("Choose a PDF file to upload."), "danger")
        return _back(document_id)
    try:
        doc_service.get_document_for(db.get_session(), actor=current_actor(), document_id=document_id)
        upload = receive_upload(UploadedFile(file.stream, file.filename))
        with db.transaction() as session:
            attachment_service.add_attachment(session, actor=current_actor(), document_id=document_id, kind=kind,
                                              title=form_str("title", max_length=500), upload=upload, store=store(),
                                              max_bytes=settings().max_upload_bytes)
    except FLASHED as exc:
        flash(gettext(exc.message, **exc.params), "danger")
    else:
        flash(gettext(N_("The file has been attached.")), "success")
    return _back(document_id)


@bp.post("/<int:document_id>/attachments/<int:attachment_id>/remove")
@login_required
def remove(document_id: int, attachment_id: int) -> ResponseReturnValue:
    """Remove an attachment from a draft."""
    try:
        with db.transaction() as session:
            attachment_service.get_attachment_for(session, actor=current_actor(), attachment_id=attachment_id,
                                                  document_id=document_id)
            attachment_service.remove_attachment(session, actor=current_actor(), attachment_id=attachment_id)
    except FLASHED as exc:
        flash(gettext(exc.message, **exc.params), "danger")
    else:
        flash(gettext(N_("The attachment has been removed.")), "success")
    return _back(document_id)


@bp.get("/<int:document_id>/attachments/<int:attachment_id>/download")
@login_required
def download(document_id: int, attachment_id: int) -> ResponseReturnValue:
    """The attachment's file (signed once the document is issued), with the document's access rules."""
    with db.transaction() as session:
        attachment, data = attachment_service.attachment_file(session, actor=current_actor(), store=store(),
                                                              attachment_id=attachment_id, document_id=document_id)
        name, sha256 = _name(attachment), attachment.current_sha256
    return named(send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True, download_name=name,
                           etag=sha256, max_age=0), name)


def _name(attachment: Attachment) -> str:
    """"<number>_<date>_phu-luc-<n>_<its own name>.pdf": whose attachment, and which."""
    stem = (attachment.original_filename or "").rsplit(".", 1)[0]
    return document_file_name(attachment.document, f"dinh-kem-{attachment.ordinal}", stem[:60])


def panel_context(session: Any, actor: User, document: Any) -> dict[str, Any]:
    """The attachments panel of an outgoing document's page: the list, whether the user may change it, and
    the copy form for the clerk."""
    return {"attachments": attachment_service.labelled(attachment_service.attachments_of(session, document)),
            "may_attach": attachment_service.can_change(session, actor, document),
            "may_copy": copy_service.may_copy(actor, document), "copy_forms": COPY_FORMS}

"""A document's text status (how many pages are read, how many wait for OCR): shown on the incoming and
outgoing pages through templates/documents/_text_status.html, and as JSON for that page to refresh."""

from __future__ import annotations

from flask import Blueprint, g, jsonify
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_login import login_required

from docflow import db
from docflow.models import Document
from docflow.services import documents as doc_service
from docflow.services import textindex
from docflow.services.textindex import TextStatus
from docflow.web.helpers import current_actor

bp = Blueprint("textindex", __name__, url_prefix="/documents")


@bp.app_template_global("document_text_status")
def document_text_status(document: Document) -> TextStatus | None:
    """The text status of a document the page already shows (its access was checked by the view)."""
    return textindex.text_status(db.get_session(), document) if document is not None else None


@bp.app_template_global("text_status_message")
def text_status_message(status: TextStatus) -> str:
    """One sentence: "Đã đọc chữ 10/10 trang", "Đang nhận dạng chữ (OCR): 3/10 trang", failures."""
    if status.pending:
        text = gettext("Reading the text (OCR): %(read)s/%(pages)s pages", read=status.read, pages=status.pages)
    else:
        text = gettext("Text read: %(read)s/%(pages)s pages", read=status.read, pages=status.pages)
    if status.failed:
        text += " · " + ngettext("OCR could not read %(num)s page", "OCR could not read %(num)s pages",
                                 status.failed)
    return text


@bp.get("/<int:document_id>/text-status")
@login_required
def status(document_id: int) -> ResponseReturnValue:
    """The text status as JSON (pages, read, pending, failed, complete, message)."""
    session = db.get_session()
    document = doc_service.get_document_for(session, actor=current_actor(), document_id=document_id)
    current = textindex.text_status(session, document)
    g.no_store = True   # it speaks of a document: no copy in the browser's or a proxy's cache
    return jsonify({**current.as_json(), "message": text_status_message(current)})

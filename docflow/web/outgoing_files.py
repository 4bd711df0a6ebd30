"""The outgoing files that are not a version's PDF: the draft templates (PDF and Word) and a version's Word
source, each under a name that says what it is (routes of the ``outgoing`` blueprint)."""

from __future__ import annotations

from flask import Response, request, send_file
from flask.typing import ResponseReturnValue
from flask_login import login_required

from docflow import db
from docflow.services import documents as doc_service
from docflow.services import drafting
from docflow.services import outgoing as outgoing_service
from docflow.web.downloads import named, source_file_name
from docflow.web.helpers import current_actor, store
from docflow.web.outgoing import bp, today


@bp.get("/template.pdf")
@login_required
def template() -> ResponseReturnValue:
    """A draft template: the Decree 30 header, the number and date fields and the signer's place."""
    actor = current_actor()
    details = outgoing_service.DraftDetails(body_code=actor.organisation.code,
                                            unit=actor.department.code if actor.department else "")
    data = outgoing_service.draft_template_pdf(organisation_name=actor.organisation.name,
                                               doc_type=request.args.get("doc_type", "")[:30],
                                               summary=request.args.get("summary", "")[:300], details=details)
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="du-thao-mau.pdf"',
                             "Cache-Control": "private, no-store"})


@bp.get("/templates/<doc_type>.docx")
@login_required
def word_template(doc_type: str) -> ResponseReturnValue:
    """A Decree 30 drafting template (.docx) of one type, for the ward and the drafter's unit."""
    data = drafting.drafting_template(actor=current_actor(), doc_type=doc_type[:30], today=today())
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": f'attachment; filename="mau-{doc_type[:30]}.docx"',
                             "Cache-Control": "private, no-store"})


@bp.get("/<int:document_id>/versions/<int:number>/source")
@login_required
def download_source(document_id: int, number: int) -> ResponseReturnValue:
    """The Word source (.docx / .odt) a version was converted from, for whoever may see the document."""
    with db.transaction() as s:
        source, stream = drafting.open_source(s, actor=current_actor(), document_id=document_id,
                                              version_number=number, store=store())
        name = source_file_name(doc_service.get_document(s, document_id), number, source.original_filename)
    response = named(send_file(stream, mimetype=source.media_type, as_attachment=True, download_name=name,
                               etag=source.sha256, max_age=0, conditional=False), name)
    response.headers["Cache-Control"] = "private, no-store"
    return response

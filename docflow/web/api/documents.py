"""/api/v1/documents: the list (filters as on the screen, pages), one document, its versions and a version's PDF."""

from __future__ import annotations

from flask import Response, jsonify, request, send_file
from flask.typing import ResponseReturnValue

from docflow import db
from docflow.services import documents as doc_service
from docflow.web.api import serialise
from docflow.web.api.base import actor, audited_transaction, bp, scope
from docflow.web.downloads import document_file_name, named
from docflow.web.helpers import document_filters, small_int, store

MAX_PAGE_SIZE = 100


def page_args() -> tuple[int, int]:
    """``page`` (from 1) and ``page_size`` (1 to 100, default 20) of the query string; bad values take defaults."""
    size = small_int(request.args.get("page_size")) or 20
    return small_int(request.args.get("page")) or 1, max(1, min(size, MAX_PAGE_SIZE))


@bp.get("/documents")
@scope("documents:read")
def documents() -> ResponseReturnValue:
    """The documents the client's user may see, filtered, sorted and paged."""
    page, size = page_args()
    found = doc_service.list_documents(db.get_session(), actor=actor(),
                                       filters=document_filters(request.args, max_query=100), page=page,
                                       page_size=size)
    return jsonify({"items": [serialise.document(d) for d in found.items], "total": found.total,
                    "more": found.more, "page": found.page, "page_size": found.page_size, "pages": found.pages})


@bp.get("/documents/<int:document_id>")
@scope("documents:read")
def document(document_id: int) -> ResponseReturnValue:
    """One document's metadata, with its versions."""
    found = doc_service.get_document_for(db.get_session(), actor=actor(), document_id=document_id)
    return jsonify({**serialise.document(found), "versions": [serialise.version(v) for v in found.versions]})


@bp.get("/documents/<int:document_id>/versions")
@scope("documents:read")
def versions(document_id: int) -> ResponseReturnValue:
    """A document's versions, oldest first."""
    found = doc_service.get_document_for(db.get_session(), actor=actor(), document_id=document_id)
    return jsonify({"items": [serialise.version(v) for v in found.versions]})


@bp.get("/documents/<int:document_id>/versions/<int:number>/file")
@scope("documents:read")
def version_file(document_id: int, number: int) -> ResponseReturnValue:
    """A version's PDF (a confidential document's download is audited as on the screen)."""
    with audited_transaction(200) as session:
        item, stream = doc_service.open_version(session, actor=actor(), document_id=document_id,
                                                version_number=number, store=store(), purpose="download")
    name = document_file_name(item.document, f"v{item.number}")
    response: Response = send_file(stream, mimetype="application/pdf", as_attachment=True, download_name=name,
                                   etag=item.sha256, max_age=0, conditional=False)
    return named(response, name)

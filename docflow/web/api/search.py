"""/api/v1/search: the full-text search of the documents the client's user may view, with the list's filters."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from docflow import db
from docflow.services import search as search_service
from docflow.web.api import serialise
from docflow.web.api.base import actor, bp, scope
from docflow.web.api.documents import page_args
from docflow.web.helpers import document_filters


@bp.get("/search")
@scope("search")
def search() -> ResponseReturnValue:
    """Ranked hits for ``q`` (every term), each with its best snippet; an empty ``q`` finds nothing."""
    page, size = page_args()
    found = search_service.search_documents(db.get_session(), actor=actor(),
                                            filters=document_filters(request.args, max_query=search_service.MAX_QUERY),
                                            page=page, page_size=size)
    return jsonify({"items": [serialise.hit(h) for h in found.hits], "total": found.total, "more": found.more,
                    "page": found.page, "page_size": found.page_size})

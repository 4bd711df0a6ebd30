"""/api/v1/outgoing/<id> (an outgoing document's state, number and recipients) and /api/v1/exchange/<id>
(its external recipients: sent when the transport confirmed delivery, and for an exchange partner the last
status it sent back)."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from docflow import db
from docflow.errors import N_, NotFoundError
from docflow.models import Document, DocumentKind
from docflow.services import documents as doc_service
from docflow.services import outgoing as outgoing_service
from docflow.services.exchange.delivery import deliveries_by_recipient
from docflow.web.api import serialise
from docflow.web.api.base import actor, bp, scope


def _outgoing(document_id: int) -> Document:
    document = doc_service.get_document_for(db.get_session(), actor=actor(), document_id=document_id)
    if document.kind is not DocumentKind.OUTGOING:
        raise NotFoundError(N_("This is not an outgoing document."))
    return document


@bp.get("/outgoing/<int:document_id>")
@scope("outgoing:read")
def outgoing_status(document_id: int) -> ResponseReturnValue:
    """A draft's or an issued document's state, number, signer and recipients with their sent status."""
    document = _outgoing(document_id)
    recipients = outgoing_service.recipients_of(db.get_session(), document.id)
    deliveries = deliveries_by_recipient(db.get_session(), document.id)
    return jsonify({"id": document.id, "status": document.status.value, "number_symbol": document.number_symbol,
                    "register_number": document.register_number, "issued_at": serialise.iso(document.issued_at),
                    "recalled_at": serialise.iso(document.recalled_at),
                    "signer": document.signer.full_name if document.signer else None,
                    "recipients": [serialise.recipient(r, deliveries.get(r.id)) for r in recipients]})


@bp.get("/exchange/<int:document_id>/recipients")
@scope("exchange:read")
def exchange_status(document_id: int) -> ResponseReturnValue:
    """The external recipients of an outgoing document and where each one's copy stands."""
    document = _outgoing(document_id)
    recipients = [r for r in outgoing_service.recipients_of(db.get_session(), document.id) if r.department_id is None]
    deliveries = deliveries_by_recipient(db.get_session(), document.id)
    return jsonify({"document_id": document.id,
                    "items": [serialise.recipient(r, deliveries.get(r.id)) for r in recipients]})

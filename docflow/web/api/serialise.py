"""Rows as the API's JSON: snake_case keys, ISO dates and times, enum values; the same keys on every call."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from docflow.models import Document, DocumentVersion, ExchangeDelivery, Recipient
from docflow.services.registers import RegisterEntry
from docflow.services.search import Hit, plain


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def document(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id, "kind": doc.kind.value, "doc_type": doc.doc_type, "number_symbol": doc.number_symbol,
        "document_date": iso(doc.document_date), "issuing_body": doc.issuing_body, "summary": doc.summary,
        "urgency": doc.urgency.value, "confidentiality": doc.confidentiality.value, "status": doc.status.value,
        "deadline": iso(doc.deadline), "department_id": doc.department_id,
        "department": doc.department.name if doc.department else None,
        "register_number": doc.register_number, "received_at": iso(doc.received_at),
        "issued_at": iso(doc.issued_at), "recalled_at": iso(doc.recalled_at), "created_at": iso(doc.created_at),
    }


def version(item: DocumentVersion) -> dict[str, Any]:
    return {"number": item.number, "sha256": item.sha256, "size": item.size, "page_count": item.page_count,
            "kind": item.kind, "note": item.note, "original_filename": item.original_filename,
            "created_at": iso(item.created_at), "author": item.author_name}


def recipient(item: Recipient, delivery: ExchangeDelivery | None = None) -> dict[str, Any]:
    """``delivery``: the partner's side of an external recipient reached by edXML exchange (None: not a partner,
    so nothing is transmitted and ``exchange`` is null)."""
    return {"id": item.id, "department_id": item.department_id,
            "name": item.department.name if item.department else item.external_name,
            "external": item.department_id is None, "sent_at": iso(item.sent_at),
            "status": "sent" if item.sent_at is not None else "pending",
            "delivered_document_id": item.delivered_document_id,
            "exchange": None if delivery is None else {
                "partner_organ_id": delivery.partner_organ_id, "document_ref": delivery.document_ref,
                "status_code": delivery.status_code or None, "status_at": iso(delivery.status_at),
                "description": delivery.description}}


def entry(item: RegisterEntry) -> dict[str, Any]:
    return {"document_id": item.document_id, "number": item.number, "series": item.series,
            "doc_type": item.doc_type, "summary": item.summary, "masked": item.masked,
            "number_symbol": item.number_symbol, "document_date": iso(item.document_date),
            "issuing_body": item.issuing_body, "received_on": iso(item.received_on), "issued_on": iso(item.issued_on),
            "urgency": item.urgency.value, "confidentiality": item.confidentiality.value,
            "status": item.status.value, "deadline": iso(item.deadline), "department": item.department,
            "signer": item.signer, "recipients": list(item.recipients), "progress": item.progress.value}


def hit(item: Hit) -> dict[str, Any]:
    return {"document": document(item.document), "page": item.page, "where": item.where.kind,
            "snippet": plain(item.snippet), "matches": [text for text, marked in item.snippet if marked]}

"""The rows of an exported result list (CSV or XLSX; the writers neutralise formulas)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from docflow.models import User
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.documents import DocumentFilters
from docflow.services.search.saved import filters_dict
from docflow.services.search.searching import Hit, search_all
from docflow.services.search.snippets import plain

EXPORT_HEADER = ("Số, ký hiệu", "Ngày văn bản", "Loại", "Trích yếu", "Cơ quan ban hành", "Trang", "Đoạn trích",
                 "Mã văn bản")


def export_rows(hits: list[Hit]) -> list[tuple[object, ...]]:
    """One row per hit, in rank order, the snippet as plain text."""
    return [(h.document.number_symbol or "", h.document.document_date.isoformat() if h.document.document_date
             else "", h.document.doc_type, h.document.summary, h.document.issuing_body,
             h.page or "", plain(h.snippet), h.document.id) for h in hits]


def export_results(session: Session, *, actor: User, filters: DocumentFilters) -> list[tuple[object, ...]]:
    """The rows of the whole result list (what ``actor`` may view only). Reads only: the caller records the
    export (record_export) in a short transaction of its own, not one held while the search runs."""
    return export_rows(search_all(session, actor=actor, filters=filters))


def record_export(session: Session, *, actor: User, filters: DocumentFilters, fmt: str, number: int,
                  now: datetime | None = None) -> None:
    """Audit an exported result list (SEARCH_EXPORTED: the query, the filters, the format and how many
    documents): a result list leaves the system only on the record, as a register does. Flushes."""
    audit.record(session, action=AuditAction.SEARCH_EXPORTED, actor=actor, object_type="search", now=now,
                 details={"query": filters.q.strip(), "filters": filters_dict(filters), "format": fmt,
                          "number": number})

"""The rows of an exported result list (CSV or XLSX; the writers neutralise formulas)."""

from __future__ import annotations

from docflow.services.search.searching import Hit
from docflow.services.search.snippets import plain

EXPORT_HEADER = ("Số, ký hiệu", "Ngày văn bản", "Loại", "Trích yếu", "Cơ quan ban hành", "Trang", "Đoạn trích",
                 "Mã văn bản")


def export_rows(hits: list[Hit]) -> list[tuple[object, ...]]:
    """One row per hit, in rank order, the snippet as plain text."""
    return [(h.document.number_symbol or "", h.document.document_date.isoformat() if h.document.document_date
             else "", h.document.doc_type, h.document.summary, h.document.issuing_body,
             h.page or "", plain(h.snippet), h.document.id) for h in hits]

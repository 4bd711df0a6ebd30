"""Copies of documents (sao y, sao lục, trích sao) and the copy register (Decree 30: R15, R45)."""

from docflow.services.copies.making import (
    ABBREVIATION,
    FORM_LINE,
    CopyRequest,
    copy_issued_document,
    copy_paper_original,
    copy_symbol,
    may_copy,
    require_copier,
)
from docflow.services.copies.pages import check_scan, pages_label, parse_pages
from docflow.services.copies.register import (
    TITLE,
    CopyRow,
    copy_file,
    copy_register,
    csv_chunks,
    pdf_bytes,
    record_export,
    require_reader,
)

__all__ = ["ABBREVIATION", "FORM_LINE", "TITLE", "CopyRequest", "CopyRow", "check_scan", "copy_file",
           "copy_issued_document", "copy_paper_original", "copy_register", "copy_symbol", "csv_chunks", "may_copy",
           "pages_label", "parse_pages", "pdf_bytes", "record_export", "require_copier", "require_reader"]

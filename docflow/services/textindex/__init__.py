"""The searchable text of documents: each page's text layer read when a version is uploaded, and OCR for
pages without one (services/search answers queries from what is stored here)."""

from docflow.services.textindex.pages import store_page_text

__all__ = ["store_page_text"]

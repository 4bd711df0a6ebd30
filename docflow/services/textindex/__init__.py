"""The searchable text of documents: each page's text layer read when a version is uploaded, and OCR for
pages without one (services/search answers queries from what is stored here)."""

from docflow.services.textindex.indexing import copy_page_texts, index_version
from docflow.services.textindex.pages import store_page_text, store_page_texts
from docflow.services.textindex.reindex import documents_without_text, reindex_document
from docflow.services.textindex.status import TextStatus, text_status
from docflow.services.textindex.tasks import cancel_tasks, claim_next, complete_task, fail_task, queue_pages
from docflow.services.textindex.worker import OcrWorker, ocr_options, run_pending, work_one, worker_name

__all__ = ["OcrWorker", "TextStatus", "cancel_tasks", "claim_next", "complete_task", "copy_page_texts",
           "documents_without_text", "fail_task", "index_version", "ocr_options", "queue_pages", "reindex_document",
           "run_pending", "store_page_text", "store_page_texts", "text_status", "work_one", "worker_name"]

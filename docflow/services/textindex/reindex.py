"""(Re)building page_texts for documents that are already stored: documents from before the text index, or
any whose text should be read again (`docflow text reindex`, and the demo ward after it is seeded)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from docflow.errors import ValidationError
from docflow.models import Document, DocumentVersion, OcrTask, PageText
from docflow.pdfcheck import ParseLimits, check_pdf
from docflow.services.textindex.indexing import index_version
from docflow.storage import DocumentStore


def reindex_document(session: Session, *, document: Document, store: DocumentStore,
                     limits: ParseLimits = ParseLimits(), now: datetime | None = None) -> list[int]:
    """Read the text layer of ``document``'s current version again (in the upload check's limited child)
    and index it; the pages queued for OCR are returned. A file that no longer passes the check, or is
    missing from the store, is queued whole for OCR, which records why it cannot be read. Flushes."""
    version = document.current_version
    if version is None:
        return []
    texts = None
    if store.exists(version.sha256):
        try:
            texts = check_pdf(store.path_for(version.sha256), limits, read_text=True).page_texts
        except ValidationError:
            texts = None
    return index_version(session, version=version, texts=texts, now=now)


def documents_without_text(session: Session, *, organisation_id: int | None = None) -> list[int]:
    """The documents with a file but neither page texts nor OCR tasks: never indexed."""
    query = (select(Document.id)
             .where(exists().where(DocumentVersion.document_id == Document.id),
                    ~exists().where(PageText.document_id == Document.id),
                    ~exists().where(OcrTask.document_id == Document.id))
             .order_by(Document.id))
    if organisation_id is not None:
        query = query.where(Document.organisation_id == organisation_id)
    return list(session.execute(query).scalars())

"""How far a document's text has been read: pages with their text, pages waiting for OCR, pages OCR could not
read (with the reason). Shown on the incoming and outgoing pages, and polled as JSON while OCR runs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.models import Document, OcrStatus, OcrTask, PageText
from docflow.services.textindex.tasks import OPEN


@dataclass(frozen=True)
class TextStatus:
    pages: int                 # pages of the document's current version
    read: int                  # pages whose text is stored and final (text layer, or OCR done)
    pending: int               # pages queued for OCR or being read
    failed: int                # pages OCR gave up on
    errors: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.pending == 0

    def as_json(self) -> dict[str, object]:
        return {"pages": self.pages, "read": self.read, "pending": self.pending, "failed": self.failed,
                "complete": self.complete}


def text_status(session: Session, document: Document) -> TextStatus:
    """The text status of ``document`` (whose access the caller has checked)."""
    version = document.current_version
    pages = (version.page_count or 0) if version is not None else 0
    stored = set(session.execute(select(PageText.page_no).where(PageText.document_id == document.id,
                                                                PageText.page_no <= pages)).scalars())
    tasks = session.execute(select(OcrTask.page_no, OcrTask.status, OcrTask.error)
                            .where(OcrTask.document_id == document.id,
                                   OcrTask.status.in_((*OPEN, OcrStatus.FAILED)))).all()
    pending = {t.page_no for t in tasks if t.status in OPEN}
    failed = {t.page_no for t in tasks if t.status is OcrStatus.FAILED} - pending
    errors = tuple(sorted({t.error for t in tasks if t.status is OcrStatus.FAILED and t.error}))
    return TextStatus(pages=pages, read=len(stored - pending - failed), pending=len(pending), failed=len(failed),
                      errors=errors)

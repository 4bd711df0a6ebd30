"""A version with content of its own replaces its document's page texts: each page's text layer is stored at
once, and the pages without a usable one are queued for OCR (the older version's queued pages are cancelled).
A version that only adds a signature or a stamp (services/signatures, outgoing/numberfields) keeps the rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from docflow.models import DocumentVersion, PageText, TextSource, search_texts_rebuilt_once, utc_now
from docflow.ocr import has_usable_text
from docflow.services.textindex.pages import store_page_text
from docflow.services.textindex.tasks import cancel_tasks, queue_pages


def index_version(session: Session, *, version: DocumentVersion, texts: Sequence[str | None] | None,
                  now: datetime | None = None) -> list[int]:
    """``version``'s pages become its document's searchable text: ``texts`` holds each page's text layer
    (None for a page, or for the whole file, that could not be read). Pages past the version's last are dropped; the pages whose text is
    not usable are queued for OCR, and their page numbers returned. Flushes."""
    now = now or utc_now()
    pages = version.page_count or (len(texts) if texts is not None else 0)
    cancel_tasks(session, document_id=version.document_id, now=now)
    session.execute(delete(PageText).where(PageText.document_id == version.document_id,
                                           PageText.page_no > (pages if texts is not None else 0)))
    to_read: list[int] = []
    with search_texts_rebuilt_once(session, [version.document_id]):     # the deleted pages' too
        for page_no in range(1, pages + 1):
            text = texts[page_no - 1] if texts is not None and page_no <= len(texts) else None
            if text is not None:
                # Even a scrap (a page number) is kept until OCR reads the page: nothing is lost if OCR fails.
                store_page_text(session, version=version, page_no=page_no, text=text, source=TextSource.LAYER,
                                now=now)
            if text is None or not has_usable_text(text):
                to_read.append(page_no)
    queue_pages(session, version=version, pages=to_read, now=now)
    session.flush()
    return to_read


def copy_page_texts(session: Session, *, source_document_id: int, version: DocumentVersion,
                    now: datetime | None = None) -> None:
    """``version`` (a copy delivered for information) has the same file as ``source_document_id``'s current
    one: its document gets the same page texts, and its own OCR for the pages the source has not read yet.
    Flushes."""
    now = now or utc_now()
    rows = session.execute(select(PageText).where(PageText.document_id == source_document_id)
                           .order_by(PageText.page_no)).scalars().all()
    read = {row.page_no for row in rows}
    with search_texts_rebuilt_once(session):
        for row in rows:
            store_page_text(session, version=version, page_no=row.page_no, text=row.body, source=row.source,
                            now=now)
    queue_pages(session, version=version, pages=[p for p in range(1, (version.page_count or 0) + 1)
                                                 if p not in read], now=now)

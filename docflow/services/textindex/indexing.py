"""A version with content of its own replaces its document's page texts: each page's text layer is stored at
once, and the pages without a usable one are queued for OCR (the older version's queued pages are cancelled).
A version that only adds a signature or a stamp (services/signatures, outgoing/numberfields) keeps the rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from docflow.models import DocumentVersion, PageText, TextSource, refresh_document_texts, utc_now
from docflow.ocr import has_usable_text
from docflow.services.textindex.pages import store_page_texts
from docflow.services.textindex.tasks import cancel_tasks, queue_pages


def index_version(session: Session, *, version: DocumentVersion, texts: Sequence[str | None] | None,
                  now: datetime | None = None) -> list[int]:
    """``version``'s pages become its document's searchable text: ``texts`` holds each page's text layer
    (None for a page, or for the whole file, that could not be read). Pages past the version's last are dropped; the pages whose text is
    not usable are queued for OCR, and their page numbers returned. Flushes."""
    now = now or utc_now()
    pages = version.page_count or (len(texts) if texts is not None else 0)
    cancel_tasks(session, document_id=version.document_id, now=now)
    dropped = cast(CursorResult[Any], session.execute(
        delete(PageText).where(PageText.document_id == version.document_id,
                               PageText.page_no > (pages if texts is not None else 0))))
    if dropped.rowcount:
        # A bulk delete is not seen by the rebuild after each flush: the dropped pages leave the row here.
        refresh_document_texts(session.connection(), {version.document_id})
    to_read: list[int] = []
    layer: list[tuple[int, str, TextSource]] = []
    for page_no in range(1, pages + 1):
        text = texts[page_no - 1] if texts is not None and page_no <= len(texts) else None
        if text is not None:
            # Even a scrap (a page number) is kept until OCR reads the page: nothing is lost if OCR fails.
            layer.append((page_no, text, TextSource.LAYER))
        if text is None or not has_usable_text(text):
            to_read.append(page_no)
    if layer:
        store_page_texts(session, version=version, pages=layer, now=now)
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
    if rows:
        store_page_texts(session, version=version, pages=[(row.page_no, row.body, row.source) for row in rows],
                         now=now)
    queue_pages(session, version=version, pages=[p for p in range(1, (version.page_count or 0) + 1)
                                                 if p not in read], now=now)

"""Store pages' text in page_texts: the one write path for the text layer and for OCR."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import textsearch
from docflow.models import DocumentVersion, PageText, TextSource, utc_now


def store_page_text(session: Session, *, version: DocumentVersion, page_no: int, text: str, source: TextSource,
                    now: datetime | None = None) -> PageText:
    """Page ``page_no`` (1-based) of ``version``'s document now reads ``text``: the row is created or replaced.

    The text is kept NFC-normalised as read, and folded for accent-blind search. Flushes."""
    [row] = store_page_texts(session, version=version, pages=[(page_no, text, source)], now=now)
    return row


def store_page_texts(session: Session, *, version: DocumentVersion, pages: Iterable[tuple[int, str, TextSource]],
                     now: datetime | None = None) -> list[PageText]:
    """store_page_text for many pages of one document, each ``(page_no, text, source)``: the rows already
    there are read in one query and everything is written in one flush, so the document's search row is
    rebuilt once (models/searchtext.py), not once a page. Flushes."""
    pages = list(pages)
    now = now or utc_now()
    existing = {row.page_no: row for row in session.execute(
        select(PageText).where(PageText.document_id == version.document_id,
                               PageText.page_no.in_([page_no for page_no, _, _ in pages]))).scalars()}
    rows: list[PageText] = []
    for page_no, text, source in pages:
        row = existing.get(page_no)
        if row is None:
            row = existing[page_no] = PageText(organisation_id=version.document.organisation_id,
                                               document_id=version.document_id, page_no=page_no)
            session.add(row)
        body = unicodedata.normalize("NFC", text)
        row.version_id = version.id
        row.source = source
        row.body = body
        row.folded = textsearch.fold(body)
        row.created_at = now
        rows.append(row)
    session.flush()
    return rows

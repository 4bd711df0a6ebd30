"""Store one page's text in page_texts: the one write path for the text layer and for OCR."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import textsearch
from docflow.models import DocumentVersion, PageText, TextSource, utc_now


def store_page_text(session: Session, *, version: DocumentVersion, page_no: int, text: str, source: TextSource,
                    now: datetime | None = None) -> PageText:
    """Page ``page_no`` (1-based) of ``version``'s document now reads ``text``: the row is created or replaced.

    The text is kept NFC-normalised as read, and folded for accent-blind search. Flushes."""
    body = unicodedata.normalize("NFC", text)
    row = session.execute(select(PageText).where(PageText.document_id == version.document_id,
                                                 PageText.page_no == page_no)).scalar_one_or_none()
    if row is None:
        row = PageText(organisation_id=version.document.organisation_id, document_id=version.document_id,
                       page_no=page_no)
        session.add(row)
    row.version_id = version.id
    row.source = source
    row.body = body
    row.folded = textsearch.fold(body)
    row.created_at = now or utc_now()
    session.flush()
    return row

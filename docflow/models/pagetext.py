"""The searchable text of a document, one row per page: read from the PDF's text layer when a version is
uploaded, or recognised by OCR (Tesseract, Vietnamese) in the background for a page that has none.

One set of pages per document: the pages of the newest version whose content is its own (a signature adds a
version whose pages read the same, and keeps the rows). ``body`` is the text as read (NFC), for exact quoted
phrases and snippets; ``folded`` is textsearch.fold(body), for accent- and case-blind words."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from docflow.models.base import Base, str_enum, utc_now


class TextSource(enum.StrEnum):
    LAYER = "layer"   # the PDF's own text layer
    OCR = "ocr"       # recognised by Tesseract from the rendered page


class PageText(Base):
    __tablename__ = "page_texts"
    __table_args__ = (UniqueConstraint("document_id", "page_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    page_no: Mapped[int]                      # 1-based
    source: Mapped[TextSource] = mapped_column(str_enum(TextSource))
    body: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

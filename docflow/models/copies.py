"""Copies (bản sao) the ward makes: sao y, sao lục, trích sao, numbered in one series a year (Decree 30: R15,
R45). A copy is a file of its own that refers to its original; it is not a document of the registers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docflow.models.base import Base, str_enum, utc_now
from docflow.models.documents import Document
from docflow.models.users import User


class CopyForm(enum.StrEnum):
    """The form of copy; Annex III abbreviates them SY, SL and TrS."""
    SAO_Y = "sao_y"
    SAO_LUC = "sao_luc"
    TRICH_SAO = "trich_sao"


class CopySource(enum.StrEnum):
    ELECTRONIC = "electronic"   # from a document the ward issued in docflow
    PAPER = "paper"             # from a paper document, scanned by the clerk


class DocumentCopy(Base):
    """A copy: its number in the year's one copy series, the original it copies (a document of the ward, or
    a paper original described by ``original_reference``), the pages a trích sao takes, and the files: the
    copy before and after the organisation's text signature."""
    __tablename__ = "document_copies"
    __table_args__ = (UniqueConstraint("organisation_id", "year", "number"),
                      Index("ix_document_copies_original", "original_document_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int]
    number: Mapped[int]
    number_symbol: Mapped[str] = mapped_column(String(100))   # "05/SY-UBND"
    form: Mapped[CopyForm] = mapped_column(str_enum(CopyForm))
    source: Mapped[CopySource] = mapped_column(str_enum(CopySource))
    original_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    original_reference: Mapped[str] = mapped_column(String(500))   # "15/QĐ-UBND ngày 05/12/2026, UBND ..."
    pages: Mapped[str] = mapped_column(String(200), default="", server_default="")   # "1, 3-4"; "" all
    copying_body: Mapped[str] = mapped_column(String(300))
    copy_date: Mapped[datetime] = mapped_column(default=utc_now)
    original_filename: Mapped[str | None] = mapped_column(String(255))
    source_sha256: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    page_count: Mapped[int]
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"))
    level: Mapped[str] = mapped_column(String(8))
    made_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")

    original: Mapped[Document | None] = relationship()
    made_by: Mapped[User] = relationship()

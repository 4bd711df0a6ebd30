"""Documents brought in from a ward's previous system (`docflow import`, issue 14 §4): one row per imported
document, keyed by what the previous system called it, so a second run of the same folder recognises every row
and changes nothing, and the signatures found at import stay on record beside the document."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docflow.models.base import Base, utc_now
from docflow.models.documents import Document


class ImportedDocument(Base):
    """An imported document: its key in the previous system (kind, register series, year, number, symbol), the
    SHA-256 of the PDF it came with, the signer's name as the previous system wrote it (the signer may not be a
    docflow user), and what verifying its signatures found at import: ``signatures`` is "valid", "invalid",
    "unsigned" or "unreadable", ``signature_problem`` the first reason when not valid."""

    __tablename__ = "imported_documents"
    __table_args__ = (UniqueConstraint("organisation_id", "kind", "register", "year", "number", "symbol",
                                       name="uq_imported_documents_key"),
                      UniqueConstraint("document_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    kind: Mapped[str] = mapped_column(String(20))
    register: Mapped[str] = mapped_column(String(20))       # the series code; "" the register's default series
    year: Mapped[int]
    number: Mapped[int]                                     # số đến (incoming), số (outgoing, internal)
    symbol: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(255))
    signer_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    signatures: Mapped[str] = mapped_column(String(20))
    signature_problem: Mapped[str] = mapped_column(String(500), default="", server_default="")
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utc_now)

    document: Mapped[Document] = relationship()

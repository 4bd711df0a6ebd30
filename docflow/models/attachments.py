"""Attachments and appendices kept as files of their own beside a document (Decree 30, Annex I: R29, R30)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docflow.models.base import Base, str_enum, utc_now
from docflow.models.documents import Document
from docflow.models.users import User


class AttachmentKind(enum.StrEnum):
    ATTACHMENT = "attachment"   # tài liệu kèm theo
    APPENDIX = "appendix"       # phụ lục


class Attachment(Base):
    """One attached PDF: its place among the document's files (``ordinal`` per kind, from 1), the stored
    file's SHA-256, and once the clerk has issued the document, the organisation's text signature on it
    (which issue step, the certificate, the SHA-256 of the signed file)."""
    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("document_id", "kind", "ordinal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(str_enum(AttachmentKind))
    ordinal: Mapped[int]
    title: Mapped[str] = mapped_column(String(500))
    original_filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    page_count: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    signed_sha256: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("routing_steps.id"))
    level: Mapped[str] = mapped_column(String(8), default="", server_default="")

    document: Mapped[Document] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    @property
    def current_sha256(self) -> str:
        """The file as it stands: signed once the document is issued."""
        return self.signed_sha256 or self.sha256

"""The word-processing source of a version: a draft uploaded as .docx / .odt is converted to PDF/A-2b, and
the file the drafter wrote is kept beside the PDF as part of that version (content-addressed like every
blob), so the next drafter edits the text rather than the PDF."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docflow.models.base import Base, utc_now
from docflow.models.documents import DocumentVersion


class VersionSource(Base):
    __tablename__ = "version_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    original_filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    # how long LibreOffice took, kept to see what conversions cost the server
    conversion_ms: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    version: Mapped[DocumentVersion] = relationship()

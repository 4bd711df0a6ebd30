"""The public verification code of an outgoing document (issue 15 §2): printed in its footer with a QR code,
it opens the document's public page. At least 80 bits from ``secrets``, so a code cannot be guessed; a
confidential document never gets one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docflow.models.base import Base, utc_now
from docflow.models.documents import Document


class PublicCode(Base):
    __tablename__ = "public_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    # 16 characters of Crockford's base32 (80 bits), upper case, without the dashes it is shown with
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    document: Mapped[Document] = relationship()

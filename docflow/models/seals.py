"""The ward's seal image (Decree 30, Annex I: the organisation's signature shows the red seal at its real
size): one row per upload or change of diameter; the latest row of an organisation is its seal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from docflow.models.base import Base, utc_now


class SealImage(Base):
    """A transparent PNG of the seal, kept in the store under its SHA-256, and its diameter in mm."""
    __tablename__ = "seal_images"
    __table_args__ = (Index("ix_seal_images_organisation_id_id", "organisation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    diameter_mm: Mapped[float] = mapped_column(Float, default=35.0)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utc_now)

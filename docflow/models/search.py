"""A user's saved searches (Decree 30, Annex VI.III.6, R53: save a query and reuse it). A saved search
belongs to one user of one ward and is shown to nobody else."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from docflow.models.base import Base, utc_now


class SavedSearch(Base):
    __tablename__ = "saved_searches"
    __table_args__ = (Index("ix_saved_searches_user", "user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(String(500))
    filters_json: Mapped[str] = mapped_column(Text, default="{}")   # kind, type, status, department, dates
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

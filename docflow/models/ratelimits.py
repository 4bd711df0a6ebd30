"""Counted requests per caller and purpose (a public page, an API client), in fixed windows. Kept in the
database so that every app process counts the same hits (issue 16: nothing another process needs lives in
process memory)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from docflow.models.base import Base, utc_now


class RateLimit(Base):
    __tablename__ = "rate_limits"
    __table_args__ = (UniqueConstraint("organisation_id", "bucket", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    bucket: Mapped[str] = mapped_column(String(40))    # what is limited: "public.verify", "api.client", ...
    # A digest of the caller (an address, a token): the table must not become a list of visitors.
    key: Mapped[str] = mapped_column(String(64))
    window_start: Mapped[datetime] = mapped_column(default=utc_now)
    hits: Mapped[int] = mapped_column(default=0)

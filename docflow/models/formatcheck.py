"""The Annex I format check's rows: the ward's policy (which findings block signing, which only warn) and the
latest result kept per version, so the clerk's format review shows it without reading the PDF again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from docflow.models.base import Base, utc_now


class FormatCheckSetting(Base):
    """One check's level in one ward: ``is_blocking`` True refuses review and signing, False only warns. A
    code without a row keeps docflow's default (docflow.formatcheck.BLOCKING_BY_DEFAULT)."""
    __tablename__ = "format_check_settings"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    is_blocking: Mapped[bool]
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class FormatCheckResult(Base):
    """The findings of the check on one version (``findings``: Finding.to_dict() each), made by checker
    ``checker`` (a newer checker reads the version again)."""
    __tablename__ = "format_check_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), unique=True)
    checker: Mapped[str] = mapped_column(String(20))
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    checked_at: Mapped[datetime] = mapped_column(default=utc_now)

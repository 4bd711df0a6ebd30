"""Runs of the B-LTA renewal of the ward's issued versions (issue 14 §2), each with its report, kept so the
auditor and the administrator can read what was renewed, what was not due and what failed, and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docflow.models.base import Base, utc_now
from docflow.models.users import User


class RenewalRun(Base):
    """One run: who started it, when, whether it only looked (dry run), the counts, and ``items``: one JSON
    object per issued version it looked at (document, version, outcome, due date, new version or reason)."""
    __tablename__ = "renewal_runs"
    __table_args__ = (Index("ix_renewal_runs_org_started", "organisation_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    # None: docflow's own daily run inside `docflow run` ([archive] renew_at), started by no one
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]
    dry_run: Mapped[bool] = mapped_column(default=False)
    margin_days: Mapped[int]
    renewed: Mapped[int] = mapped_column(default=0)
    not_due: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    started_by: Mapped[User | None] = relationship()

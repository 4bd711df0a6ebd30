"""Background work handed to the job queue (a broker-backed worker, `docflow worker`): one row per job, so
that the work is idempotent (a redelivered message finds its row done and stops), visible (status, progress,
attempts, the last error) and counted (queue depth and failures for /metrics). The broker's message carries
the row's id only; what the job needs is in ``payload``, in the database."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from docflow.models.base import Base, str_enum, utc_now


class QueuedJobStatus(enum.StrEnum):
    QUEUED = "queued"      # waiting for a worker (also between retries)
    RUNNING = "running"    # a worker took it (``attempts`` counts the takes)
    DONE = "done"
    FAILED = "failed"      # every attempt failed; ``error`` says the last reason


class QueuedJob(Base):
    """A job of the queue. ``kind`` names its handler (``ocr.read``); ``key``, when given, makes the job
    unique (the daily renewal of one ward on one day is enqueued once, whoever enqueues it)."""
    __tablename__ = "queued_jobs"
    __table_args__ = (Index("ix_queued_jobs_organisation_id_status_created_at", "organisation_id", "status",
                            "created_at"),
                      Index("ix_queued_jobs_status_updated_at", "status", "updated_at"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(60))
    key: Mapped[str | None] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[QueuedJobStatus] = mapped_column(str_enum(QueuedJobStatus), default=QueuedJobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    worker: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def finished(self) -> bool:
        return self.status in (QueuedJobStatus.DONE, QueuedJobStatus.FAILED)

"""OCR of one page that has no usable text layer: queued at upload, claimed by a worker (inside `docflow run`,
or `docflow ocr run`), done when the page's text is in page_texts. A newer version of the document cancels
the older version's tasks; a task whose worker died is claimed again, up to a number of attempts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from docflow.models.base import Base, str_enum, utc_now


class OcrStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"   # a newer version of the document replaced the page before it was read


class OcrTask(Base):
    __tablename__ = "ocr_tasks"
    __table_args__ = (Index("ix_ocr_tasks_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"))
    page_no: Mapped[int]                      # 1-based
    status: Mapped[OcrStatus] = mapped_column(str_enum(OcrStatus), default=OcrStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(300))
    claimed_by: Mapped[str | None] = mapped_column(String(64))   # the worker holding it (host:pid:thread)
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None]

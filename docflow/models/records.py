"""The ward's records (hồ sơ, Decree 30, Chapter IV): the yearly file plan (danh mục hồ sơ) with its headings and
file entries, the files officials open, fill and close, the documents in them (one home file per document,
referenced from others: R48), and the chairman's decisions that destroy files whose retention has ended.

Every table carries the ward's ``organisation_id``. A file is never deleted: a destroyed file keeps its row, its
list of documents and the decision that destroyed it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docflow.models.base import Base, str_enum, utc_now
from docflow.models.documents import Document
from docflow.models.organisation import Department
from docflow.models.users import User


class FileStatus(enum.StrEnum):
    PLANNED = "planned"        # an entry of the plan, not opened yet
    OPEN = "open"              # being filled
    CLOSED = "closed"          # the work ended: read-only
    DESTROYED = "destroyed"    # its retention ended and the chairman's decision destroyed it


class FilePlan(Base):
    """The file plan of one year (danh mục hồ sơ, R46): approved by the head of the body at the start of the
    year; headings and file entries may still be added afterwards, as files arise during the year."""

    __tablename__ = "file_plans"
    __table_args__ = (UniqueConstraint("organisation_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]

    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    headings: Mapped[list[PlanHeading]] = relationship(back_populates="plan", order_by="PlanHeading.ordinal")

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class PlanHeading(Base):
    """A heading of the plan (by department and subject); ``department_id`` NULL for the ward as a whole."""

    __tablename__ = "plan_headings"
    __table_args__ = (Index("ix_plan_headings_plan", "plan_id", "ordinal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("file_plans.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    title: Mapped[str] = mapped_column(String(500))
    ordinal: Mapped[int]

    plan: Mapped[FilePlan] = relationship(back_populates="headings")
    department: Mapped[Department | None] = relationship()
    files: Mapped[list[RecordFile]] = relationship(back_populates="heading", order_by="RecordFile.code")


class RecordFile(Base):
    """A file (hồ sơ): an entry of the plan until it is opened, then filled with documents and closed when the
    work ends. ``retention_years`` NULL is permanent (Vĩnh viễn). ``start_date``/``end_date`` are the dates of
    its earliest and latest documents, set when it is closed (R57 StartDate, EndDate)."""

    __tablename__ = "record_files"
    __table_args__ = (UniqueConstraint("plan_id", "code"),
                      Index("ix_record_files_org_status", "organisation_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("file_plans.id"))
    heading_id: Mapped[int] = mapped_column(ForeignKey("plan_headings.id"))
    code: Mapped[str] = mapped_column(String(20))             # số và ký hiệu hồ sơ (R57 FileNotation)
    title: Mapped[str] = mapped_column(String(500))           # tiêu đề hồ sơ (R57 Title)
    retention_years: Mapped[int | None]                       # thời hạn bảo quản; NULL: Vĩnh viễn
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[FileStatus] = mapped_column(str_enum(FileStatus), default=FileStatus.PLANNED)
    language: Mapped[str] = mapped_column(String(20), default="vi", server_default="vi")
    rights: Mapped[str] = mapped_column(String(100), default="", server_default="")   # chế độ sử dụng (R57 Rights)
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    opened_at: Mapped[datetime | None]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    destruction_id: Mapped[int | None] = mapped_column(ForeignKey("destruction_decisions.id"))

    heading: Mapped[PlanHeading] = relationship(back_populates="files")
    responsible: Mapped[User | None] = relationship(foreign_keys=[responsible_id])

    @property
    def is_permanent(self) -> bool:
        return self.retention_years is None


class FileDocument(Base):
    """A document in a file: its home file (``is_home``, at most one per document: the partial unique index
    holds it on both databases) or a reference from another file, without a second copy (R48)."""

    __tablename__ = "file_documents"
    __table_args__ = (UniqueConstraint("file_id", "document_id"),
                      Index("ix_file_documents_document", "document_id"),
                      Index("uq_file_documents_home", "document_id", unique=True,
                            sqlite_where=text("is_home"), postgresql_where=text("is_home")))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    file_id: Mapped[int] = mapped_column(ForeignKey("record_files.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    is_home: Mapped[bool] = mapped_column(default=False)
    ordinal: Mapped[int]                                    # the order of addition; the list is chronological
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utc_now)

    document: Mapped[Document] = relationship()
    file: Mapped[RecordFile] = relationship()


class DestructionDecision(Base):
    """The chairman's decision to destroy files whose retention has ended (Decree 30, Art. 30; Archives Law):
    who decided and when, its number and reason, and the files it names. Kept forever, with the list."""

    __tablename__ = "destruction_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    decision_number: Mapped[str] = mapped_column(String(50))
    decision_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)

    decided_by: Mapped[User] = relationship()
    items: Mapped[list[DestroyedFile]] = relationship(back_populates="decision", order_by="DestroyedFile.id")


class DestroyedFile(Base):
    """One file a decision destroyed, as it stood: the list survives whatever happens to the file later."""

    __tablename__ = "destroyed_files"
    __table_args__ = (UniqueConstraint("file_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("destruction_decisions.id"))
    file_id: Mapped[int] = mapped_column(ForeignKey("record_files.id"))
    year: Mapped[int]
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(500))
    retention_years: Mapped[int]
    end_date: Mapped[date | None] = mapped_column(Date)
    doc_total: Mapped[int]
    page_total: Mapped[int]

    decision: Mapped[DestructionDecision] = relationship(back_populates="items")


class RecordTransfer(Base):
    """A closed year's files handed to the archive as one package (Decree 30, Art. 28; issue 14 §2): the year,
    the package's manifest SHA-256 (also in the ``records.transferred`` audit event), who made it and when, the
    counts, and the codes of the files included and of those left out with the reason. The package itself is
    not kept: the archive keeps it."""

    __tablename__ = "record_transfers"
    __table_args__ = (Index("ix_record_transfers_org_year", "organisation_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int]
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    files: Mapped[int]
    documents: Mapped[int]
    included: Mapped[list[str]] = mapped_column(JSON, default=list)
    left_out: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)   # {"code": …, "reason": …}

    created_by: Mapped[User] = relationship()

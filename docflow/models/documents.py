"""Documents, their append-only PDF versions, access grants and registers."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, column, func, select, table
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from docflow.models.base import Base, str_enum, utc_now
from docflow.models.organisation import Department, Organisation
from docflow.models.users import User


class DocumentKind(enum.StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    INTERNAL = "internal"


class DocumentRelation(enum.StrEnum):
    """How a document stands to its ``related_document_id`` (stored as this text; "" for none)."""
    NONE = ""
    REPLY_TO = "reply_to"     # an outgoing reply to an incoming document
    COPY_OF = "copy_of"       # a copy for information of an issued document, delivered to an internal recipient
    REPLACES = "replaces"     # an outgoing document that replaces an issued one once it is issued
    CORRECTS = "corrects"     # a correction letter (đính chính) of an issued document


class VersionKind(enum.StrEnum):
    """What made a version (stored as this text)."""
    STEP = ""               # an upload, a signature, the number and date: a step of the flows
    RENEWAL = "renewal"     # a B-LTA renewal of the issued bytes: validation data and a document timestamp


class DocumentStatus(enum.StrEnum):
    DRAFT = "draft"
    REGISTERED = "registered"
    # The ward's own issued document delivered to one of its departments: a copy for information, with no
    # số đến and nothing to direct (it is not a document received from another body).
    FOR_INFORMATION = "for_information"
    IN_PROGRESS = "in_progress"
    IN_REVIEW = "in_review"
    AWAITING_SIGNATURE = "awaiting_signature"
    SIGNED = "signed"
    ISSUED = "issued"
    COMPLETED = "completed"
    RECALLED = "recalled"
    REPLACED = "replaced"


class Urgency(enum.StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"              # Khẩn
    VERY_URGENT = "very_urgent"    # Thượng khẩn
    EXPRESS = "express"            # Hỏa tốc


class Confidentiality(enum.StrEnum):
    NORMAL = "normal"
    CONFIDENTIAL = "confidential"  # Mật
    SECRET = "secret"              # Tối mật
    TOP_SECRET = "top_secret"      # Tuyệt mật

    @property
    def rank(self) -> int:
        """0 for normal up to 3 for top secret: lowering is moving to a smaller rank."""
        return list(Confidentiality).index(self)


class ReceiptSource(enum.StrEnum):
    """Where an incoming document's receipt time (ngày đến) comes from ("" on other kinds)."""
    NONE = ""
    SYSTEM = "system"            # registered here: the receipt time is docflow's clock at registration
    ELECTRONIC = "electronic"    # received electronically from another agency: the exchange's receipt time
    IMPORTED = "imported"        # imported from a previous system with the receipt time it recorded


# The assignments table as the handling deadline's subquery sees it (the model lives in routing.py, which
# imports this module).
_ASSIGNMENTS = table("assignments", column("document_id"), column("status"), column("deadline", Date))
_OPEN_ASSIGNMENTS = ("open", "in_progress")   # models.routing.ACTIVE_ASSIGNMENT_STATUSES

URGENCY_RANK = {Urgency.EXPRESS: 3, Urgency.VERY_URGENT: 2, Urgency.URGENT: 1, Urgency.NORMAL: 0}


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_org_created", "organisation_id", "created_at"),
        Index("ix_documents_dept_created", "department_id", "created_at"),
        Index("ix_documents_kind_created", "kind", "created_at"),
        Index("ix_documents_status_created", "status", "created_at"),
        Index("ix_documents_type_created", "doc_type", "created_at"),
        Index("ix_documents_date_id", "document_date", "id"),
        Index("ix_documents_created_id", "created_at", "id"),
        Index("ix_documents_created_by_kind", "created_by_id", "kind", "status"),
        # the work queues that list documents (to direct, sent and followed): filter and order in one index
        Index("ix_documents_queue", "status", "kind", "organisation_id", "urgency", "deadline", "id"),
        # the figures' documents issued and registered in a period (services/reports, bench/DASHBOARD.md)
        Index("ix_documents_kind_issued", "kind", "issued_at", "organisation_id", "doc_type"),
        Index("ix_documents_kind_received", "kind", "received_at", "organisation_id", "doc_type"),
        # the incoming documents the figures' work joins to, read from the index alone
        Index("ix_documents_kind_work", "kind", "organisation_id", "id", "received_at", "created_at"),
        # R10, R12: a number is given once in a register's year and series (the register row is one year's)
        Index("uq_documents_register_series_number", "register_id", "series", "register_number", unique=True),
        # every document page asks which documents replace, correct or answer it (bench/LOAD.md: a scan of all
        # wards' documents without it)
        Index("ix_documents_related", "related_document_id", "relation"),
        # Not declared here, made by migration 0003 for each database: the trigram search index
        # (SQLite: the documents_fts FTS5 table and its triggers; PostgreSQL: GIN pg_trgm on search_text).
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    doc_type: Mapped[str] = mapped_column(String(30))
    number_symbol: Mapped[str | None] = mapped_column(String(100))  # "15/QĐ-UBND"
    document_date: Mapped[date | None]
    issuing_body: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text)  # trích yếu
    # Summary, number/symbol and issuing body folded for search (lower case, no diacritics, đ → d),
    # so "dat dai" finds "ĐẤT ĐAI" alike on SQLite and PostgreSQL. Kept in step by the services.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency), default=Urgency.NORMAL)
    confidentiality: Mapped[Confidentiality] = mapped_column(str_enum(Confidentiality),
                                                             default=Confidentiality.NORMAL)
    status: Mapped[DocumentStatus] = mapped_column(str_enum(DocumentStatus))
    deadline: Mapped[date | None] = mapped_column()
    register_id: Mapped[int | None] = mapped_column(ForeignKey("registers.id"))
    register_number: Mapped[int | None]
    series: Mapped[str] = mapped_column(String(20), default="", server_default="")   # "" is the default series
    # Outgoing: who is to sign; when it was issued. Incoming: when it was received (ngày đến).
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    # Incoming: where received_at came from, and the clerk's free note ("received on paper at 16:40 on the 4th"),
    # kept as a note only: it never moves the receipt time or the register (Decree 30, Art. 22.2).
    receipt_source: Mapped[str] = mapped_column(String(20), default="", server_default="")
    receipt_note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # Replace / correct / reply: the other document and how this one relates to it.
    related_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    relation: Mapped[str] = mapped_column(String(20), default="", server_default="")
    recalled_at: Mapped[datetime | None]
    # Set when the chairman's destruction decision destroyed every file (hồ sơ) the document was in: from then
    # on nobody opens it (policy.access); its row, metadata and stored versions are kept (services/records).
    destroyed_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    row_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": row_version}

    # The deadline the ward works to: the earliest deadline of the document's open assignments (what a
    # direction set), else the document's own. Deferred, so that only lists and pages that show it read it
    # (lists undefer it: one correlated subquery per row of the page, on ix_assignments_document).
    handling_deadline: Mapped[date | None] = column_property(
        func.coalesce(select(func.min(_ASSIGNMENTS.c.deadline))
                      .where(_ASSIGNMENTS.c.document_id == id, _ASSIGNMENTS.c.status.in_(_OPEN_ASSIGNMENTS))
                      .correlate_except(_ASSIGNMENTS).scalar_subquery(), deadline),
        deferred=True)

    organisation: Mapped[Organisation] = relationship()
    department: Mapped[Department | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    signer: Mapped[User | None] = relationship(foreign_keys=[signer_id])
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number")

    @property
    def current_version(self) -> DocumentVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def is_confidential(self) -> bool:
        return self.confidentiality is not Confidentiality.NORMAL

    @property
    def is_urgent(self) -> bool:
        return self.urgency is not Urgency.NORMAL


class DocumentVersion(Base):
    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("document_versions.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    page_count: Mapped[int]
    original_filename: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(String(500), default="")
    # What the upload check found (docflow.pdfcheck): "javascript", "launch", "embedded_files", comma-separated;
    # "" for none. Such a file is evidence, kept as it came, but never shown inline.
    active_content: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # VersionKind: "" for a version a step of the flows made; "renewal" for the issued bytes (or the renewal
    # before) with only validation data and a document timestamp appended (B-LTA), its parent the version renewed.
    kind: Mapped[str] = mapped_column(String(20), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # None only for a renewal made by docflow's own daily run ([archive] renew_at), which no user started
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    document: Mapped[Document] = relationship(back_populates="versions")
    parent: Mapped[DocumentVersion | None] = relationship(remote_side=[id])
    created_by: Mapped[User | None] = relationship()

    @property
    def author_name(self) -> str:
        """Who made the version: the user's name, or "docflow" for its own scheduled renewal."""
        return self.created_by.full_name if self.created_by is not None else SYSTEM_AUTHOR

    @property
    def is_renewal(self) -> bool:
        return self.kind == VersionKind.RENEWAL

    @property
    def renewal_base(self) -> DocumentVersion:
        """The version a renewal (or a chain of renewals) started from; the version itself if no renewal."""
        version, seen = self, {self.id}
        while version.is_renewal and version.parent is not None and version.parent.id not in seen:
            version = version.parent
            seen.add(version.id)
        return version

    @property
    def active_flags(self) -> tuple[str, ...]:
        return tuple(flag for flag in self.active_content.split(",") if flag)


SYSTEM_AUTHOR = "docflow"   # a proper name, the same in every language


class GrantReason(enum.StrEnum):
    CONFIDENTIAL_ACCESS = "confidential_access"
    ASSIGNED = "assigned"
    ROUTED = "routed"


class DocumentGrant(Base):
    """A user's access to one document beyond their department: routed, assigned or cleared for it."""

    __tablename__ = "document_grants"
    __table_args__ = (UniqueConstraint("document_id", "user_id", "reason"),
                      Index("ix_document_grants_user", "user_id", "document_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[GrantReason] = mapped_column(str_enum(GrantReason))
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utc_now)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class RegisterKind(enum.StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    RESOLUTION = "resolution"


class Register(Base):
    """A named number series for one calendar year (sổ đăng ký): numbers from 1, never reused."""

    __tablename__ = "registers"
    __table_args__ = (UniqueConstraint("organisation_id", "code", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[RegisterKind] = mapped_column(str_enum(RegisterKind))
    year: Mapped[int]
    last_number: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

"""The workflow around documents: delegations of signing authority, assignments of incoming and internal
documents, review and signing steps of outgoing ones, recipients, opinions and in-app notifications."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from docflow import textsearch

from docflow.models.base import Base, str_enum, utc_now
from docflow.models.documents import Document
from docflow.models.organisation import Department
from docflow.models.users import User


class SigningMode(enum.StrEnum):
    """Decree 30, Annex I: on whose authority a document is signed."""
    TM = "TM"    # thay mặt: the chairman for the committee
    KT = "KT"    # ký thay: a vice-chairman for the chairman
    Q = "Q"      # quyền: acting head
    TL = "TL"    # thừa lệnh: a department head on the chairman's order
    TUQ = "TUQ"  # thừa ủy quyền: authorised once; cannot be passed on


class Delegation(Base):
    """Who may sign what, in which mode, from when to when (the delegation register)."""
    __tablename__ = "delegations"
    __table_args__ = (Index("ix_delegations_delegate", "delegate_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))       # who signs
    delegator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # on whose authority
    mode: Mapped[SigningMode] = mapped_column(str_enum(SigningMode, length=8))
    # Comma-separated Decree 30 type codes this covers; "*" for every type.
    doc_types: Mapped[str] = mapped_column(String(500), default="*")
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    # The TUQ a delegation was passed on from, if any (refused: TUQ cannot be passed on).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    # The written basis (TUQ. must have one): the authorising document in docflow, or its number and date.
    basis_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    basis_reference: Mapped[str] = mapped_column(String(100), default="", server_default="")
    basis_date: Mapped[date | None]
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    delegate: Mapped[User] = relationship(foreign_keys=[delegate_id])
    delegator: Mapped[User | None] = relationship(foreign_keys=[delegator_id])


class AssignmentRole(enum.StrEnum):
    LEAD = "lead"          # chủ trì
    CO = "co"              # phối hợp
    INFO = "info"          # để biết


class AssignmentStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    FORWARDED = "forwarded"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    # A confidential document forwarded to another department: no access, nothing to do, until a leader
    # confirms (then OPEN) or declines (then CANCELLED).
    PENDING = "pending"


# Assignments still being worked on: their holder may act, they count as open work in queues and reminders.
ACTIVE_ASSIGNMENT_STATUSES = (AssignmentStatus.OPEN, AssignmentStatus.IN_PROGRESS)


class Assignment(Base):
    """One assignee's share of an incoming or internal document: a department or a person, with a role,
    the leader's instruction and a deadline. A department head's assignment inside the department is a
    child of the department's."""
    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_user_status", "assignee_id", "status", "deadline"),
        Index("ix_assignments_dept_status", "department_id", "status", "deadline"),
        Index("ix_assignments_document", "document_id"),
        Index("ix_assignments_status_deadline", "status", "deadline"),
        Index("ix_assignments_assigned_by", "assigned_by_id", "status", "document_id"),
        # a department's open work no handler was named for yet: what its head holds (queues._mine)
        Index("ix_assignments_dept_unassigned", "department_id", "status", "deadline",
              postgresql_where=text("assignee_id IS NULL"), sqlite_where=text("assignee_id IS NULL")),
        # the figures' completed lead work of a period (services/reports), read from the index alone but for
        # the document: measured in bench/DASHBOARD.md
        Index("ix_assignments_top_completed", "role", "status", "completed_at", "deadline", "department_id",
              "assignee_id", "document_id",
              postgresql_where=text("parent_id IS NULL"), sqlite_where=text("parent_id IS NULL")),
        # an official's own work completed in a month (the figures' current month, services/reports/months.py):
        # by ix_assignments_user_status SQLite read every piece he ever completed (bench/DASHBOARD.md)
        Index("ix_assignments_assignee_completed", "assignee_id", "status", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    role: Mapped[AssignmentRole] = mapped_column(str_enum(AssignmentRole, length=8))
    instruction: Mapped[str] = mapped_column(Text, default="")
    # the instruction folded for search (services/search), kept in step by _fold_instruction
    instruction_folded: Mapped[str] = mapped_column(Text, default="", server_default="")
    deadline: Mapped[date | None]
    status: Mapped[AssignmentStatus] = mapped_column(str_enum(AssignmentStatus), default=AssignmentStatus.OPEN)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utc_now)
    completed_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    result: Mapped[str] = mapped_column(Text, default="")
    row_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": row_version}

    document: Mapped[Document] = relationship()
    department: Mapped[Department | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    assigned_by: Mapped[User] = relationship(foreign_keys=[assigned_by_id])

    @validates("instruction")
    def _fold_instruction(self, key: str, value: str) -> str:
        self.instruction_folded = textsearch.fold(value or "")
        return value


class StepKind(enum.StrEnum):
    REVIEW = "review"      # content (the department head) or form (Văn phòng)
    SIGN = "sign"          # the signer approves and signs
    ISSUE = "issue"        # the clerk numbers, fills and seals


class StepStatus(enum.StrEnum):
    WAITING = "waiting"
    ACTIVE = "active"
    APPROVED = "approved"
    RETURNED = "returned"
    DONE = "done"
    SKIPPED = "skipped"


class RoutingStep(Base):
    """One step of an outgoing document's route, in order; exactly one is active while it is routed."""
    __tablename__ = "routing_steps"
    __table_args__ = (
        UniqueConstraint("document_id", "round", "position"),
        Index("ix_routing_steps_assignee_status", "assignee_id", "status"),
        Index("ix_routing_steps_kind_status", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    round: Mapped[int] = mapped_column(default=1)     # a new round after a return or a change
    position: Mapped[int]
    kind: Mapped[StepKind] = mapped_column(str_enum(StepKind, length=8))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: any clerk (issue)
    label: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[StepStatus] = mapped_column(str_enum(StepStatus), default=StepStatus.WAITING)
    version_number: Mapped[int | None]                 # the version the decision was about
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    signature_id: Mapped[int | None] = mapped_column(ForeignKey("signatures.id"))
    row_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": row_version}

    document: Mapped[Document] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])


class Recipient(Base):
    """Where an issued document goes: an internal department (which receives it as incoming) or an
    external body, with the sending date."""
    __tablename__ = "recipients"
    __table_args__ = (Index("ix_recipients_document", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    external_name: Mapped[str] = mapped_column(String(300), default="")
    sent_at: Mapped[datetime | None]
    delivered_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))

    department: Mapped[Department | None] = relationship()


class OpinionKind(enum.StrEnum):
    """What an entry of a document's thread is (stored as this text)."""
    COMMENT = "comment"        # a remark on an outgoing draft
    OPINION = "opinion"        # a handler's opinion on an incoming document
    FORWARD = "forward"        # the note that passed an assignment on
    DIRECTIVE = "directive"    # a leader's instruction (ý kiến chỉ đạo)
    REPLY = "reply"            # an outgoing reply attached to an assignment


class Opinion(Base):
    """A handler's opinion, a forward note, a reviewer's comment, or a directive: the document's thread."""
    __tablename__ = "opinions"
    __table_args__ = (Index("ix_opinions_document", "document_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20), default=OpinionKind.COMMENT)   # an OpinionKind
    body: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text, default="", server_default="")   # the body folded for search
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    author: Mapped[User] = relationship()

    @validates("body")
    def _fold_body(self, key: str, value: str) -> str:
        self.folded = textsearch.fold(value or "")
        return value


class Notification(Base):
    """An in-app notice for one user (urgent documents, assignments, escalations, recalls)."""
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at", "created_at"),
        # notices.settle: the open notices about one document, on every decision.
        Index("ix_notifications_document_open", "document_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    message: Mapped[str] = mapped_column(String(300))   # an English msgid, translated when shown
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    read_at: Mapped[datetime | None]
    # When what the notice asked for happened (directed, signed by someone, recalled...): it is done, and read.
    done_at: Mapped[datetime | None]

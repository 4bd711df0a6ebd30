"""Citizens' petitions and feedback (phản ánh, kiến nghị, góp ý; issue 15 §3): one row per petition with its
receipt code, the citizen's personal data, routing, deadline, answer and rating, and the apology letters sent
when an answer would be late (Decree 30 R68, R72). A petition is a record like any other: the clerk files it in
the file plan (records.FileDocument through its answer document); its retention is the plan heading's."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from docflow.models.base import Base, str_enum, utc_now
from docflow.models.documents import Document
from docflow.models.organisation import Department
from docflow.models.users import User


class PetitionChannel(enum.StrEnum):
    ONLINE = "online"                  # the public form
    HOTLINE = "hotline"                # đường dây nóng
    SUGGESTION_BOX = "suggestion_box"  # hòm thư góp ý
    IN_PERSON = "in_person"            # trực tiếp


class PetitionKind(enum.StrEnum):
    COMPLAINT = "complaint"            # phản ánh
    PROPOSAL = "proposal"              # kiến nghị
    SUGGESTION = "suggestion"          # góp ý


class PetitionStatus(enum.StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"        # its answer document is on the outgoing route
    ANSWERED = "answered"
    CLOSED = "closed"


class Petition(Base):
    """A citizen's petition. ``first_deadline`` never moves: the on-time figure compares the answer with it, so
    an apology's new date (``deadline``) never hides lateness."""

    __tablename__ = "petitions"
    __table_args__ = (Index("ix_petitions_organisation_status", "organisation_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    receipt_code: Mapped[str] = mapped_column(String(24), unique=True)
    channel: Mapped[PetitionChannel] = mapped_column(str_enum(PetitionChannel))
    kind: Mapped[PetitionKind] = mapped_column(str_enum(PetitionKind))
    # personal data: shown only to those who handle the petition (policy.petitions)
    citizen_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))               # digits only, as the tracking page compares it
    address: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utc_now)
    first_deadline: Mapped[date]
    deadline: Mapped[date]
    status: Mapped[PetitionStatus] = mapped_column(str_enum(PetitionStatus), default=PetitionStatus.RECEIVED)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))   # None: the public form
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime | None]
    answer_text: Mapped[str] = mapped_column(Text, default="")
    answer_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    answered_at: Mapped[datetime | None]
    answered_on: Mapped[date | None]                             # the ward's date of the answer
    rating: Mapped[int | None]                                   # 1..5; 4 and 5 count as satisfied
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None]

    department: Mapped[Department | None] = relationship()
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    answer_document: Mapped[Document | None] = relationship()


class PetitionApology(Base):
    """An apology letter (thư xin lỗi, R68) drafted before the deadline: the handler's reason and new date, and
    the outgoing draft that carries them. The petition's deadline moves to ``new_deadline`` only when that
    document is issued (``issued_at``)."""

    __tablename__ = "petition_apologies"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    petition_id: Mapped[int] = mapped_column(ForeignKey("petitions.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    new_deadline: Mapped[date]
    drafted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drafted_at: Mapped[datetime] = mapped_column(default=utc_now)
    issued_at: Mapped[datetime | None]

    document: Mapped[Document] = relationship()

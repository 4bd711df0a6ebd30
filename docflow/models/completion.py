"""Completing incoming work (Decree 30, Articles 23–24; rules R43–R44): a co-handler's contribution on their
own assignment, and the lead's proposal of completion that the assigning head (or the directing leader)
accepts or returns."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from docflow import textsearch

from docflow.models.base import Base, str_enum, utc_now
from docflow.models.users import User


class ProposalStatus(enum.StrEnum):
    PROPOSED = "proposed"     # awaiting the head's (or leader's) decision
    ACCEPTED = "accepted"     # the document completed
    RETURNED = "returned"     # sent back to the lead with a reason


class Contribution(Base):
    """What a handler (usually a co-handler, phối hợp) contributed on their assignment: a text and an
    optional file in the content store."""
    __tablename__ = "contributions"
    __table_args__ = (Index("ix_contributions_document", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    folded: Mapped[str] = mapped_column(Text, default="", server_default="")   # the body folded for search
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    file_size: Mapped[int | None]
    marked_done: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    author: Mapped[User] = relationship()

    @validates("body")
    def _fold_body(self, key: str, value: str) -> str:
        self.folded = textsearch.fold(value or "")
        return value


class CompletionProposal(Base):
    """The lead's proposal to complete the document, with its result; accepted or returned by the head who
    assigned the lead (or the leader who directed). At most one awaits a decision and at most one is
    accepted per document: the database refuses a second (two accepts at once make one completion)."""
    __tablename__ = "completion_proposals"
    __table_args__ = (
        Index("ix_completion_proposals_document", "document_id"),
        Index("ux_completion_proposals_open", "document_id", unique=True,
              postgresql_where=text("status = 'proposed'"), sqlite_where=text("status = 'proposed'")),
        Index("ux_completion_proposals_accepted", "document_id", unique=True,
              postgresql_where=text("status = 'accepted'"), sqlite_where=text("status = 'accepted'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    result: Mapped[str] = mapped_column(Text)
    reply_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus, length=12),
                                                   default=ProposalStatus.PROPOSED)
    proposed_at: Mapped[datetime] = mapped_column(default=utc_now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    return_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

"""The exchange outbox: each edXML message to another agency, kept durably from the transaction that made it
until the partner's transport confirms delivery (issue 15 §1: nothing lost if the receiver is down)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from docflow.models.base import Base, str_enum, utc_now


class OutboxStatus(enum.StrEnum):
    """Where a message is on its way (stored as this text)."""
    PENDING = "pending"        # waiting for its next attempt (next_attempt_at)
    SENDING = "sending"        # claimed by a sender (claimed_by, claimed_at)
    DELIVERED = "delivered"    # the partner confirmed it (HTTP 2xx, or the file written and synced)
    REJECTED = "rejected"      # the partner refused it for good (HTTP 4xx): never retried by itself


class OutboxItem(Base):
    __tablename__ = "exchange_outbox"
    __table_args__ = (Index("ix_exchange_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    partner_organ_id: Mapped[str] = mapped_column(String(13))
    kind: Mapped[str] = mapped_column(String(20))          # edoc, status, revocation, replacement, update
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("recipients.id"), index=True)
    # The message itself, in the row: it is committed with the change that produced it, in one transaction, and
    # no file can be missing when the sender comes for it (the content-addressed store is for PDFs, written
    # before commit, and a message is written once and read a few times).
    message: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_error: Mapped[str] = mapped_column(Text, default="")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    delivered_at: Mapped[datetime | None]

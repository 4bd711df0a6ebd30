"""The hash-chained audit log: one row per state change, written in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from docflow.models.base import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id", "seq"),
        Index("ix_audit_events_actor", "actor_id", "seq"),
        Index("ix_audit_events_action", "action", "seq"),
        Index("ix_audit_events_time", "occurred_at"),   # the auditor's search by date
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row per chain: the last sequence number and hash. Writers lock it, so the chain never forks.

    ``checkpoint_seq``/``checkpoint_at`` say when the head was last signed, so deciding whether the next
    event is due for a checkpoint costs nothing beyond the lock the writer already holds.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    checkpoint_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    checkpoint_at: Mapped[datetime | None]


class AuditCheckpoint(Base):
    """A signed chain head (docflow.auditlog.checkpoints). Insert-only: the database refuses UPDATE and DELETE."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    organisation: Mapped[str] = mapped_column(String(200))
    signature: Mapped[bytes] = mapped_column(LargeBinary)          # CMS SignedData over the payload, DER
    certificate: Mapped[bytes] = mapped_column(LargeBinary)        # the system certificate that signed, DER
    timestamp_token: Mapped[bytes | None] = mapped_column(LargeBinary)  # RFC 3161 over sha256(signature)

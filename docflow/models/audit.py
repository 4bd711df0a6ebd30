"""The hash-chained audit log: one row per state change, written in the same transaction; one chain per ward."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from docflow.models.base import Base


# ``AuditEvent.hash_format``: 1, the hash covers the event without its ward (events written before each ward had
# a chain of its own); 2, the hash covers its ward too (``docflow.auditlog.chain``).
HASH_WITHOUT_WARD, HASH_WITH_WARD = 1, 2


class AuditEvent(Base):
    """One event of a ward's chain: ``seq`` counts within the ward (``organisation_id``)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("organisation_id", "seq"),
        Index("ix_audit_events_object", "organisation_id", "object_type", "object_id", "seq"),
        Index("ix_audit_events_actor", "organisation_id", "actor_id", "seq"),
        Index("ix_audit_events_action", "organisation_id", "action", "seq"),
        Index("ix_audit_events_time", "organisation_id", "occurred_at"),   # the auditor's search by date
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    hash_format: Mapped[int] = mapped_column(SmallInteger, default=HASH_WITH_WARD, server_default="1")
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
    """One row per chain, so per ward (made with the ward's first event): the last sequence number and hash.
    Writers lock their ward's row, so a chain never forks and two wards never wait on each other.

    ``checkpoint_seq``/``checkpoint_at`` say when the head was last signed, so deciding whether the next
    event is due for a checkpoint costs nothing beyond the lock the writer already holds.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    checkpoint_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    checkpoint_at: Mapped[datetime | None]


class AuditCheckpoint(Base):
    """A signed head of a ward's chain (docflow.auditlog.checkpoints), signed by that ward's system key.
    Insert-only: the database refuses UPDATE and DELETE."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (UniqueConstraint("organisation_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    organisation: Mapped[str] = mapped_column(String(200))
    signature: Mapped[bytes] = mapped_column(LargeBinary)          # CMS SignedData over the payload, DER
    certificate: Mapped[bytes] = mapped_column(LargeBinary)        # the system certificate that signed, DER
    timestamp_token: Mapped[bytes | None] = mapped_column(LargeBinary)  # RFC 3161 over sha256(signature)

"""Exchange with other agencies (issue 15 §1): the partners the ward trusts, every edXML message sent or
received, the documents received awaiting the clerk, and each partner recipient's status on the sender's side."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from docflow.models.base import Base, utc_now


class ExchangePartner(Base):
    """Another body the ward exchanges with: its organ id, the ONE trust root its messages must chain to
    (PEM and SHA-256), and where its endpoint is (the transport's). ``added_by_id`` None: the operator's
    command line."""

    __tablename__ = "exchange_partners"
    __table_args__ = (UniqueConstraint("organisation_id", "organ_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    organ_id: Mapped[str] = mapped_column(String(13))
    name: Mapped[str] = mapped_column(String(300))
    trust_root_pem: Mapped[str] = mapped_column(Text)
    trust_root_sha256: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utc_now)


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class ExchangeMessage(Base):
    """One message sent or received: its id (a message received twice is refused), kind, the partner, the
    document it is about (the edXML DocumentId, and docflow's document when there is one), and a status
    message's code and reason. The history of a recipient's statuses is its rows."""

    __tablename__ = "exchange_messages"
    __table_args__ = (UniqueConstraint("organisation_id", "direction", "message_id"),
                      Index("ix_exchange_messages_document", "document_id"),
                      Index("ix_exchange_messages_recipient", "recipient_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    direction: Mapped[str] = mapped_column(String(3))
    message_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    partner_organ_id: Mapped[str] = mapped_column(String(13))
    document_ref: Mapped[str] = mapped_column(String(300))
    status_code: Mapped[str] = mapped_column(String(2), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("recipients.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class InboxState(enum.StrEnum):
    AWAITING = "awaiting"            # received, verified; the clerk has not registered or returned it
    REGISTERED = "registered"        # the clerk gave it a số đến (document_id set)
    RETURNED = "returned"            # the clerk returned it to the sender with a reason (status 02)
    RECALLED = "recalled"            # the sender recalled it and the clerk agreed (status 14)


class ExchangeInbox(Base):
    """A document received from a partner: the signed PDF (in the store), the header as the message gave it,
    and what the clerk did. A recall request from the sender sets ``recall_requested_at`` until the clerk
    agrees or refuses."""

    __tablename__ = "exchange_inbox"
    __table_args__ = (UniqueConstraint("organisation_id", "partner_organ_id", "document_ref"),
                      Index("ix_exchange_inbox_document", "document_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    message_row_id: Mapped[int] = mapped_column(ForeignKey("exchange_messages.id"))
    partner_organ_id: Mapped[str] = mapped_column(String(13))
    sender_name: Mapped[str] = mapped_column(String(300))
    document_ref: Mapped[str] = mapped_column(String(300))
    header_json: Mapped[str] = mapped_column(Text)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(20), default=InboxState.AWAITING.value)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    recall_requested_at: Mapped[datetime | None]
    recall_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    replaces_inbox_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_inbox.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    received_at: Mapped[datetime] = mapped_column(default=utc_now)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ExchangeDelivery(Base):
    """On the sender's side, an issued document's recipient that is an exchange partner: the document id the
    messages name, and the last status the partner sent back (R49: the sender sees the receiver's status)."""

    __tablename__ = "exchange_deliveries"
    __table_args__ = (UniqueConstraint("recipient_id"),
                      Index("ix_exchange_deliveries_ref", "organisation_id", "partner_organ_id", "document_ref"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    partner_organ_id: Mapped[str] = mapped_column(String(13))
    document_ref: Mapped[str] = mapped_column(String(300))
    status_code: Mapped[str] = mapped_column(String(2), default="", server_default="")
    status_at: Mapped[datetime | None]
    description: Mapped[str] = mapped_column(Text, default="", server_default="")

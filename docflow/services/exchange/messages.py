"""Messages the ward sends: an issued document as edXML (edoc, replacement, update, revocation), a status
back to a sender; each signed by the ward's system key, kept on record and handed to the transport's outbox
through ``send``, the one way out."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from docflow import doctypes, exchange
from docflow.config import Settings
from docflow.errors import N_, ValidationError
from docflow.exchange import Attachment, DocumentHeader, Kind, Message, Organ
from docflow.exchange.message import DOCUMENT_KINDS
from docflow.models import Direction, Document, ExchangeMessage, Organisation, User
from docflow.models.documents import URGENCY_RANK
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.exchange import outbox
from docflow.services.exchange.sealing import seal_as_ward
from docflow.storage import DocumentStore


def send(session: Session, *, organisation_id: int, partner_organ_id: str, message: bytes, kind: str,
         recipient_id: int | None, now: datetime) -> None:
    """Hand signed message bytes to the transport, which keeps them in its outbox (in this transaction) and
    delivers them after commit, with retries. Flushes."""
    outbox.enqueue(session, organisation_id=organisation_id, partner_organ_id=partner_organ_id, message=message,
                   kind=kind, recipient_id=recipient_id, now=now)


def document_ref(document: Document, organ_id: str) -> str:
    """The edXML DocumentId of an issued document of the ward: ``OrganId,yyyy/MM/dd,Notation``."""
    if not document.number_symbol or document.document_date is None:
        raise ValidationError(N_("Only an issued document (with its number and date) can be sent."))
    return exchange.document_id(organ_id, document.document_date, document.number_symbol)


def header_of(document: Document) -> DocumentHeader:
    """The message header of an issued document: ``15/QĐ-UBND`` is CodeNumber 15, CodeNotation QĐ-UBND."""
    number, _, notation = (document.number_symbol or "").partition("/")
    doc_type = doctypes.get_type(document.doc_type)
    signer = document.signer
    return DocumentHeader(
        code_number=number, code_notation=notation,
        promulgation_date=document.document_date or document.created_at.date(), place=document.organisation.name, type_code=document.doc_type, type_name=doc_type.name_vi if doc_type else "",
        subject=document.summary, signer_position=signer.post if signer else "",
        signer_full_name=signer.full_name if signer else "", priority=str(URGENCY_RANK[document.urgency]),
        due_date=document.deadline)


def document_message(document: Document, *, sender: Organ, receiver: Organ, store: DocumentStore, now: datetime,
                     kind: str = Kind.EDOC, related: str = "", description: str = "") -> Message:
    """An edoc (or replacement, update, revocation) message about an issued outgoing document; edoc and
    replacement carry the issued PDF (the current version: the issued bytes, or their renewal)."""
    version = document.current_version
    attachments: tuple[Attachment, ...] = ()
    if kind in (Kind.EDOC, Kind.REPLACEMENT) and version is not None:
        name = f"{(document.number_symbol or 'van-ban').replace('/', '-')}.pdf"
        attachments = (Attachment(name=name, data=store.read(version.sha256)),)
    header = header_of(document) if kind in DOCUMENT_KINDS else None
    return Message(kind=kind, message_id=uuid.uuid4().hex, sender=sender, receiver=receiver, sent_at=now,
                   document_id=document_ref(document, sender.organ_id), header=header, attachments=attachments,
                   related_document_id=related, description=description)


def status_message(*, sender: Organ, receiver: Organ, about: str, code: str, reason: str, now: datetime) -> Message:
    return Message(kind=Kind.STATUS, message_id=uuid.uuid4().hex, sender=sender, receiver=receiver, sent_at=now,
                   document_id=about, status_code=code, description=reason)


def revocation_message(*, sender: Organ, receiver: Organ, about: str, reason: str, now: datetime) -> Message:
    """The sender recalls a document it sent (thu hồi, R38): the receiver's clerk agrees (14) or refuses (15)."""
    return Message(kind=Kind.REVOCATION, message_id=uuid.uuid4().hex, sender=sender, receiver=receiver, sent_at=now,
                   document_id=about, description=reason)


def record(session: Session, *, organisation_id: int, direction: Direction, message: Message, data: bytes,
           document_id: int | None, recipient_id: int | None, now: datetime) -> ExchangeMessage:
    """Keep a message sent or received on record (its id once per direction: a replay is refused). Flushes."""
    partner = message.receiver if direction is Direction.OUT else message.sender
    row = ExchangeMessage(organisation_id=organisation_id, direction=direction.value, message_id=message.message_id,
                          kind=message.kind, partner_organ_id=partner.organ_id, document_ref=message.document_id,
                          status_code=message.status_code, description=message.description,
                          document_id=document_id, recipient_id=recipient_id,
                          sha256=hashlib.sha256(data).hexdigest(), created_at=now)
    session.add(row)
    session.flush()
    return row


def dispatch(session: Session, *, settings: Settings, organisation: Organisation, message: Message,
             actor: User | None, document_id: int | None, recipient_id: int | None, now: datetime) -> bytes:
    """Sign ``message`` as the ward, keep it on record, audit it and send it. Returns the signed bytes.
    Raises ConfigurationError (no system key), ValidationError. Flushes."""
    data = seal_as_ward(session, settings=settings, message=message)
    record(session, organisation_id=organisation.id, direction=Direction.OUT, message=message, data=data,
           document_id=document_id, recipient_id=recipient_id, now=now)
    audit.record(session, action=AuditAction.EXCHANGE_MESSAGE_SENT, actor=actor, object_type="document",
                 object_id=document_id if document_id is not None else message.document_id, now=now,
                 details={"kind": message.kind, "message_id": message.message_id, "to": message.receiver.organ_id,
                          "document_ref": message.document_id, "status_code": message.status_code})
    send(session, organisation_id=organisation.id, partner_organ_id=message.receiver.organ_id, message=data,
         kind=message.kind, recipient_id=recipient_id, now=now)
    return data

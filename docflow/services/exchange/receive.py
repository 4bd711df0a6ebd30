"""Taking a message in from another agency (the transport's HTTPS endpoint or inbox folder, or `docflow exchange
import`): verified against the sender's registered root, refused when replayed or addressed elsewhere, then
acted on by kind: a document awaits the clerk (status 01 back at once, R42), a status updates our recipient
(R49), a recall request waits for the clerk's answer, a replacement links to the copy it replaces, an update
changes the copy's metadata."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import exchange
from docflow.config import Settings
from docflow.errors import N_, UnreadablePdfError, ValidationError
from docflow.exchange import Kind, Message, Status
from docflow.models import (
    Direction,
    Document,
    ExchangeDelivery,
    ExchangeInbox,
    ExchangeMessage,
    InboxState,
    Organisation,
    Recipient,
    Role,
    User,
)
from docflow.services import audit, notifications
from docflow.services import documents as doc_service
from docflow.services.signatures import reports as signature_reports
from docflow.services.audit import AuditAction
from docflow.services.documents.uploads import refresh_search_text
from docflow.services.exchange import messages, partners
from docflow.services.exchange.sealing import ward_organ
from docflow.services.exchange.status import send_status
from docflow.storage import DocumentStore

ASK_RECALL = N_("The sender asks to recall a received document: %(summary)s")
ASK_REGISTER = N_("A document received electronically awaits registration: %(summary)s")


def _notify_clerks(session: Session, organisation_id: int, message: str, document: Document | None,
                   summary: str) -> None:
    clerks = session.execute(select(User).where(User.organisation_id == organisation_id, User.role == Role.CLERK,
                                                User.is_active.is_(True))).scalars()
    notifications.notify(session, users=list(clerks), document=document, message=message,
                         params={"summary": summary[:120]})


class AlreadyReceivedError(ValidationError):
    """The same signed message, byte for byte, from the same partner, taken in before: nothing new is kept, and
    the transport may confirm it again (``params["sender"]`` is the partner's organ id)."""


@dataclass(frozen=True)
class ReceivedMessage:
    kind: str
    sender_organ_id: str
    document_id: int | None        # docflow's document the message acted on (None: awaiting the clerk)
    valid: bool | None             # an edoc's PDF signatures: valid, not valid, or None (unsigned)
    message_id: str = ""
    inbox_id: int | None = None


def _header_json(message: Message) -> str:
    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value
    header = asdict(message.header) if message.header is not None else {}
    return json.dumps({k: plain(v) for k, v in header.items()}, ensure_ascii=False)


def _open(session: Session, organisation: Organisation, data: bytes, settings: Settings, now: datetime) -> Message:
    ours = ward_organ(organisation, settings)
    opened = exchange.open_message(data, root_for=partners.root_lookup(session, organisation_id=organisation.id),
                                   moment=now, max_bytes=settings.max_upload_bytes * 2 + 1024 * 1024)
    message = opened.message
    if message.receiver.organ_id not in ("", ours.organ_id):
        raise ValidationError(N_("The message is addressed to another organ (%(organ_id)s)."),
                              organ_id=message.receiver.organ_id)
    seen = session.execute(select(ExchangeMessage).where(
        ExchangeMessage.organisation_id == organisation.id, ExchangeMessage.direction == Direction.IN.value,
        ExchangeMessage.message_id == message.message_id)).scalar_one_or_none()
    if seen is not None:
        # The very same signed bytes from the same partner: our answer to the first delivery was lost (a crash
        # or a timeout after our commit), so the transport may say "received" again; anything else is a replay.
        same = seen.partner_organ_id == message.sender.organ_id and seen.sha256 == hashlib.sha256(data).hexdigest()
        raise (AlreadyReceivedError if same else ValidationError)(
            N_("This message was received already (message id %(id)s): a duplicate is refused."),
            id=message.message_id[:100], sender=message.sender.organ_id)
    return message


def _copy(session: Session, organisation_id: int, sender: str, ref: str) -> ExchangeInbox | None:
    return session.execute(select(ExchangeInbox).where(
        ExchangeInbox.organisation_id == organisation_id, ExchangeInbox.partner_organ_id == sender,
        ExchangeInbox.document_ref == ref)).scalar_one_or_none()


def _pdf_report(session: Session, settings: Settings, store: DocumentStore, message: Message) -> tuple[str, bool | None]:
    """Store the message's PDF (checked like an upload) and verify its signatures at once (R42): refused when a
    signature no longer matches the bytes. Returns the SHA-256 and the verdict (None: unsigned)."""
    attachment = message.attachments[0]
    upload = doc_service.receive_upload(store, doc_service.UploadedFile(io.BytesIO(attachment.data), attachment.name),
                                        settings=settings)
    stored = upload.stored
    if stored is None:   # receive_upload always stores; this keeps the type checker honest
        raise ValidationError(N_("The message carries no signed document."))
    if not signature_reports.looks_signed(store, stored.sha256):
        return stored.sha256, None
    try:
        report = signature_reports.verify_bytes(session, settings=settings, data=attachment.data, sha256=stored.sha256)
    except UnreadablePdfError:
        raise ValidationError(N_("The document in the message cannot be read as a PDF.")) from None
    if any(not s["intact"] for s in report["signatures"]):
        raise ValidationError(N_("A signature of the document in the message does not match its bytes: it was "
                                 "altered."))
    return stored.sha256, bool(report["valid"])


def _take_document(session: Session, organisation: Organisation, message: Message, row: ExchangeMessage,
                   settings: Settings, store: DocumentStore, now: datetime) -> ReceivedMessage:
    if _copy(session, organisation.id, message.sender.organ_id, message.document_id) is not None:
        raise ValidationError(N_("This document was received from this sender already."))
    replaced = None
    if message.kind == Kind.REPLACEMENT:
        replaced = _copy(session, organisation.id, message.sender.organ_id, message.related_document_id)
        if replaced is None:
            raise ValidationError(N_("The document this one replaces was never received here."))
    sha256, valid = _pdf_report(session, settings, store, message)
    inbox = ExchangeInbox(organisation_id=organisation.id, message_row_id=row.id,
                          partner_organ_id=message.sender.organ_id, sender_name=message.sender.name[:300],
                          document_ref=message.document_id, header_json=_header_json(message), pdf_sha256=sha256,
                          pdf_name=message.attachments[0].name[:255] or "van-ban.pdf", state=InboxState.AWAITING.value,
                          replaces_inbox_id=replaced.id if replaced else None, received_at=now)
    session.add(inbox)
    session.flush()
    _notify_clerks(session, organisation.id, ASK_REGISTER, None, message.header.subject if message.header else "")
    send_status(session, inbox=inbox, code=Status.RECEIVED, reason="", settings=settings, now=now)
    return ReceivedMessage(message.kind, message.sender.organ_id, None, valid, message.message_id, inbox.id)


def _take_status(session: Session, organisation: Organisation, message: Message, row: ExchangeMessage,
                 now: datetime) -> ReceivedMessage:
    delivery = session.execute(select(ExchangeDelivery).where(
        ExchangeDelivery.organisation_id == organisation.id,
        ExchangeDelivery.partner_organ_id == message.sender.organ_id,
        ExchangeDelivery.document_ref == message.document_id)).scalar_one_or_none()
    if delivery is None:
        raise ValidationError(N_("The status is about a document the ward did not send to this agency."))
    delivery.status_code, delivery.status_at, delivery.description = message.status_code, now, message.description
    recipient = session.get(Recipient, delivery.recipient_id)
    if recipient is not None and recipient.sent_at is None:
        recipient.sent_at = now     # a status from the partner proves it has the document (a file carried by hand)
    row.document_id, row.recipient_id = delivery.document_id, delivery.recipient_id
    session.flush()
    return ReceivedMessage(message.kind, message.sender.organ_id, delivery.document_id, None, message.message_id)


def _take_on_copy(session: Session, organisation: Organisation, message: Message, row: ExchangeMessage,
                  settings: Settings, now: datetime) -> ReceivedMessage:
    """A revocation (recall request: the clerk answers 14 or 15) or an update of a copy received earlier (applied
    at once to the header and the registered copy's trích yếu and deadline: 14 back)."""
    copy = _copy(session, organisation.id, message.sender.organ_id, message.document_id)
    if copy is None or copy.state in (InboxState.RETURNED, InboxState.RECALLED):
        raise ValidationError(N_("The message is about a document not held here."))
    document = session.get(Document, copy.document_id) if copy.document_id else None
    row.document_id = copy.document_id
    if message.kind == Kind.REVOCATION:
        copy.recall_requested_at, copy.recall_reason = now, message.description
        session.flush()
        _notify_clerks(session, organisation.id, ASK_RECALL, document, json.loads(copy.header_json).get("subject", ""))
    else:
        _update_copy(session, copy, document, message, now)
        send_status(session, inbox=copy, code=Status.RECALL_AGREED, reason="", settings=settings, now=now)
    return ReceivedMessage(message.kind, message.sender.organ_id, copy.document_id, None, message.message_id,
                           copy.id)


def _update_copy(session: Session, copy: ExchangeInbox, document: Document | None, message: Message,
                 now: datetime) -> None:
    copy.header_json = _header_json(message)
    if document is not None and message.header is not None:
        changes = {name: {"from": _plain(getattr(document, name)), "to": _plain(value)}
                   for name, value in (("summary", message.header.subject), ("deadline", message.header.due_date))
                   if getattr(document, name) != value}
        document.summary, document.deadline = message.header.subject, message.header.due_date
        refresh_search_text(document)
        document.updated_at = now
        if changes:
            # The registered copy's trích yếu and deadline before and after, as a clerk's edit keeps them (a
            # confidential document's trích yếu as digests, as documents.metadata keeps it).
            if document.is_confidential and "summary" in changes:
                changes["summary"] = {f"{side}_sha256": hashlib.sha256(str(text).encode()).hexdigest()
                                      for side, text in changes["summary"].items()}
            audit.record(session, action=AuditAction.DOCUMENT_METADATA_EDITED, actor=None, object_type="document",
                         object_id=document.id, now=now,
                         details={"changes": changes, "partner": message.sender.organ_id})
    session.flush()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def receive_message(session: Session, *, organisation: Organisation, data: bytes, settings: Settings,
                    store: DocumentStore, now: datetime) -> ReceivedMessage:
    """Take one message in. Raises ValidationError (malformed, altered, bad signature, replayed, addressed to
    another organ, about a document not held) or PermissionDeniedError (sender not a registered partner, or
    signed under another root than the one registered for it). Flushes, never commits."""
    message = _open(session, organisation, data, settings, now)
    row = messages.record(session, organisation_id=organisation.id, direction=Direction.IN, message=message,
                          data=data, document_id=None, recipient_id=None, now=now)
    if message.kind in (Kind.EDOC, Kind.REPLACEMENT):
        received = _take_document(session, organisation, message, row, settings, store, now)
    elif message.kind == Kind.STATUS:
        received = _take_status(session, organisation, message, row, now)
    else:
        received = _take_on_copy(session, organisation, message, row, settings, now)
    audit.record(session, action=AuditAction.EXCHANGE_MESSAGE_RECEIVED, actor=None, object_type="exchange_message",
                 object_id=message.message_id, now=now,
                 details={"kind": message.kind, "from": message.sender.organ_id, "document_ref": message.document_id,
                          "status_code": message.status_code, "valid": received.valid,
                          "inbox_id": received.inbox_id})
    return received

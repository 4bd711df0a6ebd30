"""The clerk's answers to what partners sent: register a received document (số đến, status 03), return it to
the sender with a reason (02), and agree to (14: the copy is recalled and frozen, R38) or refuse (15) a
sender's recall request. A replacement, once registered, marks the copy it replaces REPLACED."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import doctypes, policy
from docflow.config import Settings
from docflow.errors import N_, InvalidTransitionError, NotFoundError, PermissionDeniedError
from docflow.exchange import Status
from docflow.models import (
    Document,
    DocumentKind,
    DocumentRelation,
    DocumentStatus,
    ExchangeInbox,
    InboxState,
    ReceiptSource,
    Urgency,
    User,
)
from docflow.models.documents import URGENCY_RANK
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.services.exchange.status import send_status
from docflow.services.incoming.registration import Registration, register_incoming
from docflow.services.outgoing.base import clean_reason
from docflow.storage import DocumentStore

URGENCY_OF = {str(rank): urgency for urgency, rank in URGENCY_RANK.items()}


def _check_clerk(actor: User) -> None:
    if not policy.may_register_incoming(actor):
        raise PermissionDeniedError(N_("Only the clerk (văn thư) answers documents received from other agencies."))


def get_inbox(session: Session, *, actor: User, inbox_id: int, lock: bool = False) -> ExchangeInbox:
    """A received message of the actor's ward. Raises PermissionDeniedError (not a clerk), NotFoundError."""
    _check_clerk(actor)
    inbox = session.get(ExchangeInbox, inbox_id, with_for_update=lock or None, populate_existing=lock)
    if inbox is None or inbox.organisation_id != actor.organisation_id:
        raise NotFoundError(N_("No document received from another agency has this number."))
    return inbox


def awaiting(session: Session, *, actor: User) -> list[ExchangeInbox]:
    """The received documents awaiting the clerk, and the copies whose sender asks for a recall."""
    _check_clerk(actor)
    return list(session.execute(select(ExchangeInbox).where(
        ExchangeInbox.organisation_id == actor.organisation_id,
        (ExchangeInbox.state == InboxState.AWAITING.value) | ExchangeInbox.recall_requested_at.is_not(None))
        .order_by(ExchangeInbox.received_at, ExchangeInbox.id)).scalars())


def document_input(inbox: ExchangeInbox, *, department_id: int | None) -> DocumentInput:
    """What the message says about the document, as the registration form would have it."""
    header = json.loads(inbox.header_json)
    notation = f"{header['code_number']}/{header['code_notation']}" if header["code_number"] else header["code_notation"]
    return DocumentInput(
        kind=DocumentKind.INCOMING,
        doc_type=header["type_code"] if doctypes.get_type(header["type_code"]) else "cong_van",
        summary=header["subject"], department_id=department_id, number_symbol=notation,
        document_date=date.fromisoformat(header["promulgation_date"]), issuing_body=inbox.sender_name,
        urgency=URGENCY_OF.get(header.get("priority", "0"), Urgency.NORMAL),
        deadline=date.fromisoformat(header["due_date"]) if header.get("due_date") else None)


def _awaiting(inbox: ExchangeInbox) -> None:
    if inbox.state != InboxState.AWAITING.value:
        raise InvalidTransitionError(N_("This received document was answered already."))


def register_received(session: Session, *, actor: User, inbox_id: int, settings: Settings, store: DocumentStore,
                      now: datetime, department_id: int | None = None, confirm_duplicate: bool = False) -> Registration:
    """The clerk registers a received document as any incoming one (register_incoming: the duplicate warning,
    the year's số đến, the signatures verified), received at the exchange's time; status 03 goes back.
    Raises what register_incoming raises, InvalidTransitionError (answered already). Flushes."""
    inbox = get_inbox(session, actor=actor, inbox_id=inbox_id, lock=True)
    _awaiting(inbox)
    upload = UploadedFile(io.BytesIO(store.read(inbox.pdf_sha256)), inbox.pdf_name)
    registration = register_incoming(session, actor=actor, data=document_input(inbox, department_id=department_id),
                                     upload=upload, store=store, settings=settings, now=now,
                                     received_at=min(inbox.received_at, now), receipt=ReceiptSource.ELECTRONIC,
                                     confirm_duplicate=confirm_duplicate)
    document = registration.document
    inbox.state, inbox.document_id = InboxState.REGISTERED.value, document.id
    inbox.decided_at, inbox.decided_by_id = now, actor.id
    _replace_earlier(session, inbox, document, now)
    session.flush()
    send_status(session, inbox=inbox, code=Status.ACCEPTED, reason="", settings=settings, now=now, actor=actor)
    return registration


def _replace_earlier(session: Session, inbox: ExchangeInbox, document: Document, now: datetime) -> None:
    earlier = session.get(ExchangeInbox, inbox.replaces_inbox_id) if inbox.replaces_inbox_id else None
    if earlier is None or earlier.document_id is None:
        return
    document.related_document_id, document.relation = earlier.document_id, DocumentRelation.REPLACES
    old = session.get(Document, earlier.document_id)
    if old is not None and policy.is_forward(old.status, DocumentStatus.REPLACED):
        old.status, old.updated_at = DocumentStatus.REPLACED, now


def return_to_sender(session: Session, *, actor: User, inbox_id: int, reason: str, settings: Settings,
                     now: datetime) -> ExchangeInbox:
    """The clerk refuses a received document (misaddressed, invalid: R42) and returns it with a reason (02).
    Raises PermissionDeniedError, NotFoundError, InvalidTransitionError, ValidationError. Flushes."""
    reason = clean_reason(reason, N_("Say why the document is returned to its sender."))
    inbox = get_inbox(session, actor=actor, inbox_id=inbox_id, lock=True)
    _awaiting(inbox)
    inbox.state, inbox.reason, inbox.decided_at, inbox.decided_by_id = InboxState.RETURNED.value, reason, now, actor.id
    session.flush()
    audit.record(session, action=AuditAction.EXCHANGE_RETURNED, actor=actor, object_type="exchange_inbox",
                 object_id=inbox.id, now=now, details={"document_ref": inbox.document_ref, "reason": reason})
    send_status(session, inbox=inbox, code=Status.REFUSED, reason=reason, settings=settings, now=now, actor=actor)
    return inbox


def _recall_requested(session: Session, actor: User, inbox_id: int) -> ExchangeInbox:
    inbox = get_inbox(session, actor=actor, inbox_id=inbox_id, lock=True)
    if inbox.recall_requested_at is None:
        raise InvalidTransitionError(N_("The sender has not asked to recall this document."))
    return inbox


def agree_recall(session: Session, *, actor: User, inbox_id: int, settings: Settings, now: datetime) -> ExchangeInbox:
    """The clerk agrees to the sender's recall: the copy (registered or not) is RECALLED and frozen (R38), its
    metadata kept; status 14 goes back. Raises PermissionDeniedError, NotFoundError, InvalidTransitionError."""
    inbox = _recall_requested(session, actor, inbox_id)
    document = session.get(Document, inbox.document_id, with_for_update=True) if inbox.document_id else None
    if document is not None and policy.is_forward(document.status, DocumentStatus.RECALLED):
        document.status, document.recalled_at, document.updated_at = DocumentStatus.RECALLED, now, now
    inbox.state, inbox.recall_requested_at, inbox.decided_at = InboxState.RECALLED.value, None, now
    inbox.decided_by_id = actor.id
    session.flush()
    audit.record(session, action=AuditAction.EXCHANGE_RECALL_AGREED, actor=actor, object_type="document",
                 object_id=inbox.document_id or inbox.document_ref, now=now,
                 details={"document_ref": inbox.document_ref, "reason": inbox.recall_reason})
    send_status(session, inbox=inbox, code=Status.RECALL_AGREED, reason="", settings=settings, now=now, actor=actor)
    return inbox


def refuse_recall(session: Session, *, actor: User, inbox_id: int, reason: str, settings: Settings,
                  now: datetime) -> ExchangeInbox:
    """The clerk refuses the sender's recall with a reason (15); the copy stays as it is."""
    reason = clean_reason(reason, N_("Say why the recall is refused."))
    inbox = _recall_requested(session, actor, inbox_id)
    inbox.recall_requested_at = None
    session.flush()
    audit.record(session, action=AuditAction.EXCHANGE_RECALL_REFUSED, actor=actor, object_type="document",
                 object_id=inbox.document_id or inbox.document_ref, now=now,
                 details={"document_ref": inbox.document_ref, "reason": reason})
    send_status(session, inbox=inbox, code=Status.RECALL_REFUSED, reason=reason, settings=settings, now=now,
                actor=actor)
    return inbox

"""After issue: recall (thu hồi) of an issued document with its delivered copies, and a replacement or
correction taking effect on the document it follows when it is issued itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_, ConfigurationError, InvalidTransitionError, PermissionDeniedError
from docflow.models import Document, DocumentRelation, DocumentStatus, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.exchange import delivery as exchange_delivery
from docflow.services.outgoing.base import clean_reason, get_outgoing, notify_users
from docflow.services.outgoing.distribution import copies_of


def recall_document(session: Session, *, actor: User, document_id: int, reason: str,
                    now: datetime | None = None, settings: Settings | None = None) -> Document:
    """Recall (thu hồi) an issued document: it and its delivered copies are frozen as RECALLED, and the
    recipients, the drafter and the signer are notified; each exchange partner it was sent to gets a
    revocation message (signed with the ward's system key: ``settings`` is needed then).

    Raises PermissionDeniedError (not a leader or clerk), InvalidTransitionError, ValidationError,
    ConfigurationError (partners to tell and no ``settings``). Flushes.
    """
    now = now or utc_now()
    if not policy.may_recall(actor):
        raise PermissionDeniedError(N_("Only a leader or the clerk can recall an issued document."))
    reason = clean_reason(reason, N_("Say why the document is recalled."))
    document = get_outgoing(session, actor=actor, document_id=document_id, lock=True)
    if document.status is not DocumentStatus.ISSUED:
        raise InvalidTransitionError(N_("Only an issued document can be recalled."))
    copies = copies_of(session, document)
    for doc in (document, *copies):
        if policy.is_forward(doc.status, DocumentStatus.RECALLED):
            doc.status, doc.recalled_at, doc.updated_at = DocumentStatus.RECALLED, now, now
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_RECALLED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"reason": reason, "number_symbol": document.number_symbol,
                          "copies": [c.id for c in copies]})
    message = N_("Recalled: %(summary)s")
    for copy in copies:
        heads = session.execute(select(User.id).where(User.department_id == copy.department_id,
                                                      User.is_active.is_(True))).scalars()
        notify_users(session, list(heads), copy, message)
    notify_users(session, [document.created_by_id, document.signer_id], document, message)
    _tell_partners(session, actor, document, reason, settings, now)
    return document


def _tell_partners(session: Session, actor: User, document: Document, reason: str, settings: Settings | None,
                   now: datetime) -> None:
    if settings is not None:
        exchange_delivery.recall_from_partners(session, actor=actor, document=document, reason=reason,
                                               settings=settings, now=now)
    elif exchange_delivery.deliveries_of(session, document.id):
        raise ConfigurationError("recall_document needs the settings to send the partners a revocation message")


def take_effect(session: Session, actor: User, document: Document, now: datetime) -> None:
    """A replacement marks the document it replaces REPLACED; a correction letter is recorded on the original."""
    if document.related_document_id is None or document.relation not in (DocumentRelation.REPLACES,
                                                                         DocumentRelation.CORRECTS):
        return
    original = session.get(Document, document.related_document_id, with_for_update=True)
    if original is None:
        return
    if document.relation == DocumentRelation.REPLACES:
        if original.status is DocumentStatus.ISSUED:
            policy.move_status(original, DocumentStatus.REPLACED)
            original.updated_at = now
            for copy in copies_of(session, original):
                if policy.is_forward(copy.status, DocumentStatus.REPLACED):
                    copy.status, copy.updated_at = DocumentStatus.REPLACED, now
        action = AuditAction.DOCUMENT_REPLACED
    else:
        action = AuditAction.DOCUMENT_CORRECTED
    session.flush()
    audit.record(session, action=action, actor=actor, object_type="document", object_id=original.id, now=now,
                 details={"by_document_id": document.id, "by_number_symbol": document.number_symbol})

"""`docflow exchange export`: an issued outgoing document of the ward as a signed edXML message in a file
(sneakernet, or to hand to another system), addressed to one organ or to none."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_, InvalidTransitionError, PermissionDeniedError
from docflow.exchange import Organ
from docflow.models import Direction, Document, DocumentStatus, ExchangeDelivery, ExchangePartner, Recipient, User
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.exchange import messages
from docflow.services.exchange.delivery import partner_of
from docflow.services.exchange.sealing import seal_as_ward, ward_organ
from docflow.services.outgoing.base import get_outgoing, recipients_of
from docflow.services.people.organisation import check_organ_id
from docflow.storage import DocumentStore


def export_document(session: Session, *, actor: User, document_id: int, to: str | None, settings: Settings,
                    store: DocumentStore, now: datetime) -> bytes:
    """The signed edXML bytes of an issued outgoing document of the actor's ward (a clerk or an
    administrator), audited and kept on record. Raises PermissionDeniedError, NotFoundError, WrongKindError,
    InvalidTransitionError (not issued), ValidationError, ConfigurationError (no system key). Flushes."""
    if not (policy.may_register_incoming(actor) or policy.may_administer(actor)):
        raise PermissionDeniedError(N_("Only the clerk or an administrator exports documents for another agency."))
    # locked: two exports to one partner at once must not make it a recipient twice
    document = get_outgoing(session, actor=actor, document_id=document_id, lock=True)
    if document.organisation_id != actor.organisation_id:
        raise PermissionDeniedError(N_("Only the clerk or an administrator exports documents for another agency."))
    if document.status is not DocumentStatus.ISSUED:
        raise InvalidTransitionError(N_("Only an issued document in force can be exported."))
    receiver, partner = Organ(""), None
    if to:
        organ_id = check_organ_id(to)
        partner = session.execute(select(ExchangePartner).where(
            ExchangePartner.organisation_id == actor.organisation_id, ExchangePartner.organ_id == organ_id,
            ExchangePartner.is_active.is_(True))).scalar_one_or_none()
        receiver = Organ(organ_id, partner.name if partner else "")
    message = messages.document_message(document, sender=ward_organ(document.organisation, settings),
                                        receiver=receiver, store=store, now=now)
    data = seal_as_ward(session, settings=settings, message=message)
    # A file for a registered partner is a delivery like the outbox's (carried by hand): the partner becomes
    # a recipient of the document, so its status messages are taken and shown on it (R49).
    recipient_id = _partner_recipient(session, document, partner, message.document_id) if partner else None
    messages.record(session, organisation_id=document.organisation_id, direction=Direction.OUT, message=message,
                    data=data, document_id=document.id, recipient_id=recipient_id, now=now)
    audit.record(session, action=AuditAction.EXCHANGE_DOCUMENT_EXPORTED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"message_id": message.message_id, "to": receiver.organ_id, "document_ref": message.document_id})
    return data


def _partner_recipient(session: Session, document: Document, partner: ExchangePartner, document_ref: str) -> int:
    """The recipient naming ``partner`` on ``document`` (made when the document did not list it), with its
    exchange delivery under ``document_ref``. Flushes."""
    recipients = [r for r in recipients_of(session, document.id) if partner_of(r, [partner]) is not None]
    recipient = recipients[0] if recipients else None
    if recipient is None:
        recipient = Recipient(document_id=document.id, external_name=f"{partner.name} ({partner.organ_id})"[:300])
        session.add(recipient)
        session.flush()
    if session.execute(select(ExchangeDelivery.id).where(ExchangeDelivery.recipient_id == recipient.id)).first() is None:
        session.add(ExchangeDelivery(organisation_id=document.organisation_id, recipient_id=recipient.id,
                                     document_id=document.id, partner_organ_id=partner.organ_id,
                                     document_ref=document_ref))
        session.flush()
    return recipient.id

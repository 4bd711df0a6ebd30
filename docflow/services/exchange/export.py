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
from docflow.models import DocumentStatus, Direction, ExchangePartner, User
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.exchange import messages
from docflow.services.exchange.sealing import seal_as_ward, ward_organ
from docflow.services.outgoing.base import get_outgoing
from docflow.services.people.organisation import check_organ_id
from docflow.storage import DocumentStore


def export_document(session: Session, *, actor: User, document_id: int, to: str | None, settings: Settings,
                    store: DocumentStore, now: datetime) -> bytes:
    """The signed edXML bytes of an issued outgoing document of the actor's ward (a clerk or an
    administrator), audited and kept on record. Raises PermissionDeniedError, NotFoundError, WrongKindError,
    InvalidTransitionError (not issued), ValidationError, ConfigurationError (no system key). Flushes."""
    if not (policy.may_register_incoming(actor) or policy.may_administer(actor)):
        raise PermissionDeniedError(N_("Only the clerk or an administrator exports documents for another agency."))
    document = get_outgoing(session, actor=actor, document_id=document_id)
    if document.organisation_id != actor.organisation_id:
        raise PermissionDeniedError(N_("Only the clerk or an administrator exports documents for another agency."))
    if document.status is not DocumentStatus.ISSUED:
        raise InvalidTransitionError(N_("Only an issued document in force can be exported."))
    receiver = Organ("")
    if to:
        organ_id = check_organ_id(to)
        name = session.execute(select(ExchangePartner.name).where(
            ExchangePartner.organisation_id == actor.organisation_id, ExchangePartner.organ_id == organ_id)).scalar()
        receiver = Organ(organ_id, name or "")
    message = messages.document_message(document, sender=ward_organ(document.organisation, settings),
                                        receiver=receiver, store=store, now=now)
    data = seal_as_ward(session, settings=settings, message=message)
    messages.record(session, organisation_id=document.organisation_id, direction=Direction.OUT, message=message,
                    data=data, document_id=document.id, recipient_id=None, now=now)
    audit.record(session, action=AuditAction.EXCHANGE_DOCUMENT_EXPORTED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"message_id": message.message_id, "to": receiver.organ_id, "document_ref": message.document_id})
    return data

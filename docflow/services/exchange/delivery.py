"""The sender's side: an issued document's external recipients that are exchange partners get it as an edXML
message (a replacement when it replaces a document they received), are "sent" only when the transport confirms
and show the status the partner sends back (R49); a recall sends each of them a revocation (status 13 until
they answer 14 or 15). Plain external names (no partner) are recorded only, not sent electronically."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.exchange import Kind, Organ, Status
from docflow.models import Document, DocumentRelation, ExchangeDelivery, ExchangePartner, Recipient, User
from docflow.services.exchange import messages
from docflow.services.exchange.partners import list_partners
from docflow.services.exchange.sealing import ward_organ
from docflow.storage import DocumentStore

ORGAN_IN_NAME = re.compile(r"\b[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}\b")


def partner_of(recipient: Recipient, partners: Sequence[ExchangePartner]) -> ExchangePartner | None:
    """The active partner an external recipient names: by its organ id in the name ("UBND phường X
    (000.00.02.H99)"), else by the partner's name exactly (case aside)."""
    if recipient.department_id is not None or not recipient.external_name:
        return None
    active = [p for p in partners if p.is_active]
    found = ORGAN_IN_NAME.search(recipient.external_name)
    if found:
        return next((p for p in active if p.organ_id == found.group(0)), None)
    name = recipient.external_name.strip().casefold()
    return next((p for p in active if p.name.strip().casefold() == name), None)


def partner_recipients(session: Session, document: Document, recipients: Sequence[Recipient]
                       ) -> list[tuple[Recipient, ExchangePartner]]:
    """The recipients sent the document by exchange, one per partner: two lines naming the same agency (by its
    organ id and by its name) get ONE message, the first line's (a second one would be refused by the partner as
    received already, and its status messages could not tell our two deliveries apart)."""
    partners = list_partners(session, organisation_id=document.organisation_id)
    pairs: dict[str, tuple[Recipient, ExchangePartner]] = {}
    for recipient in recipients:
        partner = partner_of(recipient, partners)
        if partner is not None:
            pairs.setdefault(partner.organ_id, (recipient, partner))
    return list(pairs.values())


def _replaced_ref(session: Session, document: Document, partner: ExchangePartner) -> str:
    if document.relation != DocumentRelation.REPLACES or document.related_document_id is None:
        return ""
    earlier = session.execute(select(ExchangeDelivery.document_ref).where(
        ExchangeDelivery.document_id == document.related_document_id,
        ExchangeDelivery.partner_organ_id == partner.organ_id)).scalars().first()
    return earlier or ""


def send_to_partners(session: Session, *, actor: User, document: Document, recipients: Sequence[Recipient],
                     settings: Settings, store: DocumentStore, now: datetime) -> set[int]:
    """Send the issued document to each partner recipient; returns their recipient ids (not "sent" until the
    transport confirms). Raises ConfigurationError (no system key or organ id). Flushes."""
    pairs = partner_recipients(session, document, recipients)
    if not pairs:
        return set()
    sender = ward_organ(document.organisation, settings)
    for recipient, partner in pairs:
        if session.execute(select(ExchangeDelivery.id).where(ExchangeDelivery.recipient_id == recipient.id)).first():
            continue
        related = _replaced_ref(session, document, partner)
        message = messages.document_message(document, sender=sender, receiver=Organ(partner.organ_id, partner.name),
                                            store=store, now=now, kind=Kind.REPLACEMENT if related else Kind.EDOC,
                                            related=related)
        session.add(ExchangeDelivery(organisation_id=document.organisation_id, recipient_id=recipient.id,
                                     document_id=document.id, partner_organ_id=partner.organ_id,
                                     document_ref=message.document_id))
        messages.dispatch(session, settings=settings, organisation=document.organisation, message=message,
                          actor=actor, document_id=document.id, recipient_id=recipient.id, now=now)
    return {r.id for r, _ in pairs}


def deliveries_of(session: Session, document_id: int) -> list[ExchangeDelivery]:
    return list(session.execute(select(ExchangeDelivery).where(ExchangeDelivery.document_id == document_id)
                                .order_by(ExchangeDelivery.id)).scalars())


def recall_from_partners(session: Session, *, actor: User, document: Document, reason: str, settings: Settings,
                         now: datetime) -> int:
    """A revocation message to each partner the document went to; their status is 13 (recall requested)
    until they answer. Returns how many. Flushes."""
    deliveries = deliveries_of(session, document.id)
    if not deliveries:
        return 0
    sender = ward_organ(document.organisation, settings)
    for delivery in deliveries:
        message = messages.revocation_message(sender=sender, receiver=Organ(delivery.partner_organ_id),
                                              about=delivery.document_ref, reason=reason, now=now)
        messages.dispatch(session, settings=settings, organisation=document.organisation, message=message,
                          actor=actor, document_id=document.id, recipient_id=delivery.recipient_id, now=now)
        delivery.status_code, delivery.status_at, delivery.description = Status.RECALL_REQUESTED, now, reason
    session.flush()
    return len(deliveries)


def deliveries_by_recipient(session: Session, document_id: int) -> dict[int, ExchangeDelivery]:
    """The document's partner recipients' exchange status, by recipient id (the outgoing page)."""
    return {d.recipient_id: d for d in deliveries_of(session, document_id)}

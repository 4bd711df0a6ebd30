"""Status messages back to the agency that sent the ward a document (R42, R49, R66): received (01) at once,
refused with a reason (02), registered (03), directed (04), in progress (05), completed (06), and the answers
to a recall (14 agreed, 15 refused). Each code goes once per document, except the ones that carry a reason."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.exchange import Organ
from docflow.exchange.message import NEEDS_REASON
from docflow.models import Direction, Document, ExchangeInbox, ExchangeMessage, Organisation, User
from docflow.services.exchange import messages
from docflow.services.exchange.sealing import ward_organ


def _sent_already(session: Session, inbox: ExchangeInbox, code: str) -> bool:
    return session.execute(select(ExchangeMessage.id).where(
        ExchangeMessage.organisation_id == inbox.organisation_id, ExchangeMessage.direction == Direction.OUT.value,
        ExchangeMessage.kind == "status", ExchangeMessage.partner_organ_id == inbox.partner_organ_id,
        ExchangeMessage.document_ref == inbox.document_ref, ExchangeMessage.status_code == code)).first() is not None


def send_status(session: Session, *, inbox: ExchangeInbox, code: str, reason: str, settings: Settings,
                now: datetime, actor: User | None = None) -> bool:
    """Send status ``code`` about a received document to its sender; False when that code went already.
    Raises ConfigurationError (no system key), ValidationError (a refusal without a reason). Flushes."""
    if code not in NEEDS_REASON and _sent_already(session, inbox, code):
        return False
    organisation = session.get(Organisation, inbox.organisation_id)
    if organisation is None:
        return False
    message = messages.status_message(sender=ward_organ(organisation, settings),
                                      receiver=Organ(inbox.partner_organ_id, inbox.sender_name),
                                      about=inbox.document_ref, code=code, reason=reason, now=now)
    messages.dispatch(session, settings=settings, organisation=organisation, message=message, actor=actor,
                      document_id=inbox.document_id, recipient_id=None, now=now)
    return True


def received_copy(session: Session, document_id: int) -> ExchangeInbox | None:
    """The received message a registered document came from, or None (it did not come through the exchange)."""
    return session.execute(select(ExchangeInbox).where(ExchangeInbox.document_id == document_id)).scalar_one_or_none()


def notify_sender(session: Session, document: Document, code: str, now: datetime, reason: str = "", *,
                  settings: Settings, actor: User | None = None) -> None:
    """Tell the sender of ``document`` that it reached step ``code``; nothing for a document that did not come
    through the exchange. Flushes."""
    inbox = received_copy(session, document.id)
    if inbox is not None:
        send_status(session, inbox=inbox, code=code, reason=reason, settings=settings, now=now, actor=actor)

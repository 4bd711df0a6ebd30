"""Distribution of an issued outgoing document: each internal recipient department receives a copy for
information (the same signed file; not an incoming document: no số đến, nothing for a leader to direct);
external recipients that are exchange partners get it as an edXML message and are "sent" when the transport
confirms it; other external names are recorded as sent (on paper: not sent electronically)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_
from docflow.models import (
    Document,
    DocumentKind,
    DocumentRelation,
    DocumentStatus,
    DocumentVersion,
    Role,
    User,
)
from docflow.models.routing import Recipient
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.exchange import delivery as exchange_delivery
from docflow.services.outgoing.base import notify_users, recipients_of
from docflow.services.textindex import copy_page_texts
from docflow.storage import DocumentStore


def distribute(session: Session, *, actor: User, document: Document, version: DocumentVersion,
               settings: Settings, store: DocumentStore, now: datetime) -> list[Recipient]:
    """Each internal recipient department receives a copy for information of the issued document (the same
    signed file); exchange partners are sent an edXML message (``sent_at`` set when the transport confirms);
    other external recipients are recorded as sent. Flushes."""
    recipients = recipients_of(session, document.id)
    exchanged = exchange_delivery.send_to_partners(session, actor=actor, document=document, recipients=recipients,
                                                   settings=settings, store=store, now=now)
    for recipient in recipients:
        if recipient.id not in exchanged:
            recipient.sent_at = now
        if recipient.department_id is not None and recipient.delivered_document_id is None:
            recipient.delivered_document_id = _deliver(session, actor, document, version, recipient, now)
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_DISTRIBUTED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"departments": [r.department_id for r in recipients if r.department_id is not None],
                          "delivered": [r.delivered_document_id for r in recipients if r.delivered_document_id],
                          "external": [r.external_name for r in recipients if r.department_id is None],
                          "exchanged": sorted(exchanged)})
    return recipients


def _deliver(session: Session, actor: User, document: Document, version: DocumentVersion, recipient: Recipient,
             now: datetime) -> int:
    # The ward's own document is not received from another body (Decree 30, Art. 20–22 number only those):
    # it takes no số đến, is kept out of the incoming register and the direction queue, and the department
    # sees it "for information".
    copy = Document(organisation_id=document.organisation_id, department_id=recipient.department_id,
                    kind=DocumentKind.INCOMING, doc_type=document.doc_type, number_symbol=document.number_symbol,
                    document_date=document.document_date, issuing_body=document.organisation.name,
                    summary=document.summary, search_text=document.search_text, urgency=document.urgency,
                    confidentiality=document.confidentiality, status=DocumentStatus.FOR_INFORMATION,
                    received_at=now, related_document_id=document.id, relation=DocumentRelation.COPY_OF,
                    created_by_id=actor.id, created_at=now, updated_at=now)
    session.add(copy)
    session.flush()
    delivered = DocumentVersion(document_id=copy.id, number=1, sha256=version.sha256, size=version.size,
                                page_count=version.page_count, active_content=version.active_content,
                                original_filename=None, note="", created_at=now, created_by_id=actor.id)
    session.add(delivered)
    session.flush()
    copy_page_texts(session, source_document_id=document.id, version=delivered, now=now)
    audit.record(session, action=AuditAction.COPY_DELIVERED, actor=actor, object_type="document",
                 object_id=copy.id, now=now,
                 details={"from_document_id": document.id, "department_id": recipient.department_id,
                          "sha256": version.sha256})
    heads = session.execute(select(User.id).where(User.department_id == recipient.department_id,
                                                  User.role == Role.HEAD, User.is_active.is_(True))).scalars()
    notify_users(session, list(heads), copy, N_("A document of the ward was delivered to your department: %(summary)s"))
    return copy.id


def copies_of(session: Session, document: Document) -> list[Document]:
    """The copies for information distribution delivered of ``document``."""
    ids = [r.delivered_document_id for r in recipients_of(session, document.id) if r.delivered_document_id]
    return list(session.execute(select(Document).where(Document.id.in_(ids))).scalars()) if ids else []

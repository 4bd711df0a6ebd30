"""What each role's home page lists, with the text shown when a list is empty."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload

from docflow.errors import N_
from docflow.models import AuditEvent, Document, DocumentKind, DocumentStatus, Role, Urgency, User
from docflow.services import access

SECTION_SIZE = 8


@dataclass(frozen=True)
class Section:
    title: str   # msgid
    empty: str   # msgid: what will appear here
    documents: list[Document]


def _docs(session: Session, actor: User, *conditions: object) -> list[Document]:
    urgency_rank = case({Urgency.EXPRESS: 0, Urgency.VERY_URGENT: 1, Urgency.URGENT: 2}, value=Document.urgency,
                        else_=3)
    stmt = (select(Document).where(access.visible_filter(actor), *conditions)  # type: ignore[arg-type]
            .options(selectinload(Document.department))
            .order_by(urgency_rank, Document.created_at.desc(), Document.id.desc()).limit(SECTION_SIZE))
    return list(session.execute(stmt).scalars())


def sections_for(session: Session, actor: User) -> list[Section]:
    """The home page's lists for ``actor``'s role, most urgent first."""
    urgent = Document.urgency != Urgency.NORMAL
    if actor.role is Role.CLERK:
        return [
            Section(N_("Incoming documents registered recently"),
                    N_("Incoming documents you register will appear here. Use “Upload document” to register one."),
                    _docs(session, actor, Document.kind == DocumentKind.INCOMING)),
            Section(N_("Signed documents to issue"),
                    N_("Outgoing documents signed by a leader and waiting for a number and the ward's seal "
                       "will appear here."),
                    _docs(session, actor, Document.status == DocumentStatus.SIGNED)),
        ]
    if actor.role is Role.LEADER:
        return [
            Section(N_("Urgent documents"), N_("Documents marked Khẩn, Thượng khẩn or Hỏa tốc will appear here."),
                    _docs(session, actor, urgent)),
            Section(N_("Incoming documents to direct"),
                    N_("Incoming documents registered by the clerk and waiting for your direction will appear here."),
                    _docs(session, actor, Document.kind == DocumentKind.INCOMING,
                          Document.status == DocumentStatus.REGISTERED)),
            Section(N_("Documents awaiting your signature"),
                    N_("Outgoing drafts submitted for your signature will appear here."),
                    _docs(session, actor, Document.status == DocumentStatus.AWAITING_SIGNATURE)),
        ]
    if actor.role is Role.HEAD:
        return [
            Section(N_("Your department's documents"),
                    N_("Documents of your department will appear here."),
                    _docs(session, actor, Document.department_id == actor.department_id)),
            Section(N_("Drafts to review"),
                    N_("Drafts your officials submit for review will appear here."),
                    _docs(session, actor, Document.department_id == actor.department_id,
                          Document.status == DocumentStatus.IN_REVIEW)),
        ]
    if actor.role is Role.OFFICIAL:
        return [
            Section(N_("Your drafts"), N_("Outgoing drafts you upload will appear here."),
                    _docs(session, actor, Document.created_by_id == actor.id,
                          Document.status == DocumentStatus.DRAFT)),
            Section(N_("Your department's documents"),
                    N_("Documents of your department and those assigned to you will appear here."),
                    _docs(session, actor)),
        ]
    return [Section(N_("Recent documents"), N_("Documents registered in docflow will appear here."),
                    _docs(session, actor))]


def recent_events(session: Session, limit: int = 10) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    return list(session.execute(stmt).scalars())

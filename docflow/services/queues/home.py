"""What each role's home page shows: the user's work queues with their counts and first items, and for
roles without queues (administrators, auditors) the latest documents and audit events."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from docflow import policy
from docflow.models import AuditEvent, Document, User
from docflow.services import audit
from docflow.services.documents import COUNT_LIMIT
from docflow.services.queues.catalogue import QUEUE_INFO, Day, QueueInfo, QueueItem, QueueName
from docflow.services.queues.queries import count_queues, preview_queue

RECENT_SIZE = 8
PREVIEWED = 3


@dataclass(frozen=True)
class QueueCard:
    name: QueueName
    count: int          # capped like every list count: above COUNT_LIMIT reads "more than"
    items: list[QueueItem]

    @property
    def info(self) -> QueueInfo:
        return QUEUE_INFO[self.name]

    @property
    def more(self) -> bool:
        return self.count > COUNT_LIMIT


def cards_for(session: Session, *, actor: User, day: Day) -> list[QueueCard]:
    """One card per queue of the actor's role, in the role's order: the count and, for the first
    ``PREVIEWED`` queues that hold work, their first few items. One query for every count, then one per
    previewed queue, so the page costs the same whatever the backlog."""
    counts = count_queues(session, actor=actor, day=day)
    previewed = [name for name, count in counts.items() if count][:PREVIEWED]
    return [QueueCard(name, count, preview_queue(session, actor=actor, name=name, day=day)
                      if name in previewed else [])
            for name, count in counts.items()]


def recent_documents(session: Session, actor: User, limit: int = RECENT_SIZE) -> list[Document]:
    """The latest documents ``actor`` may see."""
    stmt = (select(Document).where(policy.visible_filter(actor))
            .options(selectinload(Document.department), undefer(Document.handling_deadline))
            .order_by(Document.created_at.desc(), Document.id.desc()).limit(limit))
    return list(session.execute(stmt).scalars())


def recent_events(session: Session, limit: int = 10) -> list[AuditEvent]:
    """The latest events of the chain of the ward the work in hand acts for."""
    stmt = (select(AuditEvent).where(AuditEvent.organisation_id == audit.chain_ward(session))
            .order_by(AuditEvent.seq.desc()).limit(limit))
    return list(session.execute(stmt).scalars())

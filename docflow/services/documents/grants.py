"""Who is given access to a document beyond its department, and who confirms a leader's proposal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.models import Document, DocumentGrant, GrantReason, Role, User
from docflow.services import audit
from docflow.services.audit import AuditAction


def ensure_grant(session: Session, document: Document, user: User, reason: GrantReason, now: datetime,
                 by: User | None = None, confirms: int | None = None) -> None:
    """Give ``user`` access to ``document`` for ``reason`` unless a grant for it exists already; ``by``: who
    gives it (the user themself when None); ``confirms``: the proposal (audit seq) a leader confirmed, which
    this grant carries out. Flushes."""
    exists = session.execute(select(DocumentGrant.id).where(
        DocumentGrant.document_id == document.id, DocumentGrant.user_id == user.id,
        DocumentGrant.reason == reason)).first()
    if not exists:
        granter = by or user
        session.add(DocumentGrant(document_id=document.id, user_id=user.id, reason=reason,
                                  granted_by_id=granter.id, granted_at=now))
        if reason is GrantReason.CONFIDENTIAL_ACCESS:
            # A clearance for a confidential document is a change of access rights: audited, and
            # flagged until a leader confirms it (docflow.services.people.access_changes).
            details: dict[str, object] = {"user_id": user.id, "username": user.username, "reason": reason.value}
            if confirms is not None:
                details["confirms"] = confirms
            audit.record(session, action=AuditAction.DOCUMENT_ACCESS_GRANTED, actor=granter, object_type="document",
                         object_id=document.id, now=now, details=details)


def other_leaders(session: Session, actor: User) -> list[User]:
    """The ward's active leaders but ``actor``: those who confirm what ``actor`` proposes."""
    return list(session.execute(select(User).where(
        User.organisation_id == actor.organisation_id, User.role == Role.LEADER, User.is_active.is_(True),
        User.id != actor.id).order_by(User.id)).scalars())

"""What every stage of an outgoing document (văn bản đi) shares: the lookup, the statuses, the reason a
return or recall needs, the recipients and the notices."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from docflow.errors import N_, ValidationError, WrongKindError
from docflow.models import Document, DocumentKind, DocumentStatus, Role, User
from docflow.models.routing import Recipient
from docflow.services import documents as doc_service
from docflow.services import notifications

ROUTED = (DocumentStatus.IN_REVIEW, DocumentStatus.AWAITING_SIGNATURE)
# Before issue a draft still takes new versions (a version after an approval starts a new round).
REVISABLE_STATUSES = (DocumentStatus.DRAFT, *ROUTED, DocumentStatus.SIGNED)
MAX_REASON = 2000
# What the route's notices ask for: done once the step is decided (or the draft recalled) by anyone.
ASK_REVIEW = N_("A draft awaits your review: %(summary)s")
ASK_REVIEW_AGAIN = N_("A draft changed after approval and awaits your review again: %(summary)s")
ASK_SIGN = N_("A draft awaits your signature: %(summary)s")
ASK_ISSUE = N_("A signed document awaits issue: %(summary)s")
ROUTE_ASKS = (ASK_REVIEW, ASK_REVIEW_AGAIN, ASK_SIGN, ASK_ISSUE)


def get_outgoing(session: Session, *, actor: User, document_id: int, lock: bool = False) -> Document:
    """An outgoing document ``actor`` may see. Raises NotFoundError, PermissionDeniedError, WrongKindError."""
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id, lock=lock)
    if document.kind is not DocumentKind.OUTGOING:
        raise WrongKindError(N_("This is not an outgoing document."))
    return document


def clean_reason(reason: str, missing: str) -> str:
    """A return or recall reason, required and at most 2000 characters. Raises ValidationError."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(missing, field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(N_("The reason is too long (at most 2000 characters)."), field="reason")
    return reason


def recipients_of(session: Session, document_id: int) -> list[Recipient]:
    return list(session.execute(select(Recipient).where(Recipient.document_id == document_id)
                                .options(selectinload(Recipient.department)).order_by(Recipient.id)).scalars())


def clerks_of(session: Session, document: Document) -> list[int]:
    return list(session.execute(select(User.id).where(User.organisation_id == document.organisation_id,
                                                      User.role == Role.CLERK, User.is_active.is_(True))).scalars())


def notify_users(session: Session, user_ids: Sequence[int | None], document: Document, message: str) -> None:
    """In-app notices (and e-mail when configured) about ``document`` for each user, once each."""
    users = [u for u in (session.get(User, i) for i in dict.fromkeys(user_ids) if i is not None)
             if u is not None and u.is_active]
    if users:
        notifications.notify(session, users=users, document=document, message=message,
                             params={"summary": document.summary[:120]}, urgent=document.is_urgent)

"""Pieces every incoming action shares: limits on free text, who holds an assignment, the grant that lets a
holder see the document, notices, the audit record, and the checks against a stale form."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from docflow.errors import N_, ConflictError, NotFoundError, ValidationError
from docflow.models import Assignment, Document, DocumentKind, GrantReason, User
from docflow.services import audit, notifications
from docflow.services import documents as doc_service
from docflow.services.audit import AuditAction
from docflow.services.people.eligibility import department_heads

MAX_TEXT = 5000
WORKFLOW_KINDS = (DocumentKind.INCOMING, DocumentKind.INTERNAL)
STALE = N_("Someone else acted on this document after you opened it. Reload the page to see what they did, "
           "then try again.")
# What the notices of incoming work ask for (English msgids): done when it has happened (see ``settle``).
ASK_HANDLE = N_("New document to handle: %(summary)s")
ASK_READ = N_("A document for your information: %(summary)s")
ASK_ACCEPT = N_("Completion proposed, awaiting your acceptance: %(summary)s")
ASK_CONFIRM_FORWARD = N_("A confidential document forwarded to another department awaits your confirmation.")
WORK_ASKS = (ASK_HANDLE, ASK_ACCEPT, ASK_CONFIRM_FORWARD, notifications.MSG_OVERDUE_FOR_ASSIGNEE,
             notifications.MSG_OVERDUE_FOR_SUPERVISOR)


def digest(text: str) -> str:
    """Free text (instructions, opinions, notes) stays in the document's thread; the audit log, read by
    people not cleared for confidential documents, keeps only its digest."""
    return hashlib.sha256(text.encode()).hexdigest()


def clean_text(value: str, field: str, *, required: bool, message: str) -> str:
    """``value`` stripped; ValidationError (``message``) when required and empty, or when too long."""
    value = value.strip()
    if required and not value:
        raise ValidationError(message, field=field)
    if len(value) > MAX_TEXT:
        raise ValidationError(N_("The text is too long (at most %(n)s characters)."), field=field, n=MAX_TEXT)
    return value


def grant(session: Session, document: Document, user: User, *, by: User, now: datetime) -> None:
    """Let an assignee see the document; a confidential one also needs clearance, which directing gives."""
    reasons = [GrantReason.ASSIGNED]
    if document.is_confidential:
        reasons.append(GrantReason.CONFIDENTIAL_ACCESS)   # audited and flagged for a leader's confirmation
    for reason in reasons:
        doc_service.ensure_grant(session, document, user, reason, now, by=by)


def receivers(session: Session, assignment: Assignment) -> list[User]:
    """Who holds an assignment: its person, or the heads of its department (nobody when neither exists)."""
    if assignment.assignee_id is not None:
        user = session.get(User, assignment.assignee_id)
        return [user] if user is not None else []
    if assignment.department_id is None:
        return []
    return department_heads(session, assignment.department_id)


def notify(session: Session, document: Document, users: Iterable[User], message: str, **params: Any) -> None:
    notifications.notify(session, users=list(users), document=document, message=message, params=params,
                         urgent=document.is_urgent)


def settle(session: Session, document: Document, messages: Iterable[str], now: datetime,
           users: Iterable[User] | None = None) -> None:
    """The notices about ``document`` that asked for what just happened are done (of ``users``, or anyone's)."""
    notifications.settle(session, document_id=document.id, messages=tuple(messages), now=now,
                         user_ids=None if users is None else [u.id for u in users])


def record(session: Session, action: AuditAction, actor: User, document: Document, now: datetime,
           **details: Any) -> None:
    audit.record(session, action=action, actor=actor, object_type="document", object_id=document.id,
                 details=details, now=now)


def check_row_version(row: Document | Assignment, expected: int | None) -> None:
    if expected is not None and expected != row.row_version:
        raise ConflictError(STALE)


def get_assignment(session: Session, assignment_id: int, *, lock: bool = False) -> Assignment:
    try:
        assignment = session.get(Assignment, assignment_id, with_for_update=lock or None, populate_existing=lock)
    except StaleDataError:
        # Loaded earlier in this session, changed by someone else since: the same as a stale form.
        raise ConflictError(STALE) from None
    if assignment is None:
        raise NotFoundError(N_("Assignment not found."))
    return assignment

"""Completing an assignment: a handler's completion completes the department's share when no other handler
is at work, and the lead's completion completes the document and closes what is still open on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_
from docflow.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Document,
    DocumentStatus,
    User,
    utc_now,
)
from docflow.models.routing import ACTIVE_ASSIGNMENT_STATUSES
from docflow.services.audit import AuditAction
from docflow.services.incoming.assignments import acting, open_children
from docflow.services.incoming.common import clean_text, digest, notify, record
from docflow.services.incoming.deadlines import completion_state, local_date


def complete_assignment(session: Session, *, actor: User, assignment_id: int, result: str, settings: Settings,
                        expected_row_version: int | None = None, now: datetime | None = None) -> Assignment:
    """Complete an assignment with its result. A handler's completion completes the department's assignment
    when no other handler is still at work; the lead's completion completes the document and closes what
    is still open on it.

    Raises PermissionDeniedError, InvalidTransitionError, ConflictError, ValidationError. Flushes.
    """
    now = now or utc_now()
    document, assignment = acting(session, actor=actor, assignment_id=assignment_id,
                                  expected_row_version=expected_row_version)
    result = clean_text(result, "result", required=assignment.role is AssignmentRole.LEAD,
                        message=N_("Write the result of the handling."))
    cancelled = open_children(session, assignment)
    for child in cancelled:   # the head decided: the handlers' open work ends with the department's
        child.status, child.completed_at = AssignmentStatus.CANCELLED, now
    _finish(assignment, result, now)
    parent = _department_done(session, assignment)
    if parent is not None:
        _finish(parent, result, now)
    top = parent or assignment
    document_done = top.parent_id is None and top.role is AssignmentRole.LEAD
    closed = _close_remaining(session, document, now) if document_done else []
    if document_done:
        policy.move_status(document, DocumentStatus.COMPLETED)
        document.updated_at = now
    session.flush()
    digested = digest(result) if result else None
    # The event of the assignment that completed the document says so, with what it closed.
    ending = {"document_completed": True, "closed": [c.id for c in closed]} if document_done else {}
    _record_completion(session, actor, document, assignment, settings, now, result_sha256=digested,
                       cancelled=[c.id for c in cancelled], **(ending if top is assignment else {}))
    if parent is not None:
        _record_completion(session, actor, document, parent, settings, now, result_sha256=digested,
                           via_assignment_id=assignment.id, **ending)
    if document_done:
        notify(session, document, _followers(session, document, actor),
               N_("Document completed: %(summary)s"), summary=document.summary[:120])
    return assignment


def _department_done(session: Session, assignment: Assignment) -> Assignment | None:
    """The department's assignment a handler's completion completes too: None when there is no parent, it
    is closed already, or another handler is still at work."""
    parent = session.get(Assignment, assignment.parent_id) if assignment.parent_id is not None else None
    if parent is None or parent.status not in ACTIVE_ASSIGNMENT_STATUSES or open_children(session, parent):
        return None
    return parent


def _record_completion(session: Session, actor: User, document: Document, done: Assignment, settings: Settings,
                       now: datetime, **details: Any) -> None:
    record(session, AuditAction.ASSIGNMENT_COMPLETED, actor, document, now, assignment_id=done.id,
           role=done.role.value, deadline=done.deadline.isoformat() if done.deadline else None,
           state=completion_state(settings, done.deadline, local_date(settings, now)), **details)


def _finish(assignment: Assignment, result: str, now: datetime) -> None:
    assignment.status, assignment.completed_at, assignment.result = AssignmentStatus.COMPLETED, now, result


def _close_remaining(session: Session, document: Document, now: datetime) -> list[Assignment]:
    """Co-handlers' and for-information assignments still open when the lead finishes end with the document."""
    remaining = list(session.execute(select(Assignment).where(
        Assignment.document_id == document.id,
        Assignment.status.in_((*ACTIVE_ASSIGNMENT_STATUSES, AssignmentStatus.PENDING)))
        .order_by(Assignment.id).with_for_update()).scalars())
    for item in remaining:
        item.status, item.completed_at = AssignmentStatus.CANCELLED, now
    return remaining


def _followers(session: Session, document: Document, actor: User) -> list[User]:
    """Who directed or assigned the document's work (the leader, the heads), to hear it is done."""
    ids = set(session.execute(select(Assignment.assigned_by_id).where(Assignment.document_id == document.id)).scalars())
    ids.discard(actor.id)
    return list(session.execute(select(User).where(User.id.in_(ids)).order_by(User.id)).scalars()) if ids else []

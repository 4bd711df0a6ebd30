"""Completing an assignment. A co-handler's (or for-information) completion completes their own share, and
the department's when no other handler is at work; the lead's "complete" proposes the completion of the
document, which the assigning head or the directing leader accepts (proposals.py, Decree 30 Art. 24)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_
from docflow.models import Assignment, AssignmentRole, AssignmentStatus, Document, User, utc_now
from docflow.models.routing import ACTIVE_ASSIGNMENT_STATUSES
from docflow.services.audit import AuditAction
from docflow.services.incoming.assignments import acting, open_children
from docflow.services.incoming.common import WORK_ASKS, clean_text, digest, get_assignment, record, settle
from docflow.services.incoming.deadlines import completion_state, local_date
from docflow.services.incoming.proposals import propose_completion


def complete_assignment(session: Session, *, actor: User, assignment_id: int, result: str, settings: Settings,
                        expected_row_version: int | None = None, now: datetime | None = None) -> Assignment:
    """Complete an assignment with its result; for the lead, propose the document's completion (the
    assignment stays open until the proposal is accepted).

    Raises PermissionDeniedError, InvalidTransitionError, ConflictError, ValidationError. Flushes.
    """
    now = now or utc_now()
    role = session.execute(select(Assignment.role).where(Assignment.id == assignment_id)).scalar_one_or_none()
    if role is AssignmentRole.LEAD:
        proposal = propose_completion(session, actor=actor, assignment_id=assignment_id, result=result,
                                      settings=settings, expected_row_version=expected_row_version, now=now)
        return get_assignment(session, proposal.assignment_id)
    document, assignment = acting(session, actor=actor, assignment_id=assignment_id,
                                  expected_row_version=expected_row_version)
    result = clean_text(result, "result", required=False, message=N_("Write the result of the handling."))
    cancelled = open_children(session, assignment)
    for child in cancelled:   # the head decided: the handlers' open work ends with the department's
        child.status, child.completed_at = AssignmentStatus.CANCELLED, now
    _finish(assignment, result, now)
    settle(session, document, WORK_ASKS, now, users=[actor])
    parent = _department_done(session, assignment)
    if parent is not None:
        _finish(parent, result, now)
    session.flush()
    digested = digest(result) if result else None
    _record_completion(session, actor, document, assignment, settings, now, result_sha256=digested,
                       cancelled=[c.id for c in cancelled])
    if parent is not None:
        _record_completion(session, actor, document, parent, settings, now, result_sha256=digested,
                           via_assignment_id=assignment.id)
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

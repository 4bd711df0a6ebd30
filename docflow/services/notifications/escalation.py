"""The escalation of overdue assignments: the supervisors and the assignee are told, once.

Run daily by `docflow escalate`; the notices are e-mailed after the command's transaction commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from docflow.config import Settings
from docflow.config import local_date as local_today
from docflow.errors import N_
from docflow.models import Assignment, AssignmentRole, Document, Role, User
from docflow.models.routing import ACTIVE_ASSIGNMENT_STATUSES
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.calendar import WorkingCalendar
from docflow.services.notifications.notices import notify

# Work still expected of the assignee is still escalated when late; forwarded work continues in the
# assignment it was forwarded to.
STILL_BEING_WORKED_ON = ACTIVE_ASSIGNMENT_STATUSES

MSG_OVERDUE_FOR_SUPERVISOR = N_("Overdue: %(document)s — %(assignee)s has not finished it (deadline %(deadline)s).")
MSG_OVERDUE_FOR_ASSIGNEE = N_("Overdue: %(document)s (deadline %(deadline)s). Your department head and the "
                              "leader who directed it have been told.")


def document_label(document: Document) -> str:
    """How a notice names a document: its number and symbol, else its incoming number, else its id."""
    if document.number_symbol:
        return document.number_symbol
    if document.register_number is not None:
        return f"#{document.register_number:02d}"
    return f"#{document.id}"


def escalate_overdue(session: Session, *, settings: Settings, now: datetime) -> list[Assignment]:
    """Escalate every open assignment whose deadline has passed on the working calendar and that was not
    escalated before: stamp ``escalated_at``, record ASSIGNMENT_ESCALATED, and tell the department head(s),
    the leader who directed the document (and whoever assigned it, if someone else) and the assignee.

    Idempotent: a second run finds nothing. "For information" assignments are never escalated. Flushes.
    """
    calendar = WorkingCalendar.load(settings)
    cutoff = calendar.overdue_cutoff(local_today(settings, now))
    stmt = (select(Assignment)
            .where(Assignment.status.in_(STILL_BEING_WORKED_ON), Assignment.role != AssignmentRole.INFO,
                   Assignment.escalated_at.is_(None), Assignment.deadline.is_not(None),
                   Assignment.deadline <= cutoff)
            .order_by(Assignment.deadline, Assignment.id)
            # A concurrent run waits here on PostgreSQL, then sees escalated_at set and skips the row.
            .with_for_update()
            .options(selectinload(Assignment.document), selectinload(Assignment.assignee),
                     selectinload(Assignment.assigned_by))
            .execution_options(populate_existing=True))
    overdue = list(session.execute(stmt).scalars())
    for assignment in overdue:
        _escalate(session, assignment, now=now)
    return overdue


def _escalate(session: Session, assignment: Assignment, *, now: datetime) -> None:
    assignment.escalated_at = now
    document = assignment.document
    supervisors = _department_heads(session, assignment) + _directors(session, assignment)
    assignee = [assignment.assignee] if assignment.assignee is not None else []
    supervisors = [u for u in supervisors if u not in assignee]
    deadline = assignment.deadline.strftime("%d/%m/%Y") if assignment.deadline else ""
    params = {"document": document_label(document), "deadline": deadline, "assignee": _assignee_name(assignment)}
    told = notify(session, users=supervisors, document=document, message=MSG_OVERDUE_FOR_SUPERVISOR,
                  params=params, urgent=True, now=now)
    told += notify(session, users=assignee, document=document, message=MSG_OVERDUE_FOR_ASSIGNEE,
                   params=params, urgent=True, now=now)
    audit.record(session, action=AuditAction.ASSIGNMENT_ESCALATED, actor=None, object_type="document",
                 object_id=document.id, now=now,
                 details={"assignment_id": assignment.id, "deadline": assignment.deadline,
                          "notified_user_ids": sorted({n.user_id for n in told})})


def _assignee_name(assignment: Assignment) -> str:
    if assignment.assignee is not None:
        return assignment.assignee.full_name
    if assignment.department is not None:
        return assignment.department.name
    return "—"


def _department_heads(session: Session, assignment: Assignment) -> list[User]:
    department_id = assignment.department_id
    if department_id is None and assignment.assignee is not None:
        department_id = assignment.assignee.department_id
    if department_id is None:
        return []
    stmt = select(User).where(User.department_id == department_id, User.role == Role.HEAD,
                              User.is_active.is_(True)).order_by(User.id)
    return list(session.execute(stmt).scalars())


def _directors(session: Session, assignment: Assignment) -> list[User]:
    """Who assigned this work and, up the chain of parent assignments, the leader who directed it."""
    people = [assignment.assigned_by]
    parent_id = assignment.parent_id
    seen = {assignment.id}
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        parent = session.get(Assignment, parent_id)
        if parent is None:
            break
        people.append(parent.assigned_by)
        parent_id = parent.parent_id
    return people

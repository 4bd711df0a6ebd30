"""Acting on an assignment: who holds it, the locks and checks every action takes first, a head naming a
handler inside the department, opinions, and linking an outgoing document as the reply.

Every state change locks the rows it decides on (the document, the assignment's parent and the assignment,
in that order) and checks the row version the user's form was made from, so two people acting on the same
assignment at once get one success and one ConflictError.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_, InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.exchange import Status
from docflow.models import (
    Assignment,
    AssignmentStatus,
    Document,
    DocumentKind,
    DocumentRelation,
    DocumentStatus,
    Opinion,
    OpinionKind,
    Role,
    User,
    utc_now,
)
from docflow.models.routing import ACTIVE_ASSIGNMENT_STATUSES
from docflow.services import audit
from docflow.services import documents as doc_service
from docflow.services.audit import AuditAction
from docflow.services.exchange import status as exchange_status
from docflow.services.incoming.common import MAX_TEXT, check_row_version, clean_text, digest, get_assignment, record
from docflow.services.incoming.deadlines import local_date
from docflow.services.incoming.direction import assign
from docflow.services.people.eligibility import is_department_member


def holds(actor: User, assignment: Assignment) -> bool:
    """The assignee, or for a department's assignment, the department's head."""
    if not actor.is_active or actor.is_read_only:
        return False
    if assignment.assignee_id is not None:
        return assignment.assignee_id == actor.id
    return actor.role is Role.HEAD and actor.department_id == assignment.department_id


def can_act(actor: User, assignment: Assignment) -> bool:
    return assignment.status in ACTIVE_ASSIGNMENT_STATUSES and holds(actor, assignment)


def acting(session: Session, *, actor: User, assignment_id: int, expected_row_version: int | None
           ) -> tuple[Document, Assignment]:
    """Lock the document, the assignment's parent and the assignment, in that order (every action takes
    them so, hence no deadlock), then check who, which version and which state."""
    ids = session.execute(select(Assignment.document_id, Assignment.parent_id)
                          .where(Assignment.id == assignment_id)).first()
    if ids is None:
        raise NotFoundError(N_("Assignment not found."))
    document = doc_service.get_document_for(session, actor=actor, document_id=ids.document_id, lock=True)
    if ids.parent_id is not None:
        get_assignment(session, ids.parent_id, lock=True)
    assignment = get_assignment(session, assignment_id, lock=True)
    if not holds(actor, assignment):
        raise PermissionDeniedError(N_("This assignment is not yours."))
    check_row_version(assignment, expected_row_version)
    if assignment.status not in ACTIVE_ASSIGNMENT_STATUSES:
        raise InvalidTransitionError(N_("This assignment is closed already: it was completed, forwarded or "
                                        "ended with the document."))
    if document.status is not DocumentStatus.IN_PROGRESS:
        raise InvalidTransitionError(N_("This document is not being handled any more."))
    return document, assignment


def open_children(session: Session, assignment: Assignment) -> list[Assignment]:
    """The handlers' assignments inside a department's one that are still being worked on, locked."""
    return list(session.execute(select(Assignment).where(
        Assignment.parent_id == assignment.id, Assignment.status.in_(ACTIVE_ASSIGNMENT_STATUSES))
        .order_by(Assignment.id).with_for_update()).scalars())


def start(assignment: Assignment) -> None:
    if assignment.status is AssignmentStatus.OPEN:
        assignment.status = AssignmentStatus.IN_PROGRESS


def assign_handler(session: Session, *, actor: User, assignment_id: int, handler_id: int, settings: Settings,
                   instruction: str = "", deadline: date | None = None, expected_row_version: int | None = None,
                   now: datetime | None = None) -> Assignment:
    """The department head gives the department's assignment to a handler in the department (a child
    assignment, by default with the department's deadline).

    Raises PermissionDeniedError, InvalidTransitionError, ConflictError, ValidationError. Flushes.
    """
    now = now or utc_now()
    document, parent = acting(session, actor=actor, assignment_id=assignment_id,
                              expected_row_version=expected_row_version)
    if parent.assignee_id is not None or actor.role is not Role.HEAD:
        raise InvalidTransitionError(N_("Only a department's assignment is given to a handler by its head."))
    handler = session.get(User, handler_id)
    if not is_department_member(handler, parent.department_id):
        raise ValidationError(N_("Choose an active member of the department."), field="handler_id")
    if any(c.assignee_id == handler.id for c in open_children(session, parent)):
        raise ValidationError(N_("%(name)s is handling this already."), field="handler_id", name=handler.full_name)
    instruction = clean_text(instruction, "instruction", required=False, message="")
    # An overdue department may still name its handler: only a deadline given now must be in the future.
    if deadline is not None and deadline < local_date(settings, now):
        raise ValidationError(N_("A deadline cannot be in the past."), field="deadline")
    deadline = deadline or parent.deadline
    if deadline is not None and parent.deadline is not None and deadline > parent.deadline:
        raise ValidationError(N_("The handler's deadline cannot be later than the department's (%(date)s)."),
                              field="deadline", date=parent.deadline.strftime("%d/%m/%Y"))
    child = assign(session, document=document, actor=actor, role=parent.role, department_id=parent.department_id,
                   user_id=handler.id, deadline=deadline, instruction=instruction, now=now, parent=parent)
    start(parent)
    session.flush()
    record(session, AuditAction.ASSIGNMENT_CREATED, actor, document, now, assignment_id=child.id,
           parent_id=parent.id, role=child.role.value, user_id=handler.id, department_id=child.department_id,
           deadline=deadline.isoformat() if deadline else None,
           instruction_sha256=digest(instruction) if instruction else None)
    exchange_status.notify_sender(session, document, Status.IN_PROGRESS, now, settings=settings, actor=actor)
    return child


def add_opinion(session: Session, *, actor: User, assignment_id: int, body: str,
                expected_row_version: int | None = None, now: datetime | None = None) -> Opinion:
    """A handler records an opinion on their assignment. Raises PermissionDeniedError, InvalidTransitionError,
    ConflictError, ValidationError. Flushes."""
    now = now or utc_now()
    document, assignment = acting(session, actor=actor, assignment_id=assignment_id,
                                  expected_row_version=expected_row_version)
    body = clean_text(body, "body", required=True, message=N_("Write your opinion."))
    opinion = Opinion(document_id=document.id, assignment_id=assignment.id, author_id=actor.id, kind=OpinionKind.OPINION,
                      body=body, created_at=now)
    session.add(opinion)
    start(assignment)
    session.flush()
    record(session, AuditAction.OPINION_ADDED, actor, document, now, assignment_id=assignment.id,
           opinion_id=opinion.id, kind=OpinionKind.OPINION, body_sha256=digest(body))
    return opinion


def attach_reply(session: Session, *, actor: User, assignment_id: int, reply_document_id: int,
                 expected_row_version: int | None = None, now: datetime | None = None) -> Document:
    """Link an outgoing document (usually the handler's draft) as the reply to the assignment's document:
    the reply's related_document_id points here with relation "reply_to".

    Raises PermissionDeniedError, InvalidTransitionError, ConflictError, ValidationError (also for a reply
    that is not an outgoing document: a choice on the form the user corrects). Flushes.
    """
    now = now or utc_now()
    document, assignment = acting(session, actor=actor, assignment_id=assignment_id,
                                  expected_row_version=expected_row_version)
    reply = doc_service.get_document_for(session, actor=actor, document_id=reply_document_id, lock=True)
    if reply.kind is not DocumentKind.OUTGOING or reply.status in (DocumentStatus.RECALLED, DocumentStatus.REPLACED):
        raise ValidationError(N_("A reply is an outgoing document that is not recalled or replaced."),
                              field="reply_document_id")
    if not policy.can_edit(actor, reply):
        raise PermissionDeniedError(N_("You may not change this document."))
    if reply.related_document_id is not None:
        raise ValidationError(N_("That document is linked to another document already."),
                              field="reply_document_id")
    reply.related_document_id, reply.relation, reply.updated_at = document.id, DocumentRelation.REPLY_TO, now
    body = f"{reply.number_symbol or '—'} · {reply.summary}"[:MAX_TEXT]
    opinion = Opinion(document_id=document.id, assignment_id=assignment.id, author_id=actor.id, kind=OpinionKind.REPLY,
                      body=body, created_at=now)
    session.add(opinion)
    start(assignment)
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_METADATA_EDITED, actor=actor, object_type="document",
                 object_id=reply.id, now=now, details={"changes": {
                     "related_document_id": {"from": None, "to": document.id},
                     "relation": {"from": "", "to": DocumentRelation.REPLY_TO.value}}})
    record(session, AuditAction.OPINION_ADDED, actor, document, now, assignment_id=assignment.id,
           opinion_id=opinion.id, kind=OpinionKind.REPLY, reply_document_id=reply.id)
    return reply

"""Forwarding an assignment to another person or department with a note; a confidential document leaving
the sender's department waits for a leader, who confirms or declines the forward."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_, InvalidTransitionError, ValidationError
from docflow.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    AuditEvent,
    Document,
    DocumentStatus,
    GrantReason,
    Opinion,
    OpinionKind,
    Role,
    User,
    utc_now,
)
from docflow.models.routing import ACTIVE_ASSIGNMENT_STATUSES
from docflow.services import documents as doc_service
from docflow.services.audit import AuditAction
from docflow.services.incoming.assignments import acting, open_children
from docflow.services.incoming.common import (
    ASK_CONFIRM_FORWARD,
    ASK_HANDLE,
    ASK_READ,
    WORK_ASKS,
    clean_text,
    digest,
    get_assignment,
    notify,
    receivers,
    record,
    settle,
)
from docflow.services.incoming.deadlines import local_date
from docflow.services.incoming.direction import assign, check_department, check_person


def forward_assignment(session: Session, *, actor: User, assignment_id: int, note: str, settings: Settings,
                       to_user_id: int | None = None, to_department_id: int | None = None,
                       deadline: date | None = None, expected_row_version: int | None = None,
                       now: datetime | None = None) -> Assignment:
    """Pass an assignment on to another person or department with a note: the old one is FORWARDED, a new
    one with the same role (and by default the same deadline) is created. A confidential document sent out
    of the sender's department waits for a leader: the new assignment is PENDING, its holder gets no access
    and no notice until a leader confirms (``confirm_forward``).

    Raises PermissionDeniedError, InvalidTransitionError, ConflictError, ValidationError. Flushes.
    """
    now = now or utc_now()
    document, old = acting(session, actor=actor, assignment_id=assignment_id,
                           expected_row_version=expected_row_version)
    note = clean_text(note, "note", required=True, message=N_("Say why you forward it (the note is required)."))
    department_id, receiver = _forward_target(session, actor, old, to_user_id, to_department_id)
    if deadline is not None and deadline < local_date(settings, now):
        raise ValidationError(N_("A deadline cannot be in the past."), field="deadline")
    deadline = deadline or old.deadline
    old.status, old.completed_at, old.result = AssignmentStatus.FORWARDED, now, note
    settle(session, document, WORK_ASKS, now, users=[actor])
    parent = session.get(Assignment, old.parent_id) if old.parent_id is not None else None
    held = _needs_confirmation(actor, document, department_id, receiver)
    new = assign(session, document=document, actor=actor, role=old.role, department_id=department_id,
                 user_id=to_user_id, deadline=deadline, instruction=old.instruction, now=now, parent=parent,
                 pending=held)
    opinion = Opinion(document_id=document.id, assignment_id=old.id, author_id=actor.id, kind=OpinionKind.FORWARD,
                      body=note, created_at=now)
    session.add(opinion)
    session.flush()
    record(session, AuditAction.ASSIGNMENT_FORWARD_PROPOSED if held else AuditAction.ASSIGNMENT_FORWARDED, actor,
           document, now, assignment_id=old.id, to_assignment_id=new.id, to_user_id=to_user_id,
           to_department_id=to_department_id, deadline=deadline.isoformat() if deadline else None,
           opinion_id=opinion.id, note_sha256=digest(note))
    if held:
        notify(session, document, doc_service.other_leaders(session, actor), ASK_CONFIRM_FORWARD)
    return new


def _forward_target(session: Session, actor: User, old: Assignment, to_user_id: int | None,
                    to_department_id: int | None) -> tuple[int | None, User | None]:
    """The department and (for a person) the receiver a forward goes to, checked: one of the two, someone
    else than the holder, and no handler of the department still at work on it."""
    if (to_user_id is None) == (to_department_id is None):
        raise ValidationError(N_("Forward to one person or one department."), field="to")
    receiver: User | None = None
    if to_department_id is not None:
        department_id: int | None = check_department(session, actor, to_department_id).id
    else:
        receiver = check_person(session, actor, to_user_id or 0)
        department_id = receiver.department_id
    if (to_user_id, to_department_id) == (old.assignee_id, old.department_id if old.assignee_id is None else None):
        raise ValidationError(N_("It is already theirs."), field="to")
    if open_children(session, old):
        raise InvalidTransitionError(N_("Handlers in your department are working on it; "
                                        "complete or wait for their work first."))
    return department_id, receiver


def _needs_confirmation(actor: User, document: Document, department_id: int | None, receiver: User | None) -> bool:
    """A confidential document leaving the sender's department, unless a leader sends it or receives it
    (leaders see every confidential document, and a leader's forward is a leader's decision)."""
    if not document.is_confidential or actor.role is Role.LEADER:
        return False
    if receiver is not None and receiver.role is Role.LEADER:
        return False
    return actor.department_id is None or department_id != actor.department_id


def _proposed(session: Session, proposal: AuditEvent) -> tuple[Document, Assignment, Assignment]:
    """The document, the forwarded assignment and the pending one of a forward proposal, locked."""
    document = doc_service.get_document(session, int(proposal.object_id), lock=True)
    old = get_assignment(session, proposal.details["assignment_id"], lock=True)
    new = get_assignment(session, proposal.details["to_assignment_id"], lock=True)
    return document, old, new


def confirm_forward(session: Session, *, actor: User, proposal: AuditEvent, now: datetime | None = None) -> Assignment:
    """A leader confirms a forward that waited (``proposal``): the new holder gets the assignment, access to
    the document and a notice. Raises InvalidTransitionError when the document's handling ended meanwhile.
    Flushes."""
    now = now or utc_now()
    document, _, new = _proposed(session, proposal)
    parent = get_assignment(session, new.parent_id) if new.parent_id is not None else None
    if new.status is not AssignmentStatus.PENDING or document.status is not DocumentStatus.IN_PROGRESS \
            or (parent is not None and parent.status not in ACTIVE_ASSIGNMENT_STATUSES):
        raise InvalidTransitionError(N_("This forward no longer waits: the document's handling has ended."))
    new.status = AssignmentStatus.OPEN
    holders = receivers(session, new)
    for user in holders:
        for reason in (GrantReason.ASSIGNED, GrantReason.CONFIDENTIAL_ACCESS):
            doc_service.ensure_grant(session, document, user, reason, now, by=actor, confirms=proposal.seq)
    notify(session, document, holders, ASK_READ if new.role is AssignmentRole.INFO else ASK_HANDLE,
           summary=document.summary[:120])
    settle(session, document, (ASK_CONFIRM_FORWARD,), now)
    session.flush()
    record(session, AuditAction.ASSIGNMENT_FORWARDED, actor, document, now, **proposal.details,
           confirms=proposal.seq)
    return new


def decline_forward(session: Session, *, actor: User, proposal: AuditEvent, now: datetime | None = None) -> None:
    """A leader declines a forward that waited: the pending assignment is cancelled and, while the document
    is still being handled, the forwarded one goes back to its holder, who is told. Flushes."""
    now = now or utc_now()
    document, old, new = _proposed(session, proposal)
    if new.status is AssignmentStatus.PENDING:
        new.status, new.completed_at = AssignmentStatus.CANCELLED, now
    settle(session, document, (ASK_CONFIRM_FORWARD,), now)
    if old.status is AssignmentStatus.FORWARDED and document.status is DocumentStatus.IN_PROGRESS:
        old.status, old.completed_at, old.result = AssignmentStatus.IN_PROGRESS, None, ""
        notify(session, document, receivers(session, old),
               N_("A leader declined your forward of a confidential document; it is yours again."))
    session.flush()

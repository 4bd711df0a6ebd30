"""A leader's direction of a registered incoming document, and an internal memo sent with the same
assignments: lead, co-handlers, for-information, the instruction and a deadline per assignee."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_, InvalidTransitionError, PermissionDeniedError, ValidationError, WrongKindError
from docflow.exchange import Status
from docflow.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Department,
    Document,
    DocumentKind,
    DocumentStatus,
    Opinion,
    OpinionKind,
    User,
    utc_now,
)
from docflow.services import documents as doc_service
from docflow.services import signatures as signing_service
from docflow.services.audit import AuditAction
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.services.exchange import status as exchange_status
from docflow.services.incoming.common import (
    ASK_HANDLE,
    ASK_READ,
    check_row_version,
    clean_text,
    digest,
    grant,
    notify,
    receivers,
    record,
)
from docflow.services.incoming.deadlines import default_deadline, local_date
from docflow.services.people.eligibility import HANDLER_ROLES, active_department, department_heads, ward_member
from docflow.storage import DocumentStore


@dataclass(frozen=True)
class Target:
    """One assignee of a direction: a department (its head receives it) or a person."""
    role: AssignmentRole
    department_id: int | None = None
    user_id: int | None = None
    deadline: date | None = None


@dataclass(frozen=True)
class Direction:
    targets: tuple[Target, ...]
    instruction: str = ""      # ý kiến chỉ đạo


def _check_targets(session: Session, actor: User, direction: Direction, *, today: date) -> None:
    targets = direction.targets
    if sum(1 for t in targets if t.role is AssignmentRole.LEAD) != 1:
        raise ValidationError(N_("Choose exactly one lead (chủ trì) department or person."), field="targets")
    seen: set[tuple[str, int]] = set()
    for target in targets:
        if (target.department_id is None) == (target.user_id is None):
            raise ValidationError(N_("Each assignee is either a department or a person."), field="targets")
        key = ("d", target.department_id) if target.department_id is not None else ("u", target.user_id or 0)
        if key in seen:
            raise ValidationError(N_("Each department or person can have only one role."), field="targets")
        seen.add(key)
        if target.deadline is not None and target.deadline < today:
            raise ValidationError(N_("A deadline cannot be in the past."), field="deadline")
        if target.department_id is not None:
            check_department(session, actor, target.department_id)
        else:
            check_person(session, actor, target.user_id or 0)


def check_department(session: Session, actor: User, department_id: int) -> Department:
    """The department work can be given to: active, of the ward, with a head to receive it (ValidationError)."""
    department = active_department(session, actor.organisation_id, department_id)
    if department is None:
        raise ValidationError(N_("Choose an active department."), field="targets")
    if not department_heads(session, department.id):
        raise ValidationError(N_("The department %(name)s has no head to receive the document."),
                              field="targets", name=department.name)
    return department


def check_person(session: Session, actor: User, user_id: int) -> User:
    """The person work can be given to: an active handler of the ward, not ``actor`` (ValidationError)."""
    user = ward_member(session, actor.organisation_id, user_id, HANDLER_ROLES)
    if user is None or user.id == actor.id:
        raise ValidationError(N_("Choose an active official, department head or leader."), field="targets")
    return user


def assign(session: Session, *, document: Document, actor: User, role: AssignmentRole, department_id: int | None,
           user_id: int | None, deadline: date | None, instruction: str, now: datetime,
           parent: Assignment | None = None, pending: bool = False) -> Assignment:
    """A new assignment whose holders are given access and told; a pending one neither, until confirmed."""
    assignment = Assignment(document_id=document.id, parent_id=parent.id if parent else None,
                            department_id=department_id, assignee_id=user_id, role=role, instruction=instruction,
                            deadline=deadline, status=AssignmentStatus.PENDING if pending else AssignmentStatus.OPEN,
                            assigned_by_id=actor.id, assigned_at=now)
    session.add(assignment)
    session.flush()
    if pending:
        return assignment
    holders = receivers(session, assignment)
    for user in holders:
        grant(session, document, user, by=actor, now=now)
    notify(session, document, holders, ASK_READ if role is AssignmentRole.INFO else ASK_HANDLE,
           summary=document.summary[:120])
    return assignment


def _create_direction(session: Session, *, actor: User, document: Document, direction: Direction,
                      settings: Settings, now: datetime) -> list[Assignment]:
    today = local_date(settings, now)
    instruction = clean_text(direction.instruction, "instruction", required=False, message="")
    _check_targets(session, actor, direction, today=today)
    fallback = default_deadline(settings, document, today)
    created = []
    for target in sorted(direction.targets, key=lambda t: list(AssignmentRole).index(t.role)):
        # Information only has nothing to finish, so no deadline.
        deadline = None if target.role is AssignmentRole.INFO else (target.deadline or fallback)
        created.append(assign(session, document=document, actor=actor, role=target.role,
                              department_id=target.department_id, user_id=target.user_id, deadline=deadline,
                              instruction=instruction, now=now))
    if instruction:
        session.add(Opinion(document_id=document.id, author_id=actor.id, kind=OpinionKind.DIRECTIVE, body=instruction,
                            created_at=now))
    policy.move_status(document, DocumentStatus.IN_PROGRESS)
    document.updated_at = now
    session.flush()
    record(session, AuditAction.DOCUMENT_DIRECTED, actor, document, now,
           assignments=[{"assignment_id": a.id, "role": a.role.value, "department_id": a.department_id,
                         "user_id": a.assignee_id, "deadline": a.deadline.isoformat() if a.deadline else None}
                        for a in created],
           instruction_sha256=digest(instruction) if instruction else None)
    return created


def direct_document(session: Session, *, actor: User, document_id: int, direction: Direction, settings: Settings,
                    expected_row_version: int | None = None, now: datetime | None = None) -> list[Assignment]:
    """A leader directs a registered incoming document: lead, co-handlers, for-information, instruction and
    a deadline per assignee; assignees are granted access and notified. The document is then in progress.

    Raises PermissionDeniedError, WrongKindError (not an incoming document), InvalidTransitionError
    (directed already), ConflictError, ValidationError. Flushes.
    """
    now = now or utc_now()
    if not policy.may_direct(actor):
        raise PermissionDeniedError(N_("Only a leader directs incoming documents."))
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id, lock=True)
    if document.kind is not DocumentKind.INCOMING:
        raise WrongKindError(N_("Only incoming documents are directed."))
    check_row_version(document, expected_row_version)
    if document.register_number is None:
        raise InvalidTransitionError(N_("This document has no incoming number (số đến): only a document the "
                                        "clerk registered is directed."))
    if document.status is not DocumentStatus.REGISTERED:
        raise InvalidTransitionError(N_("This document has been directed already."))
    assignments = _create_direction(session, actor=actor, document=document, direction=direction,
                                    settings=settings, now=now)
    exchange_status.notify_sender(session, document, Status.ASSIGNED, now, settings=settings, actor=actor)
    return assignments


def send_internal(session: Session, *, actor: User, data: DocumentInput, upload: UploadedFile, direction: Direction,
                  store: DocumentStore, settings: Settings, now: datetime | None = None) -> Document:
    """A department head or a leader sends an internal memo to other departments, with the same assignments,
    opinions and deadlines as a directed incoming document.

    Raises PermissionDeniedError, ValidationError. Flushes.
    """
    now = now or utc_now()
    if not policy.may_write_memo(actor):
        raise PermissionDeniedError(N_("Only a department head or a leader sends internal memos."))
    if any(t.department_id is not None and t.department_id == actor.department_id for t in direction.targets):
        raise ValidationError(N_("A memo goes to other departments, not your own."), field="targets")
    data = replace(data, kind=DocumentKind.INTERNAL)
    doc_service.validate_input(session, actor, data, today=local_date(settings, now))
    _check_targets(session, actor, direction, today=local_date(settings, now))
    document = doc_service.upload_document(session, actor=actor, data=data, upload=upload, store=store,
                                           max_bytes=settings.max_upload_bytes, now=now)
    _create_direction(session, actor=actor, document=document, direction=direction, settings=settings, now=now)
    signing_service.keep_report_if_signed(session, settings=settings, store=store, version=document.versions[-1])
    return document

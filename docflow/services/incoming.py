"""Incoming documents (văn bản đến) and internal memos: registration with the year's số đến, direction by a
leader, assignment inside a department, opinions, forwarding, replies, completion, lists and the timeline.

Every state change locks the rows it decides on (the document, the assignment and its parent, in that order
of parent before child) and checks the row version the user's form was made from, so two people acting on the
same assignment at once get one success and one ConflictError.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from docflow import policy, textsearch
from docflow.config import Settings
from docflow.pdfcheck import check_pdf
from docflow.errors import (
    N_,
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from docflow.models import (
    Assignment,
    AssignmentRole,
    AuditEvent,
    AssignmentStatus,
    Department,
    Document,
    DocumentKind,
    DocumentRelation,
    DocumentStatus,
    GrantReason,
    Opinion,
    OpinionKind,
    RegisterKind,
    Role,
    Urgency,
    User,
    utc_now,
)
from docflow.services import access, audit, notifications, registers
from docflow.services import calendar as work_calendar
from docflow.services import documents as doc_service
from docflow.services import signatures as signing_service
from docflow.services.audit import AuditAction
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.storage import DocumentStore

OPEN_STATUSES = (AssignmentStatus.OPEN, AssignmentStatus.IN_PROGRESS)
HANDLER_ROLES = (Role.OFFICIAL, Role.HEAD, Role.LEADER)
MAX_TEXT = 5000
WORKFLOW_KINDS = (DocumentKind.INCOMING, DocumentKind.INTERNAL)
STALE = N_("Someone else acted on this document after you opened it. Reload the page to see what they did, "
           "then try again.")


# -- small shared pieces --------------------------------------------------------------------------------------


def local_date(settings: Settings, moment: datetime) -> date:
    """The ward's calendar date at ``moment`` (deadlines and registers follow the ward's clock, not UTC)."""
    return moment.astimezone(ZoneInfo(settings.app.timezone)).date()


def _digest(text: str) -> str:
    # Free text (instructions, opinions, notes) stays in the document's thread; the audit log, read by
    # people not cleared for confidential documents, keeps only its digest.
    return hashlib.sha256(text.encode()).hexdigest()


def _text(value: str, field: str, *, required: bool, message: str) -> str:
    value = value.strip()
    if required and not value:
        raise ValidationError(message, field=field)
    if len(value) > MAX_TEXT:
        raise ValidationError(N_("The text is too long (at most %(n)s characters)."), field=field, n=MAX_TEXT)
    return value


def _grant(session: Session, document: Document, user: User, *, by: User, now: datetime) -> None:
    """Let an assignee see the document; a confidential one also needs clearance, which directing gives."""
    reasons = [GrantReason.ASSIGNED]
    if document.is_confidential:
        reasons.append(GrantReason.CONFIDENTIAL_ACCESS)   # audited and flagged for a leader's confirmation
    for reason in reasons:
        doc_service.ensure_grant(session, document, user, reason, now, by=by)


def department_heads(session: Session, department_id: int) -> list[User]:
    return list(session.execute(select(User).where(
        User.department_id == department_id, User.role == Role.HEAD, User.is_active.is_(True))
        .order_by(User.id)).scalars())


def _receivers(session: Session, assignment: Assignment) -> list[User]:
    """Who holds an assignment: its person, or the heads of its department."""
    if assignment.assignee_id is not None:
        user = session.get(User, assignment.assignee_id)
        return [user] if user is not None else []
    assert assignment.department_id is not None
    return department_heads(session, assignment.department_id)


def _notify(session: Session, document: Document, users: Iterable[User], message: str, **params: Any) -> None:
    notifications.notify(session, users=list(users), document=document, message=message, params=params,
                         urgent=document.is_urgent)


def _record(session: Session, action: AuditAction, actor: User, document: Document, now: datetime,
            **details: Any) -> None:
    audit.record(session, action=action, actor=actor, object_type="document", object_id=document.id,
                 details=details, now=now)


# -- registration ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    document: Document
    number: int
    report: dict[str, Any] | None      # the verification report when the PDF carries signatures
    duplicate_of: tuple[int, ...] = ()


class DuplicateIncomingError(ConflictError):
    """The same number and symbol from the same issuing body is registered already: the clerk looks at the
    earlier entry, then confirms or cancels."""

    def __init__(self, earlier: Sequence[Document]) -> None:
        super().__init__(N_("A document with this number and symbol from this issuing body is already registered "
                            "(incoming no. %(numbers)s). Check the earlier entry, then register anyway or cancel."),
                         numbers=", ".join(number_label(d) for d in earlier))
        self.earlier_ids = tuple(d.id for d in earlier)


def number_label(document: Document) -> str:
    """"05/2026" for a registered incoming document, "—" otherwise."""
    if document.register_number is None:
        return "—"
    year = document.received_at.year if document.received_at else document.created_at.year
    return f"{registers.format_number(document.register_number)}/{year}"


def find_duplicates(session: Session, *, organisation_id: int, number_symbol: str, issuing_body: str) -> list[Document]:
    """Incoming documents with the same number and symbol from the same issuing body, compared without case
    or diacritics, oldest first (confidential ones included: the warning must not depend on clearance)."""
    key, body = textsearch.fold(number_symbol), textsearch.fold(issuing_body)
    if not key:
        return []
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    candidates = session.execute(select(Document).where(
        Document.organisation_id == organisation_id, Document.kind == DocumentKind.INCOMING,
        Document.search_text.like(pattern, escape="\\")).order_by(Document.id)).scalars()
    return [d for d in candidates
            if textsearch.fold(d.number_symbol or "") == key and textsearch.fold(d.issuing_body) == body]


def hold_upload(store: DocumentStore, upload: UploadedFile, *, max_bytes: int) -> str:
    """Keep an uploaded PDF while the clerk decides on a duplicate warning; returns its SHA-256.
    Raises ValidationError (too large, not a PDF). A file never registered stays an orphan blob."""
    if upload.stored is not None:
        return upload.stored.sha256
    sha256, _, _ = store.put_stream(upload.stream, max_bytes=max_bytes, check=check_pdf)
    return sha256


def register_incoming(session: Session, *, actor: User, data: DocumentInput, upload: UploadedFile,
                      store: DocumentStore, settings: Settings, now: datetime | None = None,
                      received_at: datetime | None = None, confirm_duplicate: bool = False) -> Registration:
    """The clerk registers a received document: stores the PDF (upload_document's checks), takes the next
    số đến of the year's incoming register, and verifies a signed PDF at once.

    Raises PermissionDeniedError (not a clerk), ValidationError, DuplicateIncomingError (unless
    ``confirm_duplicate``). Flushes.
    """
    now = now or utc_now()
    received_at = received_at or now
    if actor.role is not Role.CLERK or not actor.is_active:
        raise PermissionDeniedError(N_("Only the clerk (văn thư) registers incoming documents."))
    data = replace(data, kind=DocumentKind.INCOMING)
    doc_service.validate_input(session, actor, data, today=local_date(settings, now))
    received_on = local_date(settings, received_at)
    if received_at > now + timedelta(minutes=5):
        raise ValidationError(N_("The date received cannot be in the future."), field="received_at")
    if data.document_date is not None and received_on < data.document_date:
        raise ValidationError(N_("The date received cannot be before the document date."), field="received_at")
    earlier = find_duplicates(session, organisation_id=actor.organisation_id, number_symbol=data.number_symbol,
                              issuing_body=data.issuing_body)
    if earlier and not confirm_duplicate:
        raise DuplicateIncomingError(earlier)
    document = doc_service.upload_document(session, actor=actor, data=data, upload=upload, store=store,
                                           max_bytes=settings.max_upload_bytes, now=now)
    # The number is taken last: the register row stays locked for the shortest time.
    register, number = registers.take_number(session, organisation=actor.organisation, kind=RegisterKind.INCOMING,
                                             year=received_on.year)
    document.register_id, document.register_number, document.received_at = register.id, number, received_at
    session.flush()
    _record(session, AuditAction.INCOMING_REGISTERED, actor, document, now, register_id=register.id,
            register_code=register.code, year=register.year, number=number, received_at=received_at.isoformat(),
            duplicate_of=[d.id for d in earlier])
    report = signing_service.keep_report_if_signed(session, settings=settings, store=store,
                                                   version=document.versions[-1])
    return Registration(document=document, number=number, report=report, duplicate_of=tuple(d.id for d in earlier))


# -- direction ------------------------------------------------------------------------------------------------


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


def default_deadline(settings: Settings, document: Document, today: date) -> date:
    """The document's own deadline when it has one, else the configured number of working days from today."""
    if document.deadline is not None and document.deadline >= today:
        return document.deadline
    calendar = work_calendar.WorkingCalendar.load(settings)
    return calendar.add_working_days(today, settings.workflow.default_deadline_working_days)


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
            _check_department(session, actor, target.department_id)
        else:
            _check_person(session, actor, target.user_id or 0)


def _check_department(session: Session, actor: User, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None or department.organisation_id != actor.organisation_id or not department.is_active:
        raise ValidationError(N_("Choose an active department."), field="targets")
    if not department_heads(session, department.id):
        raise ValidationError(N_("The department %(name)s has no head to receive the document."),
                              field="targets", name=department.name)
    return department


def _check_person(session: Session, actor: User, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.organisation_id != actor.organisation_id or not user.is_active \
            or user.role not in HANDLER_ROLES or user.id == actor.id:
        raise ValidationError(N_("Choose an active official, department head or leader."), field="targets")
    return user


def _assign(session: Session, *, document: Document, actor: User, role: AssignmentRole, department_id: int | None,
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
    receivers = _receivers(session, assignment)
    for user in receivers:
        _grant(session, document, user, by=actor, now=now)
    _notify(session, document, receivers, N_("New document to handle: %(summary)s"),
            summary=document.summary[:120])
    return assignment


def _create_direction(session: Session, *, actor: User, document: Document, direction: Direction,
                      settings: Settings, now: datetime) -> list[Assignment]:
    today = local_date(settings, now)
    instruction = _text(direction.instruction, "instruction", required=False, message="")
    _check_targets(session, actor, direction, today=today)
    fallback = default_deadline(settings, document, today)
    created = []
    for target in sorted(direction.targets, key=lambda t: list(AssignmentRole).index(t.role)):
        # Information only has nothing to finish, so no deadline.
        deadline = None if target.role is AssignmentRole.INFO else (target.deadline or fallback)
        created.append(_assign(session, document=document, actor=actor, role=target.role,
                               department_id=target.department_id, user_id=target.user_id, deadline=deadline,
                               instruction=instruction, now=now))
    if instruction:
        session.add(Opinion(document_id=document.id, author_id=actor.id, kind=OpinionKind.DIRECTIVE, body=instruction,
                            created_at=now))
    policy.move_status(document, DocumentStatus.IN_PROGRESS)
    document.updated_at = now
    session.flush()
    _record(session, AuditAction.DOCUMENT_DIRECTED, actor, document, now,
            assignments=[{"assignment_id": a.id, "role": a.role.value, "department_id": a.department_id,
                          "user_id": a.assignee_id, "deadline": a.deadline.isoformat() if a.deadline else None}
                         for a in created],
            instruction_sha256=_digest(instruction) if instruction else None)
    return created


def _check_row_version(row: Document | Assignment, expected: int | None) -> None:
    if expected is not None and expected != row.row_version:
        raise ConflictError(STALE)


def direct_document(session: Session, *, actor: User, document_id: int, direction: Direction, settings: Settings,
                    expected_row_version: int | None = None, now: datetime | None = None) -> list[Assignment]:
    """A leader directs a registered incoming document: lead, co-handlers, for-information, instruction and
    a deadline per assignee; assignees are granted access and notified. The document is then in progress.

    Raises PermissionDeniedError, InvalidTransitionError (not a registered incoming document), ConflictError,
    ValidationError. Flushes.
    """
    now = now or utc_now()
    if actor.role is not Role.LEADER or not actor.is_active:
        raise PermissionDeniedError(N_("Only a leader directs incoming documents."))
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id, lock=True)
    if document.kind is not DocumentKind.INCOMING:
        raise InvalidTransitionError(N_("Only incoming documents are directed."))
    _check_row_version(document, expected_row_version)
    if document.status is not DocumentStatus.REGISTERED:
        raise InvalidTransitionError(N_("This document has been directed already."))
    return _create_direction(session, actor=actor, document=document, direction=direction, settings=settings,
                             now=now)


def send_internal(session: Session, *, actor: User, data: DocumentInput, upload: UploadedFile, direction: Direction,
                  store: DocumentStore, settings: Settings, now: datetime | None = None) -> Document:
    """A department head or a leader sends an internal memo to other departments, with the same assignments,
    opinions and deadlines as a directed incoming document.

    Raises PermissionDeniedError, ValidationError. Flushes.
    """
    now = now or utc_now()
    if actor.role not in (Role.HEAD, Role.LEADER) or not actor.is_active:
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


# -- acting on an assignment ----------------------------------------------------------------------------------


def _get_assignment(session: Session, assignment_id: int, *, lock: bool = False) -> Assignment:
    try:
        assignment = session.get(Assignment, assignment_id, with_for_update=lock or None, populate_existing=lock)
    except StaleDataError:
        # Loaded earlier in this session, changed by someone else since: the same as a stale form.
        raise ConflictError(STALE) from None
    if assignment is None:
        raise NotFoundError(N_("Assignment not found."))
    return assignment


def holds(actor: User, assignment: Assignment) -> bool:
    """The assignee, or for a department's assignment, the department's head."""
    if not actor.is_active or actor.is_read_only:
        return False
    if assignment.assignee_id is not None:
        return assignment.assignee_id == actor.id
    return actor.role is Role.HEAD and actor.department_id == assignment.department_id


def can_act(actor: User, assignment: Assignment) -> bool:
    return assignment.status in OPEN_STATUSES and holds(actor, assignment)


def _acting(session: Session, *, actor: User, assignment_id: int, expected_row_version: int | None
            ) -> tuple[Document, Assignment]:
    """Lock the document, the assignment's parent and the assignment, in that order (every action takes
    them so, hence no deadlock), then check who, which version and which state."""
    ids = session.execute(select(Assignment.document_id, Assignment.parent_id)
                          .where(Assignment.id == assignment_id)).first()
    if ids is None:
        raise NotFoundError(N_("Assignment not found."))
    document = doc_service.get_document_for(session, actor=actor, document_id=ids.document_id, lock=True)
    if ids.parent_id is not None:
        _get_assignment(session, ids.parent_id, lock=True)
    assignment = _get_assignment(session, assignment_id, lock=True)
    if not holds(actor, assignment):
        raise PermissionDeniedError(N_("This assignment is not yours."))
    _check_row_version(assignment, expected_row_version)
    if assignment.status not in OPEN_STATUSES:
        raise InvalidTransitionError(N_("This assignment is closed already: it was completed, forwarded or "
                                        "ended with the document."))
    if document.status is not DocumentStatus.IN_PROGRESS:
        raise InvalidTransitionError(N_("This document is not being handled any more."))
    return document, assignment


def _open_children(session: Session, assignment: Assignment) -> list[Assignment]:
    return list(session.execute(select(Assignment).where(
        Assignment.parent_id == assignment.id, Assignment.status.in_(OPEN_STATUSES))
        .order_by(Assignment.id).with_for_update()).scalars())


def _start(assignment: Assignment) -> None:
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
    document, parent = _acting(session, actor=actor, assignment_id=assignment_id,
                               expected_row_version=expected_row_version)
    if parent.assignee_id is not None or actor.role is not Role.HEAD:
        raise InvalidTransitionError(N_("Only a department's assignment is given to a handler by its head."))
    handler = session.get(User, handler_id)
    if handler is None or handler.department_id != parent.department_id or not handler.is_active \
            or handler.role not in (Role.OFFICIAL, Role.HEAD):
        raise ValidationError(N_("Choose an active member of the department."), field="handler_id")
    if any(c.assignee_id == handler.id for c in _open_children(session, parent)):
        raise ValidationError(N_("%(name)s is handling this already."), field="handler_id", name=handler.full_name)
    instruction = _text(instruction, "instruction", required=False, message="")
    # An overdue department may still name its handler: only a deadline given now must be in the future.
    if deadline is not None and deadline < local_date(settings, now):
        raise ValidationError(N_("A deadline cannot be in the past."), field="deadline")
    deadline = deadline or parent.deadline
    if deadline is not None and parent.deadline is not None and deadline > parent.deadline:
        raise ValidationError(N_("The handler's deadline cannot be later than the department's (%(date)s)."),
                              field="deadline", date=parent.deadline.strftime("%d/%m/%Y"))
    child = _assign(session, document=document, actor=actor, role=parent.role, department_id=parent.department_id,
                    user_id=handler.id, deadline=deadline, instruction=instruction, now=now, parent=parent)
    _start(parent)
    session.flush()
    _record(session, AuditAction.ASSIGNMENT_CREATED, actor, document, now, assignment_id=child.id,
            parent_id=parent.id, role=child.role.value, user_id=handler.id, department_id=child.department_id,
            deadline=deadline.isoformat() if deadline else None,
            instruction_sha256=_digest(instruction) if instruction else None)
    return child


def add_opinion(session: Session, *, actor: User, assignment_id: int, body: str,
                expected_row_version: int | None = None, now: datetime | None = None) -> Opinion:
    """A handler records an opinion on their assignment. Raises PermissionDeniedError, InvalidTransitionError,
    ConflictError, ValidationError. Flushes."""
    now = now or utc_now()
    document, assignment = _acting(session, actor=actor, assignment_id=assignment_id,
                                   expected_row_version=expected_row_version)
    body = _text(body, "body", required=True, message=N_("Write your opinion."))
    opinion = Opinion(document_id=document.id, assignment_id=assignment.id, author_id=actor.id, kind=OpinionKind.OPINION,
                      body=body, created_at=now)
    session.add(opinion)
    _start(assignment)
    session.flush()
    _record(session, AuditAction.OPINION_ADDED, actor, document, now, assignment_id=assignment.id,
            opinion_id=opinion.id, kind=OpinionKind.OPINION, body_sha256=_digest(body))
    return opinion


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
    document, old = _acting(session, actor=actor, assignment_id=assignment_id,
                            expected_row_version=expected_row_version)
    note = _text(note, "note", required=True, message=N_("Say why you forward it (the note is required)."))
    if (to_user_id is None) == (to_department_id is None):
        raise ValidationError(N_("Forward to one person or one department."), field="to")
    receiver: User | None = None
    if to_department_id is not None:
        department_id: int | None = _check_department(session, actor, to_department_id).id
    else:
        receiver = _check_person(session, actor, to_user_id or 0)
        department_id = receiver.department_id
    if (to_user_id, to_department_id) == (old.assignee_id, old.department_id if old.assignee_id is None else None):
        raise ValidationError(N_("It is already theirs."), field="to")
    if _open_children(session, old):
        raise InvalidTransitionError(N_("Handlers in your department are working on it; "
                                        "complete or wait for their work first."))
    if deadline is not None and deadline < local_date(settings, now):
        raise ValidationError(N_("A deadline cannot be in the past."), field="deadline")
    deadline = deadline or old.deadline
    old.status, old.completed_at, old.result = AssignmentStatus.FORWARDED, now, note
    parent = session.get(Assignment, old.parent_id) if old.parent_id is not None else None
    held = _needs_confirmation(actor, document, department_id, receiver)
    new = _assign(session, document=document, actor=actor, role=old.role, department_id=department_id,
                  user_id=to_user_id, deadline=deadline, instruction=old.instruction, now=now, parent=parent,
                  pending=held)
    opinion = Opinion(document_id=document.id, assignment_id=old.id, author_id=actor.id, kind=OpinionKind.FORWARD, body=note,
                      created_at=now)
    session.add(opinion)
    session.flush()
    _record(session, AuditAction.ASSIGNMENT_FORWARD_PROPOSED if held else AuditAction.ASSIGNMENT_FORWARDED, actor,
            document, now, assignment_id=old.id, to_assignment_id=new.id, to_user_id=to_user_id,
            to_department_id=to_department_id, deadline=deadline.isoformat() if deadline else None,
            opinion_id=opinion.id, note_sha256=_digest(note))
    if held:
        _notify(session, document, doc_service.other_leaders(session, actor), N_("A confidential document forwarded to another "
                                                                "department awaits your confirmation."))
    return new


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
    old = _get_assignment(session, proposal.details["assignment_id"], lock=True)
    new = _get_assignment(session, proposal.details["to_assignment_id"], lock=True)
    return document, old, new


def confirm_forward(session: Session, *, actor: User, proposal: AuditEvent, now: datetime | None = None) -> Assignment:
    """A leader confirms a forward that waited (``proposal``): the new holder gets the assignment, access to
    the document and a notice. Raises InvalidTransitionError when the document's handling ended meanwhile.
    Flushes."""
    now = now or utc_now()
    document, _, new = _proposed(session, proposal)
    parent = _get_assignment(session, new.parent_id) if new.parent_id is not None else None
    if new.status is not AssignmentStatus.PENDING or document.status is not DocumentStatus.IN_PROGRESS \
            or (parent is not None and parent.status not in OPEN_STATUSES):
        raise InvalidTransitionError(N_("This forward no longer waits: the document's handling has ended."))
    new.status = AssignmentStatus.OPEN
    receivers = _receivers(session, new)
    for user in receivers:
        for reason in (GrantReason.ASSIGNED, GrantReason.CONFIDENTIAL_ACCESS):
            doc_service.ensure_grant(session, document, user, reason, now, by=actor, confirms=proposal.seq)
    _notify(session, document, receivers, N_("New document to handle: %(summary)s"), summary=document.summary[:120])
    session.flush()
    _record(session, AuditAction.ASSIGNMENT_FORWARDED, actor, document, now, **proposal.details,
            confirms=proposal.seq)
    return new


def decline_forward(session: Session, *, actor: User, proposal: AuditEvent, now: datetime | None = None) -> None:
    """A leader declines a forward that waited: the pending assignment is cancelled and, while the document
    is still being handled, the forwarded one goes back to its holder, who is told. Flushes."""
    now = now or utc_now()
    document, old, new = _proposed(session, proposal)
    if new.status is AssignmentStatus.PENDING:
        new.status, new.completed_at = AssignmentStatus.CANCELLED, now
    if old.status is AssignmentStatus.FORWARDED and document.status is DocumentStatus.IN_PROGRESS:
        old.status, old.completed_at, old.result = AssignmentStatus.IN_PROGRESS, None, ""
        _notify(session, document, _receivers(session, old),
                N_("A leader declined your forward of a confidential document; it is yours again."))
    session.flush()


def attach_reply(session: Session, *, actor: User, assignment_id: int, reply_document_id: int,
                 expected_row_version: int | None = None, now: datetime | None = None) -> Document:
    """Link an outgoing document (usually the handler's draft) as the reply to the assignment's document:
    the reply's related_document_id points here with relation "reply_to".

    Raises PermissionDeniedError, InvalidTransitionError, ConflictError, ValidationError. Flushes.
    """
    now = now or utc_now()
    document, assignment = _acting(session, actor=actor, assignment_id=assignment_id,
                                   expected_row_version=expected_row_version)
    reply = doc_service.get_document_for(session, actor=actor, document_id=reply_document_id, lock=True)
    if reply.kind is not DocumentKind.OUTGOING or reply.status in (DocumentStatus.RECALLED, DocumentStatus.REPLACED):
        raise ValidationError(N_("A reply is an outgoing document that is not recalled or replaced."),
                              field="reply_document_id")
    if not access.can_edit(actor, reply):
        raise PermissionDeniedError(N_("You may not change this document."))
    if reply.related_document_id is not None:
        raise ValidationError(N_("That document is linked to another document already."),
                              field="reply_document_id")
    reply.related_document_id, reply.relation, reply.updated_at = document.id, DocumentRelation.REPLY_TO, now
    body = f"{reply.number_symbol or '—'} · {reply.summary}"[:MAX_TEXT]
    opinion = Opinion(document_id=document.id, assignment_id=assignment.id, author_id=actor.id, kind=OpinionKind.REPLY,
                      body=body, created_at=now)
    session.add(opinion)
    _start(assignment)
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_METADATA_EDITED, actor=actor, object_type="document",
                 object_id=reply.id, now=now, details={"changes": {
                     "related_document_id": {"from": None, "to": document.id},
                     "relation": {"from": "", "to": DocumentRelation.REPLY_TO.value}}})
    _record(session, AuditAction.OPINION_ADDED, actor, document, now, assignment_id=assignment.id,
            opinion_id=opinion.id, kind=OpinionKind.REPLY, reply_document_id=reply.id)
    return reply


def complete_assignment(session: Session, *, actor: User, assignment_id: int, result: str, settings: Settings,
                        expected_row_version: int | None = None, now: datetime | None = None) -> Assignment:
    """Complete an assignment with its result. A handler's completion completes the department's assignment
    when no other handler is still at work; the lead's completion completes the document and closes what
    is still open on it.

    Raises PermissionDeniedError, InvalidTransitionError, ConflictError, ValidationError. Flushes.
    """
    now = now or utc_now()
    document, assignment = _acting(session, actor=actor, assignment_id=assignment_id,
                                   expected_row_version=expected_row_version)
    result = _text(result, "result", required=assignment.role is AssignmentRole.LEAD,
                   message=N_("Write the result of the handling."))
    cancelled = _open_children(session, assignment)
    for child in cancelled:   # the head decided: the handlers' open work ends with the department's
        child.status, child.completed_at = AssignmentStatus.CANCELLED, now
    _finish(assignment, result, now)
    parent = session.get(Assignment, assignment.parent_id) if assignment.parent_id is not None else None
    if parent is not None and (parent.status not in OPEN_STATUSES or _open_children(session, parent)):
        parent = None         # another handler is still at work: the department is not done yet
    if parent is not None:
        _finish(parent, result, now)
    top = parent or assignment
    document_done = top.parent_id is None and top.role is AssignmentRole.LEAD
    closed = _close_remaining(session, document, now) if document_done else []
    if document_done:
        policy.move_status(document, DocumentStatus.COMPLETED)
        document.updated_at = now
    session.flush()
    digest = _digest(result) if result else None
    # The event of the assignment that completed the document says so, with what it closed.
    ending = {"document_completed": True, "closed": [c.id for c in closed]} if document_done else {}
    _record_completion(session, actor, document, assignment, settings, now, result_sha256=digest,
                       cancelled=[c.id for c in cancelled], **(ending if top is assignment else {}))
    if parent is not None:
        _record_completion(session, actor, document, parent, settings, now, result_sha256=digest,
                           via_assignment_id=assignment.id, **ending)
    if document_done:
        _notify(session, document, _followers(session, document, actor),
                N_("Document completed: %(summary)s"), summary=document.summary[:120])
    return assignment


def _record_completion(session: Session, actor: User, document: Document, done: Assignment, settings: Settings,
                       now: datetime, **details: Any) -> None:
    _record(session, AuditAction.ASSIGNMENT_COMPLETED, actor, document, now, assignment_id=done.id,
            role=done.role.value, deadline=done.deadline.isoformat() if done.deadline else None,
            state=completion_state(settings, done.deadline, local_date(settings, now)), **details)


def _finish(assignment: Assignment, result: str, now: datetime) -> None:
    assignment.status, assignment.completed_at, assignment.result = AssignmentStatus.COMPLETED, now, result


def _close_remaining(session: Session, document: Document, now: datetime) -> list[Assignment]:
    """Co-handlers' and for-information assignments still open when the lead finishes end with the document."""
    remaining = list(session.execute(select(Assignment).where(
        Assignment.document_id == document.id, Assignment.status.in_((*OPEN_STATUSES, AssignmentStatus.PENDING)))
        .order_by(Assignment.id).with_for_update()).scalars())
    for item in remaining:
        item.status, item.completed_at = AssignmentStatus.CANCELLED, now
    return remaining


def _followers(session: Session, document: Document, actor: User) -> list[User]:
    """Who directed or assigned the document's work (the leader, the heads), to hear it is done."""
    ids = set(session.execute(select(Assignment.assigned_by_id).where(Assignment.document_id == document.id)).scalars())
    ids.discard(actor.id)
    return list(session.execute(select(User).where(User.id.in_(ids)).order_by(User.id)).scalars()) if ids else []


def completion_state(settings: Settings, deadline: date | None, completed_on: date) -> str:
    """"on_time" or "late" for work finished on ``completed_on`` (no deadline: on time)."""
    return step_state(settings, deadline, on=completed_on, done=True) or "on_time"


# -- reading: the incoming page, its timeline, and the lists --------------------------------------------------

STATE_KEYS = {
    work_calendar.DeadlineState.ON_TIME: "on_time", work_calendar.DeadlineState.DONE_ON_TIME: "on_time",
    work_calendar.DeadlineState.AT_RISK: "at_risk", work_calendar.DeadlineState.OVERDUE: "late",
    work_calendar.DeadlineState.DONE_LATE: "late",
}


def step_state(settings: Settings, deadline: date | None, *, on: date, done: bool = False) -> str | None:
    """Where a step taken (or, with ``done``, work finished) on ``on`` stood against ``deadline``:
    "on_time", "at_risk", "late", or None without a deadline."""
    state = work_calendar.WorkingCalendar.load(settings).deadline_state(
        deadline, today=on, completed_on=on if done else None, at_risk_days=settings.workflow.at_risk_working_days)
    return STATE_KEYS.get(state)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    what: str                                   # a msgid, with ``params``
    params: dict[str, Any]
    body: str = ""                              # the instruction, opinion, note or result
    state: str | None = None                    # on_time / at_risk / late, against the step's deadline
    assignees: tuple[tuple[str, str, date | None], ...] = ()   # a direction: (role, holder, deadline)
    link_document_id: int | None = None


TIMELINE_ACTIONS = (AuditAction.DOCUMENT_UPLOADED, AuditAction.INCOMING_REGISTERED, AuditAction.DOCUMENT_DIRECTED,
                    AuditAction.ASSIGNMENT_CREATED, AuditAction.OPINION_ADDED, AuditAction.ASSIGNMENT_FORWARDED,
                    AuditAction.ASSIGNMENT_FORWARD_PROPOSED,
                    AuditAction.ASSIGNMENT_COMPLETED, AuditAction.ASSIGNMENT_ESCALATED,
                    AuditAction.DOCUMENT_VERSION_ADDED)


class _Names:
    """Holders' names for one page: people by id, departments by id, loaded once."""

    def __init__(self, session: Session, user_ids: Iterable[int | None], department_ids: Iterable[int | None]) -> None:
        uids = {i for i in user_ids if i is not None}
        dids = {i for i in department_ids if i is not None}
        self.users = {u.id: u.full_name for u in session.execute(select(User).where(User.id.in_(uids))).scalars()} \
            if uids else {}
        self.departments = {d.id: d.name for d in session.execute(
            select(Department).where(Department.id.in_(dids))).scalars()} if dids else {}

    def holder(self, user_id: int | None, department_id: int | None) -> str:
        if user_id is not None:
            return self.users.get(user_id, "?")
        return self.departments.get(department_id or 0, "?")


def _timeline(session: Session, document: Document, assignments: dict[int, Assignment], settings: Settings
              ) -> list[TimelineEntry]:
    events = list(session.execute(select(AuditEvent).where(
        AuditEvent.object_type == "document", AuditEvent.object_id == str(document.id),
        AuditEvent.action.in_([str(a) for a in TIMELINE_ACTIONS])).order_by(AuditEvent.seq)).scalars())
    opinions = {o.id: o for o in session.execute(select(Opinion).where(Opinion.document_id == document.id)).scalars()}
    user_ids: list[int | None] = [e.actor_id for e in events] + [a.assignee_id for a in assignments.values()]
    user_ids += [e.details.get("to_user_id") for e in events]
    names = _Names(session, user_ids, [a.department_id for a in assignments.values()]
                   + [e.details.get("to_department_id") for e in events])
    entries = []
    for event in events:
        entry = _entry(event, document, assignments, opinions, names, settings)
        if entry is not None:
            entries.append(entry)
    return entries


def _entry(event: AuditEvent, document: Document, assignments: dict[int, Assignment], opinions: dict[int, Opinion],
           names: _Names, settings: Settings) -> TimelineEntry | None:
    d: dict[str, Any] = event.details
    actor = names.users.get(event.actor_id, event.actor_name) if event.actor_id else "docflow"
    on = local_date(settings, event.occurred_at)
    at, who = event.occurred_at, actor
    assignment = assignments.get(d.get("assignment_id") or 0)
    deadline = assignment.deadline if assignment is not None else None
    action = event.action
    if action == AuditAction.DOCUMENT_UPLOADED:
        if document.kind is not DocumentKind.INTERNAL:
            return None
        return TimelineEntry(at, who, N_("Memo sent"), params={})
    if action == AuditAction.INCOMING_REGISTERED:
        return TimelineEntry(at, who, N_("Registered as incoming no. %(number)s"),
                             params={"number": registers.format_number(d.get("number", 0))})
    if action == AuditAction.DOCUMENT_DIRECTED:
        directed = tuple((a["role"], names.holder(a.get("user_id"), a.get("department_id")),
                          date.fromisoformat(a["deadline"]) if a.get("deadline") else None)
                         for a in d.get("assignments", []))
        first = assignments.get(d["assignments"][0]["assignment_id"]) if d.get("assignments") else None
        return TimelineEntry(at, who, N_("Directed"), params={}, body=first.instruction if first else "",
                             assignees=directed)
    if action == AuditAction.ASSIGNMENT_CREATED and assignment is not None:
        parent = assignments.get(assignment.parent_id or 0)
        return TimelineEntry(at, who, N_("Assigned to %(name)s"),
                             params={"name": names.holder(assignment.assignee_id, assignment.department_id)},
                             body=assignment.instruction,
                             state=step_state(settings, parent.deadline if parent else None, on=on))
    if action == AuditAction.OPINION_ADDED:
        opinion = opinions.get(d.get("opinion_id") or 0)
        if d.get("kind") == OpinionKind.REPLY:
            return TimelineEntry(at, who, N_("Reply attached"), params={}, body=opinion.body if opinion else "",
                                 state=step_state(settings, deadline, on=on),
                                 link_document_id=d.get("reply_document_id"))
        return TimelineEntry(at, who, N_("Opinion"), params={}, body=opinion.body if opinion else "",
                             state=step_state(settings, deadline, on=on))
    if action in (AuditAction.ASSIGNMENT_FORWARDED, AuditAction.ASSIGNMENT_FORWARD_PROPOSED):
        opinion = opinions.get(d.get("opinion_id") or 0)
        what = N_("Forwarded to %(name)s") if action == AuditAction.ASSIGNMENT_FORWARDED \
            else N_("Forwarded to %(name)s, awaiting a leader's confirmation")
        return TimelineEntry(at, who, what,
                             params={"name": names.holder(d.get("to_user_id"), d.get("to_department_id"))},
                             body=opinion.body if opinion else "", state=step_state(settings, deadline, on=on))
    if action == AuditAction.ASSIGNMENT_COMPLETED and assignment is not None:
        what = N_("Completed; the document is completed") if d.get("document_completed") else N_("Completed")
        return TimelineEntry(at, who, what, params={}, body=assignment.result if not d.get("via_assignment_id") else "",
                             state=step_state(settings, deadline, on=on, done=True),
                             assignees=((assignment.role.value,
                                         names.holder(assignment.assignee_id, assignment.department_id),
                                         deadline),))
    if action == AuditAction.ASSIGNMENT_ESCALATED:
        return TimelineEntry(at, who, N_("Escalated: the deadline has passed"), params={}, state="late")
    if action == AuditAction.DOCUMENT_VERSION_ADDED:
        return TimelineEntry(at, who, N_("Version %(n)s added"), params={"n": d.get("version")})
    return None


@dataclass(frozen=True)
class AssignmentRow:
    assignment: Assignment
    holder: str
    depth: int                   # 0 for the leader's assignments, 1 for a handler inside a department
    state: str | None            # on_time / at_risk / late (open: today; closed: when it closed)
    can_act: bool                # opinion, forward, reply, complete
    can_assign: bool             # the head may name a handler


@dataclass(frozen=True)
class IncomingView:
    document: Document
    assignments: list[AssignmentRow]
    timeline: list[TimelineEntry]
    can_direct: bool
    replies: list[Document]


def _rows(session: Session, actor: User, assignments: list[Assignment], names: _Names, settings: Settings,
          today: date) -> list[AssignmentRow]:
    children: dict[int | None, list[Assignment]] = {}
    for a in assignments:
        children.setdefault(a.parent_id, []).append(a)
    rows: list[AssignmentRow] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for a in children.get(parent_id, []):
            state = None     # forwarded or ended with the document: not this holder's result to judge
            if a.status in OPEN_STATUSES:
                state = step_state(settings, a.deadline, on=today)
            elif a.status is AssignmentStatus.COMPLETED and a.completed_at is not None:
                state = step_state(settings, a.deadline, on=local_date(settings, a.completed_at), done=True)
            acting = can_act(actor, a)
            rows.append(AssignmentRow(a, names.holder(a.assignee_id, a.department_id), depth, state, acting,
                                      acting and a.assignee_id is None and actor.role is Role.HEAD))
            walk(a.id, depth + 1)
    walk(None, 0)
    return rows


def view_incoming(session: Session, *, actor: User, document_id: int, settings: Settings,
                  now: datetime | None = None) -> IncomingView:
    """What the incoming page shows ``actor``: assignments with their deadline state, the timeline, and which
    forms apply. Raises NotFoundError, PermissionDeniedError (no access, or not an incoming/internal document)."""
    now = now or utc_now()
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id)
    if document.kind not in WORKFLOW_KINDS:
        raise NotFoundError(N_("This is not an incoming or internal document."))
    assignments = list(session.execute(select(Assignment).where(Assignment.document_id == document.id)
                                       .order_by(Assignment.id)).scalars())
    by_id = {a.id: a for a in assignments}
    names = _Names(session, [a.assignee_id for a in assignments], [a.department_id for a in assignments])
    replies = list(session.execute(select(Document).where(
        Document.related_document_id == document.id, Document.relation == DocumentRelation.REPLY_TO).order_by(Document.id)).scalars())
    return IncomingView(
        document=document,
        assignments=_rows(session, actor, assignments, names, settings, local_date(settings, now)),
        timeline=_timeline(session, document, by_id, settings),
        can_direct=actor.role is Role.LEADER and document.kind is DocumentKind.INCOMING
        and document.status is DocumentStatus.REGISTERED,
        replies=[r for r in replies if access.can_view(actor, r)])


def department_members(session: Session, department_id: int) -> list[User]:
    """Who a head may name as handler: the department's active officials and heads."""
    return list(session.execute(select(User).where(
        User.department_id == department_id, User.is_active.is_(True), User.role.in_([Role.OFFICIAL, Role.HEAD]))
        .order_by(case((User.role == Role.HEAD, 1), else_=0), User.full_name)).scalars())


def assignable_people(session: Session, actor: User) -> list[User]:
    """People a document can be directed or forwarded to."""
    return list(session.execute(select(User).where(
        User.organisation_id == actor.organisation_id, User.is_active.is_(True), User.id != actor.id,
        User.role.in_(HANDLER_ROLES)).order_by(User.role, User.full_name)).scalars())


def reply_choices(session: Session, actor: User, *, limit: int = 50) -> list[Document]:
    """Outgoing documents ``actor`` could attach as a reply: visible, editable, not linked yet; newest first."""
    stmt = (select(Document).where(access.visible_filter(actor), Document.kind == DocumentKind.OUTGOING,
                                   Document.related_document_id.is_(None),
                                   Document.status.not_in([DocumentStatus.RECALLED, DocumentStatus.REPLACED]))
            .order_by(Document.created_at.desc(), Document.id.desc()).limit(limit))
    return [d for d in session.execute(stmt).scalars() if access.can_edit(actor, d)]


class Scope:
    OPEN = "open"      # registered or in progress
    MINE = "mine"      # open assignments the actor holds
    ALL = "all"


SCOPES = (Scope.OPEN, Scope.MINE, Scope.ALL)


@dataclass(frozen=True)
class IncomingPage:
    items: list[Document]
    total: int
    page: int
    page_size: int
    scope: str
    kind: DocumentKind

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def urgency_order() -> ColumnElement[int]:
    """Hỏa tốc, then Thượng khẩn, then Khẩn, then the rest."""
    return case({Urgency.EXPRESS: 0, Urgency.VERY_URGENT: 1, Urgency.URGENT: 2}, value=Document.urgency, else_=3)


def _held_by(actor: User) -> ColumnElement[bool]:
    mine: ColumnElement[bool] = Assignment.assignee_id == actor.id
    if actor.role is Role.HEAD and actor.department_id is not None:
        mine = or_(mine, and_(Assignment.assignee_id.is_(None), Assignment.department_id == actor.department_id))
    return mine


def list_incoming(session: Session, *, actor: User, kind: DocumentKind = DocumentKind.INCOMING,
                  scope: str = Scope.OPEN, page: int = 1, page_size: int = 25) -> IncomingPage:
    """A page of incoming (or internal) documents ``actor`` may see, urgent first, then newest."""
    if kind not in WORKFLOW_KINDS:
        kind = DocumentKind.INCOMING
    scope = scope if scope in SCOPES else Scope.OPEN
    page_size = max(1, min(page_size, 100))
    where: list[ColumnElement[bool]] = [access.visible_filter(actor), Document.kind == kind]
    if scope == Scope.OPEN:
        where.append(Document.status.in_([DocumentStatus.REGISTERED, DocumentStatus.IN_PROGRESS]))
    elif scope == Scope.MINE:
        where.append(Document.id.in_(select(Assignment.document_id).where(
            _held_by(actor), Assignment.status.in_(OPEN_STATUSES))))
    total = session.execute(select(func.count()).select_from(Document).where(*where)).scalar_one()
    page = max(1, min(page, max(1, math.ceil(total / page_size))))
    items = list(session.execute(
        select(Document).where(*where).options(selectinload(Document.department))
        .order_by(urgency_order(), Document.created_at.desc(), Document.id.desc())
        .limit(page_size).offset((page - 1) * page_size)).scalars())
    return IncomingPage(items=items, total=total, page=page, page_size=page_size, scope=scope, kind=kind)

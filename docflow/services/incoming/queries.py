"""Reading: what the incoming page shows an actor, the people and documents its forms offer, and the
list of incoming documents and internal memos."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload, undefer

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_, WrongKindError
from docflow.models import (
    Assignment,
    AssignmentStatus,
    Document,
    DocumentKind,
    DocumentRelation,
    DocumentStatus,
    Role,
    Urgency,
    User,
    utc_now,
)
from docflow.models.routing import ACTIVE_ASSIGNMENT_STATUSES
from docflow.services import documents as doc_service
from docflow.services.incoming.assignments import can_act
from docflow.services.incoming.common import WORKFLOW_KINDS
from docflow.services.incoming.deadlines import local_date, step_state
from docflow.services.incoming.timeline import Names, TimelineEntry, timeline
from docflow.services.people.eligibility import HANDLER_ROLES


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


def _row_state(settings: Settings, assignment: Assignment, today: date) -> str | None:
    if assignment.status in ACTIVE_ASSIGNMENT_STATUSES:
        return step_state(settings, assignment.deadline, on=today)
    if assignment.status is AssignmentStatus.COMPLETED and assignment.completed_at is not None:
        return step_state(settings, assignment.deadline, on=local_date(settings, assignment.completed_at), done=True)
    return None      # forwarded or ended with the document: not this holder's result to judge


def _rows(actor: User, assignments: list[Assignment], names: Names, settings: Settings,
          today: date) -> list[AssignmentRow]:
    """The assignments as a tree (a department's handlers under it), in order of creation."""
    children: dict[int | None, list[Assignment]] = {}
    for a in assignments:
        children.setdefault(a.parent_id, []).append(a)
    rows: list[AssignmentRow] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for a in children.get(parent_id, []):
            acting = can_act(actor, a)
            rows.append(AssignmentRow(a, names.holder(a.assignee_id, a.department_id), depth,
                                      _row_state(settings, a, today), acting,
                                      acting and a.assignee_id is None and actor.role is Role.HEAD))
            walk(a.id, depth + 1)
    walk(None, 0)
    return rows


def view_incoming(session: Session, *, actor: User, document_id: int, settings: Settings,
                  now: datetime | None = None) -> IncomingView:
    """What the incoming page shows ``actor``: assignments with their deadline state, the timeline, and which
    forms apply. Raises NotFoundError, PermissionDeniedError (no access), WrongKindError (not an incoming or
    internal document)."""
    now = now or utc_now()
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id)
    if document.kind not in WORKFLOW_KINDS:
        raise WrongKindError(N_("This is not an incoming or internal document."))
    assignments = list(session.execute(select(Assignment).where(Assignment.document_id == document.id)
                                       .order_by(Assignment.id)).scalars())
    names = Names(session, [a.assignee_id for a in assignments], [a.department_id for a in assignments])
    replies = list(session.execute(select(Document).where(
        Document.related_document_id == document.id, Document.relation == DocumentRelation.REPLY_TO)
        .order_by(Document.id)).scalars())
    return IncomingView(
        document=document,
        assignments=_rows(actor, assignments, names, settings, local_date(settings, now)),
        timeline=timeline(session, document, {a.id: a for a in assignments}, settings),
        can_direct=policy.may_direct(actor) and document.kind is DocumentKind.INCOMING
        and document.status is DocumentStatus.REGISTERED and document.register_number is not None,
        replies=[r for r in replies if policy.can_view(actor, r)])


def assignable_people(session: Session, actor: User) -> list[User]:
    """People a document can be directed or forwarded to."""
    return list(session.execute(select(User).where(
        User.organisation_id == actor.organisation_id, User.is_active.is_(True), User.id != actor.id,
        User.role.in_(HANDLER_ROLES)).order_by(User.role, User.full_name)).scalars())


def reply_choices(session: Session, actor: User, *, limit: int = 50) -> list[Document]:
    """Outgoing documents ``actor`` could attach as a reply: visible, editable, not linked yet; newest first."""
    stmt = (select(Document).where(policy.visible_filter(actor), Document.kind == DocumentKind.OUTGOING,
                                   Document.related_document_id.is_(None),
                                   Document.status.not_in([DocumentStatus.RECALLED, DocumentStatus.REPLACED]))
            .order_by(Document.created_at.desc(), Document.id.desc()).limit(limit))
    return [d for d in session.execute(stmt).scalars() if policy.can_edit(actor, d)]


class Scope(enum.StrEnum):
    """Which incoming documents the list shows."""
    OPEN = "open"      # registered or in progress
    MINE = "mine"      # open assignments the actor holds
    ALL = "all"


SCOPES = tuple(Scope)


@dataclass(frozen=True)
class IncomingPage:
    items: list[Document]
    total: int
    page: int
    page_size: int
    scope: Scope
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
    """A page of incoming (or internal) documents ``actor`` may see, urgent first, then newest. ``scope``
    is the raw request value: anything but a Scope reads as Scope.OPEN."""
    if kind not in WORKFLOW_KINDS:
        kind = DocumentKind.INCOMING
    chosen = Scope(scope) if scope in SCOPES else Scope.OPEN
    page_size = max(1, min(page_size, 100))
    where: list[ColumnElement[bool]] = [policy.visible_filter(actor), Document.kind == kind]
    if chosen is Scope.OPEN:
        where.append(Document.status.in_([DocumentStatus.REGISTERED, DocumentStatus.IN_PROGRESS,
                                          DocumentStatus.FOR_INFORMATION]))
    elif chosen is Scope.MINE:
        where.append(Document.id.in_(select(Assignment.document_id).where(
            _held_by(actor), Assignment.status.in_(ACTIVE_ASSIGNMENT_STATUSES))))
    total = session.execute(select(func.count()).select_from(Document).where(*where)).scalar_one()
    page = max(1, min(page, max(1, math.ceil(total / page_size))))
    items = list(session.execute(
        select(Document).where(*where).options(selectinload(Document.department), undefer(Document.handling_deadline))
        .order_by(urgency_order(), Document.created_at.desc(), Document.id.desc())
        .limit(page_size).offset((page - 1) * page_size)).scalars())
    return IncomingPage(items=items, total=total, page=page, page_size=page_size, scope=chosen, kind=kind)

"""In-app notices (and their e-mails), and the escalation of overdue assignments.

A notice is a Notification row in the caller's transaction. Urgent notices are also e-mailed when
``mail.smtp_host`` is set, after the transaction commits (``docflow.db.after_commit``): work that is
rolled back sends nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from docflow import mail
from docflow.config import Settings
from docflow.db import after_commit
from docflow.errors import N_
from docflow.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Document,
    Notification,
    Role,
    User,
    utc_now,
)
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.calendar import WorkingCalendar

PAGE_SIZE = 25
# Work still expected of the assignee; forwarded work continues in the assignment it was forwarded to.
OPEN_STATUSES = (AssignmentStatus.OPEN, AssignmentStatus.IN_PROGRESS)

MSG_OVERDUE_FOR_SUPERVISOR = N_("Overdue: %(document)s — %(assignee)s has not finished it (deadline %(deadline)s).")
MSG_OVERDUE_FOR_ASSIGNEE = N_("Overdue: %(document)s (deadline %(deadline)s). Your department head and the "
                              "leader who directed it have been told.")


class _Outbox:
    """The after-commit callback of one transaction: every urgent notice it made, sent on one connection."""

    def __init__(self) -> None:
        self.notices: list[mail.PendingNotice] = []

    def __call__(self) -> None:
        mail.deliver_after_commit(self.notices)


def _outbox(session: Session) -> _Outbox:
    # Kept in the after-commit list itself, so a rollback (which drops that list) drops the mail too.
    for callback in session.info.get("after_commit", []):
        if isinstance(callback, _Outbox):
            return callback
    box = _Outbox()
    after_commit(session, box)
    return box


def notify(session: Session, *, users: Iterable[User], document: Document | None, message: str,
           params: Mapping[str, Any] | None = None, urgent: bool = False,
           now: datetime | None = None) -> list[Notification]:
    """Give each active user (once) a notice; urgent ones are also e-mailed after commit. Flushes.

    ``message`` is an English msgid marked with N_(); ``params`` fill its %(name)s placeholders and must
    be JSON-serialisable. For a confidential document the e-mail names nothing but the need to sign in.
    """
    now = now or utc_now()
    params = dict(params or {})
    recipients = _distinct_active(users)
    notices = [Notification(user_id=user.id, document_id=document.id if document else None, message=message,
                            params_json=json.dumps(params, ensure_ascii=False, sort_keys=True, default=str),
                            created_at=now)
               for user in recipients]
    session.add_all(notices)
    session.flush()
    if urgent:
        confidential = document is not None and document.is_confidential
        pending = [mail.PendingNotice(to=user.email, to_name=user.full_name, locale=user.locale, message=message,
                                      params=params, confidential=confidential)
                   for user in recipients if user.email]
        if pending:
            _outbox(session).notices.extend(pending)
    return notices


def _distinct_active(users: Iterable[User]) -> list[User]:
    seen: dict[int, User] = {}
    for user in users:
        if user.is_active and user.id not in seen:
            seen[user.id] = user
    return list(seen.values())


def params_of(notification: Notification) -> dict[str, Any]:
    """The placeholders of a notice's message (an empty dict if the stored JSON is unreadable)."""
    try:
        value = json.loads(notification.params_json or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def unread_count(session: Session, user: User) -> int:
    """How many of the user's notices are unread (the number in the navigation bar)."""
    stmt = select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))
    return int(session.execute(stmt).scalar_one())


@dataclass(frozen=True)
class NoticeRow:
    notification: Notification
    document: Document | None
    params: dict[str, Any]

    @property
    def is_unread(self) -> bool:
        return self.notification.read_at is None


@dataclass(frozen=True)
class NoticePage:
    items: list[NoticeRow]
    total: int
    unread: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def list_for(session: Session, user: User, page: int, *, page_size: int = PAGE_SIZE) -> NoticePage:
    """One page of the user's own notices, newest first, with their documents."""
    page_size = max(1, min(page_size, 100))
    total = int(session.execute(select(func.count()).select_from(Notification)
                                .where(Notification.user_id == user.id)).scalar_one())
    pages = max(1, math.ceil(total / page_size))
    page = max(1, min(page, pages))
    stmt = (select(Notification, Document).outerjoin(Document, Document.id == Notification.document_id)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(page_size).offset((page - 1) * page_size))
    items = [NoticeRow(n, d, params_of(n)) for n, d in session.execute(stmt)]
    return NoticePage(items=items, total=total, unread=unread_count(session, user), page=page, page_size=page_size)


def mark_read(session: Session, user: User, ids: Collection[int] | None, *, now: datetime | None = None) -> int:
    """Mark the user's own unread notices among ``ids`` (all of them when None) as read; how many changed.

    Other users' ids are ignored, not refused: the answer does not reveal whether they exist. Flushes.
    """
    now = now or utc_now()
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        if not ids:
            return 0
        stmt = stmt.where(Notification.id.in_(list(ids)))
    result = session.execute(stmt.values(read_at=now).execution_options(synchronize_session="fetch"))
    session.flush()
    return int(result.rowcount)  # type: ignore[attr-defined]


def document_of(session: Session, user: User, notification_id: int) -> int | None:
    """The document a notice of the user's own is about (None for another user's notice or none)."""
    stmt = select(Notification.document_id).where(Notification.id == notification_id,
                                                  Notification.user_id == user.id)
    return session.execute(stmt).scalar_one_or_none()


# -- escalation of overdue work ------------------------------------------------------------------------

def local_today(settings: Settings, now: datetime) -> date:
    """The ward's calendar date at ``now`` (a UTC 20:00 is already tomorrow in Hanoi)."""
    return now.astimezone(ZoneInfo(settings.app.timezone)).date()


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
            .where(Assignment.status.in_(OPEN_STATUSES), Assignment.role != AssignmentRole.INFO,
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

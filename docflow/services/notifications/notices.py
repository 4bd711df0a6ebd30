"""In-app notices and their e-mails.

A notice is a Notification row in the caller's transaction. Urgent notices are also e-mailed when
``mail.smtp_host`` is set, after the transaction commits (``docflow.unit_of_work``): work that is rolled
back sends nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select, true, update
from sqlalchemy.orm import Session

from docflow import jobqueue, mail, unit_of_work
from docflow.models import Document, Notification, User, utc_now

PAGE_SIZE = 25


class MailOutbox:
    """The after-commit callback of one transaction: every urgent notice it made, sent on one connection
    with the settings of the application context in hand."""

    def __init__(self) -> None:
        self.notices: list[mail.PendingNotice] = []

    def __call__(self) -> None:
        mail.deliver_after_commit(self.notices)


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
            mail_later(session, pending, organisation_id=recipients[0].organisation_id)
    return notices


def mail_later(session: Session, notices: list[mail.PendingNotice], *, organisation_id: int) -> None:
    """E-mail ``notices`` once the transaction commits: with a broker configured, as a job of the queue made
    in this transaction (a worker sends it, retried with back-off); otherwise from this process after the
    commit, as always."""
    if not notices:
        return
    if mail.configured() and jobqueue.enqueue(session, kind=mail.MAIL_JOB, organisation_id=organisation_id,
                                              payload={"notices": [mail.notice_json(n) for n in notices]},
                                              total=len(notices)) is not None:
        return
    unit_of_work.collector(session, MailOutbox).notices.extend(notices)


def settle(session: Session, *, document_id: int, messages: Collection[str], user_ids: Collection[int] | None = None,
           now: datetime | None = None) -> int:
    """Mark every open notice about ``document_id`` whose message is one of ``messages`` (English msgids),
    of ``user_ids`` or of anyone, as done, and read: what it asked for has happened or can no longer be
    done. How many changed. Flushes.
    """
    now = now or utc_now()
    stmt = (update(Notification)
            .where(Notification.document_id == document_id, Notification.message.in_(list(messages)),
                   Notification.done_at.is_(None),
                   Notification.user_id.in_(list(user_ids)) if user_ids is not None else true())
            .values(done_at=now, read_at=func.coalesce(Notification.read_at, literal(now, Notification.read_at.type)))
            .execution_options(synchronize_session=False))
    result = session.execute(stmt)
    session.flush()
    return int(result.rowcount)  # type: ignore[attr-defined]


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

    @property
    def is_done(self) -> bool:
        return self.notification.done_at is not None


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

"""The time limits of Decree 30 (Art. 4.2.c, 18.1, 23.1; rules R3, R36) as a watch list: what is about to
break them, for the clerk's home (and the leader's, for what waits for a direction).

An incoming document is registered and presented the day it arrives, the next working day if it arrived on a
day off or after LATE_AFTER; an urgent one (Khẩn, Thượng khẩn, Hỏa tốc) at once, the day it arrived. Since the
receipt time is the registration's, a registered document's limit is its transfer: the leader's direction
that sends it to its handlers. An outgoing document is issued the day it is signed, the next working day at
the latest; an urgent one at once, the day it was signed. Every pending item is due within a working day,
so each is listed with how its limit stands: at risk (due today or, for a non-urgent one, the next working
day) or overdue.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from docflow import policy
from docflow.models import Document, DocumentKind, DocumentStatus, Role, Signature, User
from docflow.services.calendar import DeadlineState, WorkingCalendar
from docflow.signing.base import SignatureKind

ONE_DAY = timedelta(days=1)
WATCH_SIZE = 100   # the oldest of each kind: a backlog beyond it is overdue anyway, and the home page stays cheap
LATE_AFTER = time(16, 30)   # a document that arrives after this (local time) is presented the next working day
WATCHED = {Role.CLERK: (DocumentKind.INCOMING, DocumentKind.OUTGOING), Role.LEADER: (DocumentKind.INCOMING,)}


class Limit(enum.StrEnum):
    PRESENT = "present"    # an incoming document, registered, to be presented and transferred (R3)
    ISSUE = "issue"        # an outgoing document, signed, to be issued (R36)


@dataclass(frozen=True)
class LimitItem:
    document: Document
    limit: Limit
    since: date          # the day it arrived, or was signed
    due: date            # the last day the decree allows
    state: DeadlineState

    @property
    def urgent(self) -> bool:
        return self.document.is_urgent


def presentation_due(calendar: WorkingCalendar, received_at: datetime, *, urgent: bool, tz: tzinfo) -> date:
    """The last day an incoming document received at ``received_at`` may be presented (R3)."""
    local = received_at.astimezone(tz)
    day = local.date()
    if urgent:
        return day
    if calendar.is_working_day(day) and local.time() > LATE_AFTER:
        return calendar.next_working_day(day + ONE_DAY)
    return calendar.next_working_day(day)


def issue_due(calendar: WorkingCalendar, signed_on: date, *, urgent: bool) -> date:
    """The last day an outgoing document signed on ``signed_on`` may be issued (R36)."""
    if urgent:
        return signed_on
    return calendar.next_working_day(signed_on + ONE_DAY)


def _state(calendar: WorkingCalendar, due: date, today: date) -> DeadlineState:
    # Every pending item is at most a working day from its limit: at risk until it passes.
    return DeadlineState.OVERDUE if today > due else DeadlineState.AT_RISK


def _presentations(session: Session, actor: User, calendar: WorkingCalendar, today: date,
                   tz: tzinfo) -> list[LimitItem]:
    documents = session.execute(select(Document).where(
        Document.organisation_id == actor.organisation_id, policy.visible_filter(actor),
        Document.kind == DocumentKind.INCOMING,
        Document.status == DocumentStatus.REGISTERED, Document.register_number.is_not(None),
        Document.received_at.is_not(None)).options(joinedload(Document.department))
        .order_by(Document.received_at, Document.id).limit(WATCH_SIZE)).scalars()
    items = []
    for document in documents:
        received_at = document.received_at
        if received_at is None:
            continue
        due = presentation_due(calendar, received_at, urgent=document.is_urgent, tz=tz)
        items.append(LimitItem(document, Limit.PRESENT, received_at.astimezone(tz).date(), due,
                               _state(calendar, due, today)))
    return items


def _issues(session: Session, actor: User, calendar: WorkingCalendar, today: date, tz: tzinfo) -> list[LimitItem]:
    signed = (select(Signature.document_id, func.max(Signature.signed_at).label("signed_at"))
              .where(Signature.kind == SignatureKind.PERSONAL).group_by(Signature.document_id).subquery())
    rows = session.execute(select(Document, signed.c.signed_at).join(signed, signed.c.document_id == Document.id)
                           .where(Document.organisation_id == actor.organisation_id, policy.visible_filter(actor),
                                  Document.kind == DocumentKind.OUTGOING, Document.status == DocumentStatus.SIGNED)
                           .order_by(signed.c.signed_at, Document.id).limit(WATCH_SIZE))
    items = []
    for document, signed_at in rows:
        signed_on = _aware(signed_at).astimezone(tz).date()
        due = issue_due(calendar, signed_on, urgent=document.is_urgent)
        items.append(LimitItem(document, Limit.ISSUE, signed_on, due, _state(calendar, due, today)))
    return items


def _aware(moment: datetime) -> datetime:
    # an aggregate's value skips the column's type: SQLite gives it back naive (it is UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def time_limits(session: Session, *, actor: User, calendar: WorkingCalendar, now: datetime,
                tz: tzinfo) -> list[LimitItem]:
    """What ``actor`` watches of the decree's time limits, overdue first, then urgent, then by due day: the
    clerk the documents to present and to issue, a leader those that wait for a direction. Reads only."""
    kinds = WATCHED.get(actor.role, ()) if actor.is_active else ()
    today = now.astimezone(tz).date()
    items: list[LimitItem] = []
    if DocumentKind.INCOMING in kinds:
        items += _presentations(session, actor, calendar, today, tz)
    if DocumentKind.OUTGOING in kinds:
        items += _issues(session, actor, calendar, today, tz)
    return sorted(items, key=lambda i: (i.state is not DeadlineState.OVERDUE, not i.urgent, i.due, i.document.id))

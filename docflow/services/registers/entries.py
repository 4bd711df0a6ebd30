"""A register's lines (RegisterEntry), read from the documents and their workflow rows: who handled an
incoming document, where it was sent, which documents replied to it, and how its handling stands."""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from docflow import policy
from docflow.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Confidentiality,
    Document,
    DocumentRelation,
    DocumentStatus,
    Recipient,
    Urgency,
    User,
)

# Assignments that are nobody's work: cancelled, or a forward still waiting for a leader's confirmation.
NOT_HANDLING = (AssignmentStatus.CANCELLED, AssignmentStatus.PENDING)


class Progress(enum.StrEnum):
    """How the handling of an incoming document stands (tiến độ giải quyết)."""
    UNASSIGNED = "unassigned"
    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"


@dataclass(frozen=True)
class Handler:
    """One top-level assignment of an incoming document, with the people its department put on it."""
    role: AssignmentRole
    name: str
    deadline: date | None
    status: AssignmentStatus
    completed_on: date | None
    assigned_on: date | None = None     # when it was transferred (ngày chuyển) to this unit or person


@dataclass(frozen=True)
class EntryFilters:
    date_from: date | None = None    # ngày đến (incoming, resolution) or ngày ban hành (outgoing), local
    date_to: date | None = None
    doc_type: str | None = None
    department_id: int | None = None  # outgoing: the drafting department; otherwise a handling department
    issuing_body: str = ""            # incoming, resolution: exactly this issuing body (tác giả)
    q: str = ""                       # trích yếu, number and symbol, issuing body; diacritics optional
    descending: bool = False

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "", False)}


@dataclass(frozen=True)
class RegisterEntry:
    """One line of a register, read from the document and its workflow rows."""
    document_id: int
    number: int
    doc_type: str
    summary: str                 # "" when the reader may not see this confidential document
    masked: bool
    number_symbol: str
    document_date: date | None
    issuing_body: str
    received_on: date | None
    issued_on: date | None
    urgency: Urgency
    confidentiality: Confidentiality
    status: DocumentStatus
    deadline: date | None
    department: str
    signer: str
    recipients: tuple[str, ...]
    sent_on: date | None
    pages: int | None
    handlers: tuple[Handler, ...]
    replies: tuple[str, ...]
    recalled_on: date | None
    progress: Progress
    receipt_note: str = ""       # incoming: the clerk's note beside the system's receipt time
    series: str = ""             # the series the number belongs to ("" the default)


@dataclass(frozen=True)
class EntryPage:
    items: list[RegisterEntry]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def build_entries(session: Session, actor: User | None, documents: list[Document], tz: tzinfo,
             today: date) -> list[RegisterEntry]:
    ids = [d.id for d in documents]
    hidden = _hidden_ids(session, actor, documents)
    handlers = _handlers(session, ids, tz)
    recipients = _recipients(session, ids)
    replies: dict[int | None, list[str]] = defaultdict(list)
    for related_id, symbol in session.execute(
            select(Document.related_document_id, Document.number_symbol)
            .where(Document.related_document_id.in_(ids), Document.relation == DocumentRelation.REPLY_TO,
                   Document.number_symbol.is_not(None)).order_by(Document.id)):
        replies[related_id].append(symbol or "")
    return [_entry(d, hidden=d.id in hidden, handlers=tuple(handlers.get(d.id, ())),
                   recipients=recipients.get(d.id, ([], None)), replies=tuple(replies.get(d.id, ())),
                   tz=tz, today=today) for d in documents]


def _hidden_ids(session: Session, actor: User | None, documents: list[Document]) -> set[int]:
    confidential = {d.id for d in documents if d.is_confidential}
    if actor is None or not confidential:
        return set()
    visible = set(session.execute(select(Document.id).where(Document.id.in_(confidential),
                                                            policy.visible_filter(actor))).scalars())
    return confidential - visible


def _handlers(session: Session, ids: list[int], tz: tzinfo) -> dict[int, list[Handler]]:
    rows = list(session.execute(
        select(Assignment).where(Assignment.document_id.in_(ids), Assignment.status.notin_(NOT_HANDLING))
        .options(selectinload(Assignment.department), selectinload(Assignment.assignee))
        .order_by(Assignment.id)).scalars())
    people: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        if row.parent_id is not None and row.assignee is not None:
            people[row.parent_id].append(row.assignee.full_name)
    rank = {AssignmentRole.LEAD: 0, AssignmentRole.CO: 1, AssignmentRole.INFO: 2}
    out: dict[int, list[Handler]] = defaultdict(list)
    for row in sorted((r for r in rows if r.parent_id is None), key=lambda r: (rank[r.role], r.id)):
        names = [n for n in (row.department.name if row.department else "",
                             row.assignee.full_name if row.assignee else "") if n]
        if people.get(row.id):
            names.append(", ".join(people[row.id]))
        out[row.document_id].append(Handler(role=row.role, name=" – ".join(names), deadline=row.deadline,
                                            status=row.status, completed_on=_local_date(row.completed_at, tz),
                                            assigned_on=_local_date(row.assigned_at, tz)))
    return out


def _recipients(session: Session, ids: list[int]) -> dict[int, tuple[list[str], datetime | None]]:
    rows = session.execute(select(Recipient).where(Recipient.document_id.in_(ids))
                           .options(selectinload(Recipient.department)).order_by(Recipient.id)).scalars()
    out: dict[int, tuple[list[str], datetime | None]] = {}
    for row in rows:
        names, first_sent = out.get(row.document_id, ([], None))
        names.append(row.department.name if row.department else row.external_name)
        if row.sent_at is not None and (first_sent is None or row.sent_at < first_sent):
            first_sent = row.sent_at
        out[row.document_id] = (names, first_sent)
    return out


def _local_date(moment: datetime | None, tz: tzinfo) -> date | None:
    return moment.astimezone(tz).date() if moment is not None else None


def progress_of(status: DocumentStatus, handlers: tuple[Handler, ...], deadline: date | None,
                today: date) -> Progress:
    """Done when the document is completed or every lead has completed; on time against the deadline."""
    leads = [h for h in handlers if h.role is AssignmentRole.LEAD]
    done = status is DocumentStatus.COMPLETED or (bool(leads) and all(
        h.status is AssignmentStatus.COMPLETED for h in leads))
    if done:
        finished = max((h.completed_on for h in leads if h.completed_on), default=None)
        late = deadline is not None and finished is not None and finished > deadline
        return Progress.DONE_LATE if late else Progress.DONE_ON_TIME
    if not handlers:
        return Progress.UNASSIGNED
    return Progress.OVERDUE if deadline is not None and today > deadline else Progress.IN_PROGRESS


def _entry(document: Document, *, hidden: bool, handlers: tuple[Handler, ...],
           recipients: tuple[list[str], datetime | None], replies: tuple[str, ...], tz: tzinfo,
           today: date) -> RegisterEntry:
    deadline = document.deadline or min((h.deadline for h in handlers
                                         if h.role is AssignmentRole.LEAD and h.deadline), default=None)
    current = document.current_version
    return RegisterEntry(
        document_id=document.id, number=document.register_number or 0, doc_type=document.doc_type,
        summary="" if hidden else document.summary, masked=hidden, number_symbol=document.number_symbol or "",
        document_date=document.document_date, issuing_body=document.issuing_body,
        received_on=_local_date(document.received_at, tz), issued_on=_local_date(document.issued_at, tz),
        urgency=document.urgency, confidentiality=document.confidentiality, status=document.status,
        deadline=deadline, department=document.department.name if document.department else "",
        signer=document.signer.full_name if document.signer else "", recipients=tuple(recipients[0]),
        sent_on=_local_date(recipients[1], tz), pages=current.page_count if current else None,
        handlers=handlers, replies=replies, recalled_on=_local_date(document.recalled_at, tz),
        progress=progress_of(document.status, handlers, deadline, today),
        receipt_note="" if hidden else document.receipt_note, series=document.series)

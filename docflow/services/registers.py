"""Registers (sổ đăng ký) and their numbers: per register and calendar year, from 1, in issue order, never
reused, never skipped (Decree 30/2020/NĐ-CP, Art. 15 and 22)."""

from __future__ import annotations

import enum
import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from docflow import textsearch
from docflow.doctypes import get_type
from docflow.errors import N_, PermissionDeniedError
from docflow.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Confidentiality,
    Department,
    Document,
    DocumentRelation,
    DocumentStatus,
    Organisation,
    Recipient,
    Register,
    RegisterKind,
    Role,
    Urgency,
    User,
    utc_now,
)
from docflow.services import access

REGISTER_NAMES = {
    RegisterKind.INCOMING: ("den", "Sổ đăng ký văn bản đến"),
    RegisterKind.OUTGOING: ("di", "Sổ đăng ký văn bản đi"),
    RegisterKind.RESOLUTION: ("giai-quyet", "Sổ theo dõi giải quyết văn bản đến"),
}


def ensure_register(session: Session, *, organisation: Organisation, kind: RegisterKind, year: int) -> Register:
    """The organisation's register of ``kind`` for ``year``, created when the year's first number is taken.
    Flushes."""
    code, name = REGISTER_NAMES[kind]
    find = select(Register).where(Register.organisation_id == organisation.id, Register.code == code,
                                  Register.year == year)
    register = session.execute(find).scalar_one_or_none()
    if register is None:
        # Two issuers taking the year's first number at once would both insert; the second waits for the
        # first's commit and then inserts nothing, instead of failing on the unique key.
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(Register).values(organisation_id=organisation.id, code=code, name=name, kind=kind,
                                                year=year, last_number=0, created_at=utc_now())
                        .on_conflict_do_nothing(index_elements=["organisation_id", "code", "year"]))
        register = session.execute(find).scalar_one()
    return register


def take_number(session: Session, *, organisation: Organisation, kind: RegisterKind, year: int) -> tuple[Register, int]:
    """The next number of the year's register, reserved for the caller's transaction.

    The register row is locked (SELECT … FOR UPDATE on PostgreSQL; the transaction's write lock on SQLite),
    so concurrent issuers queue and get consecutive numbers. If the transaction rolls back (a failed
    signature, a crash), the number goes back with it: nothing is skipped. Flushes.
    """
    code, _ = REGISTER_NAMES[kind]
    lock = (select(Register).where(Register.organisation_id == organisation.id, Register.code == code,
                                   Register.year == year)
            .with_for_update().execution_options(populate_existing=True))
    locked = session.execute(lock).scalar_one_or_none()
    if locked is None:   # the year's first number: make the register, then lock it
        ensure_register(session, organisation=organisation, kind=kind, year=year)
        locked = session.execute(lock).scalar_one()
    locked.last_number += 1
    session.flush()
    return locked, locked.last_number


def format_number(number: int) -> str:
    """01 … 09, then 10, 11 … (Decree 30, Annex I: numbers below 10 are written with a leading zero)."""
    return f"{number:02d}"


def number_symbol(number: int, *, doc_type: str, body: str = "UBND", unit: str = "") -> str:
    """Số, ký hiệu: "15/QĐ-UBND"; a công văn (no type abbreviation) is body + drafting unit: "07/UBND-VP"."""
    kind = get_type(doc_type)
    abbreviation = kind.abbreviation if kind is not None else ""
    if abbreviation:
        return f"{format_number(number)}/{abbreviation}-{body}"
    return f"{format_number(number)}/{body}-{unit}" if unit else f"{format_number(number)}/{body}"


def unit_code(department: Department | None) -> str:
    """The drafting unit's part of a công văn symbol, from the department's code: capitals, letters and digits
    only, Vietnamese letters kept ("đc" → "ĐC", as Decree 30, Annex I writes "UBND-ĐC")."""
    if department is None:
        return ""
    code = unicodedata.normalize("NFC", department.code).upper()
    return "".join(c for c in code if c.isalnum())


def symbol_for(document: Document, number: int) -> str:
    """The number and symbol an issued document gets: its type, the organisation and, for a công văn, the
    drafting department (``15/QĐ-UBND``, ``07/UBND-ĐC``)."""
    return number_symbol(number, doc_type=document.doc_type, body=document.organisation.code,
                         unit=unit_code(document.department))


# -- reading the registers ---------------------------------------------------------------------------------

REGISTER_READERS = (Role.CLERK, Role.LEADER, Role.AUDITOR, Role.ADMIN)
# The resolution register (sổ theo dõi giải quyết) follows the incoming register's documents.
SOURCE_KIND = {RegisterKind.INCOMING: RegisterKind.INCOMING, RegisterKind.OUTGOING: RegisterKind.OUTGOING,
               RegisterKind.RESOLUTION: RegisterKind.INCOMING}
CHUNK = 500
# Assignments that are nobody's work: cancelled, or a forward still waiting for a leader's confirmation.
NOT_HANDLING = (AssignmentStatus.CANCELLED, AssignmentStatus.PENDING)


def can_view_registers(user: User) -> bool:
    """Clerks keep the registers; leaders and auditors read them (auditors only read); admins too."""
    return user.is_active and user.role in REGISTER_READERS


def _check_reader(actor: User | None) -> None:
    if actor is not None and not can_view_registers(actor):
        raise PermissionDeniedError(N_("Only clerks, leaders and auditors may open the registers."))


def register_years(session: Session, *, actor: User | None, organisation_id: int, this_year: int) -> list[int]:
    """Every year that has a register, and this year, newest first."""
    _check_reader(actor)
    years = set(session.execute(select(Register.year).where(Register.organisation_id == organisation_id)
                                .distinct()).scalars())
    return sorted(years | {this_year}, reverse=True)


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


@dataclass(frozen=True)
class EntryPage:
    items: list[RegisterEntry]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def list_issuing_bodies(session: Session, *, organisation_id: int, year: int, limit: int = 300) -> list[str]:
    """The issuing bodies (tác giả) of the year's incoming register, for the filter's choices."""
    register = find_source_register(session, organisation_id=organisation_id, kind=RegisterKind.INCOMING,
                                    year=year)
    if register is None:
        return []
    return list(session.execute(select(Document.issuing_body).where(
        Document.register_id == register.id, Document.issuing_body != "").distinct()
        .order_by(Document.issuing_body).limit(limit)).scalars())


def find_source_register(session: Session, *, organisation_id: int, kind: RegisterKind,
                         year: int) -> Register | None:
    """The numbered register whose documents make up the ``kind`` register of ``year``, if it was opened."""
    code = REGISTER_NAMES[SOURCE_KIND[kind]][0]
    return session.execute(select(Register).where(Register.organisation_id == organisation_id,
                                                  Register.code == code, Register.year == year)
                           ).scalar_one_or_none()


def _local_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tz).astimezone(UTC)


def _conditions(actor: User | None, register: Register, kind: RegisterKind, filters: EntryFilters,
                tz: tzinfo) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Document.register_id == register.id, Document.register_number.is_not(None)]
    stamp = Document.issued_at if kind is RegisterKind.OUTGOING else Document.received_at
    if filters.date_from is not None:
        where.append(stamp >= _local_start(filters.date_from, tz))
    if filters.date_to is not None:
        where.append(stamp < _local_start(filters.date_to + timedelta(days=1), tz))
    if filters.doc_type:
        where.append(Document.doc_type == filters.doc_type)
    if filters.department_id is not None:
        if kind is RegisterKind.OUTGOING:
            where.append(Document.department_id == filters.department_id)
        else:
            where.append(Document.id.in_(select(Assignment.document_id).where(
                Assignment.department_id == filters.department_id,
                Assignment.status.notin_(NOT_HANDLING))))
    if filters.issuing_body and kind is not RegisterKind.OUTGOING:
        where.append(Document.issuing_body == filters.issuing_body)
    folded = textsearch.fold(filters.q[:100])
    if folded:
        where.append(Document.search_text.contains(folded, autoescape=True))
        if actor is not None:  # a confidential summary the reader may not see must not be found by its words
            where.append(access.visible_filter(actor))
    return where


def _select(where: list[ColumnElement[bool]]) -> Select[Document]:
    return (select(Document).where(*where)
            .options(selectinload(Document.department), selectinload(Document.signer),
                     selectinload(Document.versions)))


def count_entries(session: Session, *, actor: User | None, organisation_id: int, kind: RegisterKind, year: int,
                  filters: EntryFilters, tz: tzinfo) -> int:
    """How many entries the register has under ``filters``."""
    _check_reader(actor)
    register = find_source_register(session, organisation_id=organisation_id, kind=kind, year=year)
    if register is None:
        return 0
    where = _conditions(actor, register, kind, filters, tz)
    return session.execute(select(func.count()).select_from(Document).where(*where)).scalar_one()


def list_entries(session: Session, *, actor: User, kind: RegisterKind, year: int, filters: EntryFilters,
                 page: int, page_size: int, tz: tzinfo, today: date) -> EntryPage:
    """One page of the register as ``actor`` may read it (confidential summaries they may not see are blank).
    Raises PermissionDeniedError."""
    total = count_entries(session, actor=actor, organisation_id=actor.organisation_id, kind=kind, year=year,
                          filters=filters, tz=tz)
    page_size = max(1, min(page_size, 200))
    page = max(1, min(page, max(1, math.ceil(total / page_size))))
    register = find_source_register(session, organisation_id=actor.organisation_id, kind=kind, year=year)
    if register is None:
        return EntryPage(items=[], total=0, page=1, page_size=page_size)
    order = Document.register_number.desc() if filters.descending else Document.register_number.asc()
    stmt = (_select(_conditions(actor, register, kind, filters, tz)).order_by(order)
            .limit(page_size).offset((page - 1) * page_size))
    documents = list(session.execute(stmt).scalars())
    return EntryPage(items=_entries(session, actor, documents, tz, today), total=total, page=page,
                     page_size=page_size)


def iter_entries(session: Session, *, actor: User | None, organisation_id: int, kind: RegisterKind, year: int,
                 filters: EntryFilters, tz: tzinfo, today: date) -> Iterator[RegisterEntry]:
    """Every entry in number order, read CHUNK documents at a time (a year of 10,000 entries is never held
    at once). ``actor`` None is the system (the command line): nothing is blanked. Raises
    PermissionDeniedError."""
    _check_reader(actor)
    register = find_source_register(session, organisation_id=organisation_id, kind=kind, year=year)
    if register is None:
        return
    where = _conditions(actor, register, kind, filters, tz)
    last = 0
    while True:
        stmt = _select([*where, Document.register_number > last]).order_by(Document.register_number).limit(CHUNK)
        documents = list(session.execute(stmt).scalars())
        if not documents:
            return
        yield from _entries(session, actor, documents, tz, today)
        # The session's identity map holds rows weakly: once this chunk is written, its rows are freed.
        last = documents[-1].register_number or last


def _entries(session: Session, actor: User | None, documents: list[Document], tz: tzinfo,
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
                                                            access.visible_filter(actor))).scalars())
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
                                            status=row.status, completed_on=_local_date(row.completed_at, tz)))
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
        progress=progress_of(document.status, handlers, deadline, today))

"""Reading the registers: which years exist, how many entries a register has under a filter, a page of it
for the screen, and every entry in number order for an export."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta, tzinfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from docflow import policy, textsearch
from docflow.config import local_midnight
from docflow.errors import N_, PermissionDeniedError
from docflow.models import Assignment, Document, Register, RegisterKind, User
from docflow.services.registers.entries import NOT_HANDLING, EntryFilters, EntryPage, RegisterEntry, build_entries
from docflow.services.registers.numbers import REGISTER_NAMES

# The resolution register (sổ theo dõi giải quyết) follows the incoming register's documents.
SOURCE_KIND = {RegisterKind.INCOMING: RegisterKind.INCOMING, RegisterKind.OUTGOING: RegisterKind.OUTGOING,
               RegisterKind.RESOLUTION: RegisterKind.INCOMING}
CHUNK = 500
def _check_reader(actor: User | None) -> None:
    if actor is not None and not policy.may_read_registers(actor):
        raise PermissionDeniedError(N_("Only clerks, leaders and auditors may open the registers."))


def register_years(session: Session, *, actor: User | None, organisation_id: int, this_year: int) -> list[int]:
    """Every year that has a register, and this year, newest first."""
    _check_reader(actor)
    years = set(session.execute(select(Register.year).where(Register.organisation_id == organisation_id)
                                .distinct()).scalars())
    return sorted(years | {this_year}, reverse=True)


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


def _conditions(actor: User | None, register: Register, kind: RegisterKind, filters: EntryFilters,
                tz: tzinfo) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Document.register_id == register.id, Document.register_number.is_not(None)]
    stamp = Document.issued_at if kind is RegisterKind.OUTGOING else Document.received_at
    if filters.date_from is not None:
        where.append(stamp >= local_midnight(filters.date_from, tz))
    if filters.date_to is not None:
        where.append(stamp < local_midnight(filters.date_to + timedelta(days=1), tz))
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
            where.append(policy.visible_filter(actor))
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
    order = ((Document.series.desc(), Document.register_number.desc()) if filters.descending
             else (Document.series.asc(), Document.register_number.asc()))
    stmt = (_select(_conditions(actor, register, kind, filters, tz)).order_by(*order)
            .limit(page_size).offset((page - 1) * page_size))
    documents = list(session.execute(stmt).scalars())
    return EntryPage(items=build_entries(session, actor, documents, tz, today), total=total, page=page,
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
    series, last = "", 0
    while True:
        # series by series (the default "" first), each in number order
        after = or_(Document.series > series, and_(Document.series == series, Document.register_number > last))
        stmt = _select([*where, after]).order_by(Document.series, Document.register_number).limit(CHUNK)
        documents = list(session.execute(stmt).scalars())
        if not documents:
            return
        yield from build_entries(session, actor, documents, tz, today)
        # The session's identity map holds rows weakly: once this chunk is written, its rows are freed.
        series, last = documents[-1].series, documents[-1].register_number or last

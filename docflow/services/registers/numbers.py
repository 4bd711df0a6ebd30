"""Registers (sổ đăng ký) and their numbers: per register and calendar year, from 1, in issue order, never
reused, never skipped (Decree 30/2020/NĐ-CP, Art. 15 and 22)."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from docflow.doctypes import get_type
from docflow.errors import N_, ConflictError, InvalidTransitionError, ValidationError
from docflow.models import (
    Department,
    Document,
    Organisation,
    Register,
    RegisterClosing,
    RegisterCounter,
    RegisterKind,
    utc_now,
)

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


def take_number(session: Session, *, organisation: Organisation, kind: RegisterKind, year: int,
                series: str = "") -> tuple[Register, int]:
    """The next number of ``series`` in the year's register ("" the default series), reserved for the caller's
    transaction.

    The register row is locked (SELECT … FOR UPDATE on PostgreSQL; the transaction's write lock on SQLite),
    so concurrent issuers queue and get consecutive numbers; a series' counter is taken under that same lock.
    If the transaction rolls back (a failed signature, a crash), the number goes back with it: nothing is
    skipped. Flushes.
    """
    locked = _locked_open_register(session, organisation=organisation, kind=kind, year=year)
    if series:
        return locked, _next_in_series(session, locked, series)
    locked.last_number += 1
    session.flush()
    return locked, locked.last_number


def _locked_open_register(session: Session, *, organisation: Organisation, kind: RegisterKind,
                          year: int) -> Register:
    """The year's register of ``kind``, made if needed, locked, and refused when closed. Flushes."""
    code, _ = REGISTER_NAMES[kind]
    lock = (select(Register).where(Register.organisation_id == organisation.id, Register.code == code,
                                   Register.year == year)
            .with_for_update().execution_options(populate_existing=True))
    locked = session.execute(lock).scalar_one_or_none()
    if locked is None:   # the year's first number: make the register, then lock it
        ensure_register(session, organisation=organisation, kind=kind, year=year)
        locked = session.execute(lock).scalar_one()
    if session.execute(select(RegisterClosing.id).where(RegisterClosing.register_id == locked.id)).first():
        # R16: a closed register (đóng sổ) takes no entry, whatever asks for a number
        raise InvalidTransitionError(N_("The %(year)s register is closed (đóng sổ): no document can be entered "
                                        "in it."), year=year)
    return locked


def claim_number(session: Session, *, organisation: Organisation, kind: RegisterKind, year: int, number: int,
                 series: str = "") -> Register:
    """Enter a document imported from the previous system under the number it already had there.

    Refused when that number of the year's register and series is someone else's already. The series'
    counter moves up to ``number`` when it is behind, so the ward's next issued number is always after the
    highest imported one (never a number taken later by an import: R10, R13). Under the register row's lock,
    like take_number. Raises ValidationError, ConflictError, InvalidTransitionError (closed register). Flushes.
    """
    if number < 1:
        raise ValidationError(N_("A register number is a whole number from 1."), field="number")
    locked = _locked_open_register(session, organisation=organisation, kind=kind, year=year)
    taken = session.execute(select(Document.id).where(Document.register_id == locked.id, Document.series == series,
                                                      Document.register_number == number)).first()
    if taken is not None:
        raise ConflictError(N_("Number %(number)s of the %(year)s register is already taken by another document."),
                            number=format_number(number), year=year)
    if series:
        counter = _counter(session, locked, series)
        counter.last_number = max(counter.last_number, number)
    else:
        locked.last_number = max(locked.last_number, number)
    session.flush()
    return locked


def _counter(session: Session, register: Register, series: str) -> RegisterCounter:
    counter = session.execute(select(RegisterCounter).where(RegisterCounter.register_id == register.id,
                                                            RegisterCounter.series == series)
                              .execution_options(populate_existing=True)).scalar_one_or_none()
    if counter is None:
        counter = RegisterCounter(organisation_id=register.organisation_id, register_id=register.id, series=series,
                                  last_number=0)
        session.add(counter)
    return counter


def _next_in_series(session: Session, register: Register, series: str) -> int:
    counter = _counter(session, register, series)
    counter.last_number += 1
    session.flush()
    return counter.last_number


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

"""Registers (sổ đăng ký) and their numbers: per register and calendar year, from 1, in issue order, never
reused, never skipped (Decree 30/2020/NĐ-CP, Art. 15 and 22)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.doctypes import get_type
from docflow.models import Organisation, Register, RegisterKind

REGISTER_NAMES = {
    RegisterKind.INCOMING: ("den", "Sổ đăng ký văn bản đến"),
    RegisterKind.OUTGOING: ("di", "Sổ đăng ký văn bản đi"),
    RegisterKind.RESOLUTION: ("giai-quyet", "Sổ theo dõi giải quyết văn bản đến"),
}


def ensure_register(session: Session, *, organisation: Organisation, kind: RegisterKind, year: int) -> Register:
    """The organisation's register of ``kind`` for ``year``, created when the year's first number is taken.
    Flushes."""
    code, name = REGISTER_NAMES[kind]
    register = session.execute(select(Register).where(
        Register.organisation_id == organisation.id, Register.code == code, Register.year == year)).scalar_one_or_none()
    if register is None:
        register = Register(organisation_id=organisation.id, code=code, name=name, kind=kind, year=year)
        session.add(register)
        session.flush()
    return register


def take_number(session: Session, *, organisation: Organisation, kind: RegisterKind, year: int) -> tuple[Register, int]:
    """The next number of the year's register, reserved for the caller's transaction.

    The register row is locked (SELECT … FOR UPDATE on PostgreSQL; the transaction's write lock on SQLite),
    so concurrent issuers queue and get consecutive numbers. If the transaction rolls back (a failed
    signature, a crash), the number goes back with it: nothing is skipped. Flushes.
    """
    register = ensure_register(session, organisation=organisation, kind=kind, year=year)
    locked = session.execute(select(Register).where(Register.id == register.id)
                             .with_for_update().execution_options(populate_existing=True)).scalar_one()
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

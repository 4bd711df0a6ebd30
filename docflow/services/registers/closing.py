"""Closing a register's year (đóng sổ, Decree 30, Art. 16.2.b and 22.3.b; rule R16): docflow prints the
register with all its columns and the clerk signs the printout with the ward's key; the signed PDF is kept
in the content store and no entry goes into that register afterwards.

Not re-exported by the package: it signs (services.signatures.context, services.keys), and the signatures'
chain check reads the registers, so the package itself stays free of the signing services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_, ConflictError, InvalidTransitionError, NotFoundError, PermissionDeniedError
from docflow.models import Organisation, Register, RegisterClosing, RegisterKind, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.registers.entries import EntryFilters
from docflow.services.registers.numbers import REGISTER_NAMES, ensure_register
from docflow.services.registers.pdf import pdf_bytes
from docflow.services.registers.queries import count_entries, iter_entries
from docflow.services.signatures.context import open_text_stamp
from docflow.signing.base import SignatureKind
from docflow.signing.textstamp import stamp_time
from docflow.storage import DocumentStore

CLOSABLE = (RegisterKind.INCOMING, RegisterKind.OUTGOING)


@dataclass(frozen=True)
class CloseRequest:
    kind: RegisterKind
    year: int
    pin: str


def find_closing(session: Session, *, organisation_id: int, kind: RegisterKind, year: int) -> RegisterClosing | None:
    """The closing of the ``kind`` register of ``year``, if it was closed."""
    return session.execute(select(RegisterClosing).join(Register, Register.id == RegisterClosing.register_id).where(
        RegisterClosing.organisation_id == organisation_id, Register.code == REGISTER_NAMES[kind][0],
        RegisterClosing.year == year)).scalar_one_or_none()


def _checked(session: Session, actor: User, request: CloseRequest, *, today_year: int) -> None:
    if not policy.may_apply(actor, SignatureKind.ORGANISATION):
        raise PermissionDeniedError(N_("Only the clerk (văn thư) closes a register with the ward's signature."))
    if request.kind not in CLOSABLE:
        raise NotFoundError(N_("Only the incoming and the outgoing registers are closed."))
    if request.year >= today_year:
        raise InvalidTransitionError(N_("A register is closed once its year has ended (from 1 January of the "
                                        "next year)."))


def close_register(session: Session, *, actor: User, settings: Settings, store: DocumentStore, tz: tzinfo,
                   request: CloseRequest, now: datetime | None = None) -> RegisterClosing:
    """Print the year's register (every entry, every Annex IV column), sign it with the ward's key opened by
    the clerk's PIN, keep it, and close the register to new entries.

    The register row is locked first, so an issue or registration waiting on it sees the closing. Raises
    PermissionDeniedError, NotFoundError, InvalidTransitionError, ConflictError (closed already),
    WrongPinError, CertificateError, SigningError. Flushes.
    """
    now = now or utc_now()
    _checked(session, actor, request, today_year=now.astimezone(tz).year)
    organisation = session.get(Organisation, actor.organisation_id)
    if organisation is None:
        raise NotFoundError(N_("Organisation not found."))
    register = ensure_register(session, organisation=organisation, kind=request.kind, year=request.year)
    session.execute(select(Register).where(Register.id == register.id).with_for_update()
                    .execution_options(populate_existing=True))
    if find_closing(session, organisation_id=organisation.id, kind=request.kind, year=request.year) is not None:
        raise ConflictError(N_("The %(year)s register is closed already."), year=request.year)
    entries = count_entries(session, actor=None, organisation_id=organisation.id, kind=request.kind,
                            year=request.year, filters=EntryFilters(), tz=tz)
    printed = _printout(session, organisation, request, entries=entries, actor=actor, tz=tz, now=now)
    label = f"Đóng sổ {REGISTER_NAMES[request.kind][1].lower()} năm {request.year}"
    signed = _sign(session, settings, actor=actor, data=printed, pin=request.pin, now=now,
                   lines=(label, organisation.name, stamp_time(now)))
    closing = RegisterClosing(organisation_id=organisation.id, register_id=register.id, year=request.year,
                              entries=entries, sha256=store.put_bytes(signed), closed_by_id=actor.id, closed_at=now)
    session.add(closing)
    session.flush()
    audit.record(session, action=AuditAction.REGISTER_CLOSED, actor=actor, object_type="register",
                 object_id=register.id, now=now,
                 details={"register": request.kind.value, "year": request.year, "entries": entries,
                          "sha256": closing.sha256})
    return closing


def _printout(session: Session, organisation: Organisation, request: CloseRequest, *, entries: int, actor: User,
              tz: tzinfo, now: datetime) -> bytes:
    rows = iter_entries(session, actor=None, organisation_id=organisation.id, kind=request.kind, year=request.year,
                        filters=EntryFilters(), tz=tz, today=now.astimezone(tz).date())
    subtitle = (f"Đóng sổ ngày {now.astimezone(tz):%d/%m/%Y %H:%M} · {entries} văn bản · "
                f"Văn thư: {actor.full_name}")
    return pdf_bytes(request.kind, rows, organisation=organisation.name, year=request.year, subtitle=subtitle)


def _sign(session: Session, settings: Settings, *, actor: User, data: bytes, pin: str, now: datetime,
          lines: tuple[str, ...]) -> bytes:
    # The ward's text-only signature, drawn as on a separate attachment (R29): top right of the first page,
    # no image, the register and year, the ward and the signing time in Vietnam time (ISO 8601).
    with open_text_stamp(session, settings=settings, actor=actor, pin=pin, now=now) as (_, level, stamp):
        return stamp.stamp(data, lines, level=level, reason="Đóng sổ")


def closing_pdf(session: Session, *, actor: User, store: DocumentStore, kind: RegisterKind,
                year: int) -> tuple[RegisterClosing, bytes]:
    """The signed register of a closed year, for those who read the registers. Raises PermissionDeniedError,
    NotFoundError."""
    if not policy.may_read_registers(actor):
        raise PermissionDeniedError(N_("Only clerks, leaders and auditors may open the registers."))
    closing = find_closing(session, organisation_id=actor.organisation_id, kind=kind, year=year)
    if closing is None:
        raise NotFoundError(N_("This register has not been closed."))
    return closing, store.read(closing.sha256)

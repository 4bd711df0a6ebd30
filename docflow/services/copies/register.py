"""The copy register (sổ đăng ký bản sao): the year's copies in number order, on screen, as CSV and as a
printable PDF laid out like the other registers; and a copy's file for those who may read it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from docflow import csvexport, policy
from docflow.errors import N_, NotFoundError, PermissionDeniedError
from docflow.models import CopySource, DocumentCopy, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.copies.making import FORM_LINE
from docflow.services.registers.columns import Column
from docflow.services.registers.pdf import RegisterPdf
from docflow.storage import DocumentStore

TITLE = "Sổ đăng ký bản sao văn bản"
SOURCE_VI = {CopySource.ELECTRONIC: "Văn bản điện tử của phường", CopySource.PAPER: "Bản giấy (số hóa)"}
# (heading, width in mm): the columns fill the 277 mm of an A4 landscape page, as the other registers do
HEADINGS = (("Số, ký hiệu bản sao", 30), ("Ngày sao", 24), ("Hình thức sao", 24),
            ("Văn bản được sao (số, ký hiệu, ngày, cơ quan ban hành)", 80), ("Trang trích sao", 22),
            ("Nguồn", 34), ("Người sao", 35), ("Ghi chú", 28))


@dataclass(frozen=True)
class CopyRow:
    copy: DocumentCopy
    cells: tuple[str, ...]


def require_reader(actor: User) -> None:
    """Those who read the registers read the copy register. Raises PermissionDeniedError."""
    if not policy.may_read_registers(actor):
        raise PermissionDeniedError(N_("You may not read the registers."))


def copy_register(session: Session, *, actor: User, year: int, tz: tzinfo) -> list[CopyRow]:
    """The ward's copies of ``year`` in number order, each with its register cells. Raises
    PermissionDeniedError. Reads only."""
    require_reader(actor)
    copies = session.execute(select(DocumentCopy).where(DocumentCopy.organisation_id == actor.organisation_id,
                                                        DocumentCopy.year == year)
                             .options(selectinload(DocumentCopy.made_by)).order_by(DocumentCopy.number)).scalars()
    return [CopyRow(c, _cells(c, tz)) for c in copies]


def _cells(copy: DocumentCopy, tz: tzinfo) -> tuple[str, ...]:
    return (copy.number_symbol, copy.copy_date.astimezone(tz).strftime("%d/%m/%Y"), FORM_LINE[copy.form].title(),
            copy.original_reference, copy.pages, SOURCE_VI[copy.source], copy.made_by.full_name, copy.note)


def record_export(session: Session, *, actor: User, year: int, fmt: str, entries: int,
                  now: datetime | None = None) -> None:
    """Audit an export of the copy register (REGISTER_EXPORTED). Flushes."""
    audit.record(session, action=AuditAction.REGISTER_EXPORTED, actor=actor, object_type="register",
                 object_id=f"copies:{year}", now=now or utc_now(),
                 details={"register": "copies", "year": year, "format": fmt, "entries": entries})


def csv_chunks(rows: list[CopyRow]) -> Iterator[bytes]:
    """The register as CSV (UTF-8 with a BOM, for spreadsheets), headings first."""
    yield csvexport.csv_bytes([heading for heading, _ in HEADINGS], [row.cells for row in rows])


def pdf_bytes(rows: list[CopyRow], *, organisation: str, year: int) -> bytes:
    """The register as a printable PDF, laid out as the other registers are."""
    columns = tuple(Column(key=f"c{i}", heading=heading, label=heading, width=float(width), value=lambda _: "")
                    for i, (heading, width) in enumerate(HEADINGS))
    pdf = RegisterPdf(columns=columns, title=TITLE, organisation=organisation, year=year, subtitle="")
    pdf.add_page()
    for row in rows:
        pdf.add_entry(list(row.cells))
    return bytes(pdf.output())


def copy_file(session: Session, *, actor: User, copy_id: int, store: DocumentStore) -> tuple[DocumentCopy, bytes]:
    """A copy and its signed file, for a register reader who may also see the original. Raises
    NotFoundError, PermissionDeniedError. Reads only."""
    require_reader(actor)
    copy = session.get(DocumentCopy, copy_id)
    if copy is None or copy.organisation_id != actor.organisation_id:
        raise NotFoundError(N_("No such copy."))
    if copy.original is not None and not policy.can_view(actor, copy.original):
        raise PermissionDeniedError(N_("You do not have access to this document."))
    return copy, store.read(copy.sha256)

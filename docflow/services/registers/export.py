"""The registers on paper, audited: each export is one audit event, then its CSV or PDF.

Exports are written as they are read: the CSV row by row, the PDF page by page from entries read in
chunks (registers.iter_entries), so a year of 10,000 entries is never one string in memory.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from docflow import csvexport
from docflow.models import Organisation, RegisterKind, User
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.registers.columns import COLUMNS
from docflow.services.registers.entries import EntryFilters, RegisterEntry
from docflow.services.registers.numbers import REGISTER_NAMES
from docflow.services.registers.pdf import pdf_bytes
from docflow.services.registers.queries import count_entries, find_source_register, iter_entries


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    PDF = "pdf"


MIMETYPES = {ExportFormat.CSV: "text/csv; charset=utf-8", ExportFormat.PDF: "application/pdf"}


def export_filename(kind: RegisterKind, year: int, fmt: ExportFormat) -> str:
    return f"so-{REGISTER_NAMES[kind][0]}-{year}.{fmt.value}"


def csv_chunks(kind: RegisterKind, entries: Iterable[RegisterEntry]) -> Iterator[bytes]:
    """The register as CSV for spreadsheets (csvexport: UTF-8 with a byte-order mark, formulas neutralised),
    a few hundred rows per chunk."""
    columns = COLUMNS[kind]
    return csvexport.csv_chunks([c.heading for c in columns], ([c.value(e) for c in columns] for e in entries))


@dataclass(frozen=True)
class RegisterExport:
    kind: RegisterKind
    year: int
    format: ExportFormat
    entries: int
    filename: str

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.format]


def record_export(session: Session, *, actor: User | None, organisation: Organisation, kind: RegisterKind,
                  year: int, fmt: ExportFormat, filters: EntryFilters, tz: tzinfo) -> RegisterExport:
    """Audit an export before it is written (REGISTER_EXPORTED, with the filters and the number of entries).
    Raises PermissionDeniedError. Flushes."""
    entries = count_entries(session, actor=actor, organisation_id=organisation.id, kind=kind, year=year,
                            filters=filters, tz=tz)
    register = find_source_register(session, organisation_id=organisation.id, kind=kind, year=year)
    details: dict[str, Any] = {"register": kind.value, "year": year, "format": fmt.value, "entries": entries,
                               "filters": filters.as_dict()}
    audit.record(session, action=AuditAction.REGISTER_EXPORTED, actor=actor, object_type="register",
                 object_id=register.id if register else f"{kind.value}:{year}", details=details)
    return RegisterExport(kind=kind, year=year, format=fmt, entries=entries,
                          filename=export_filename(kind, year, fmt))


def export_chunks(session: Session, export: RegisterExport, *, actor: User | None, organisation: Organisation,
                  filters: EntryFilters, tz: tzinfo, today: date, now: datetime) -> Iterator[bytes]:
    """The export's bytes, produced as the entries are read (reads only; run it after the audit commit)."""
    entries = iter_entries(session, actor=actor, organisation_id=organisation.id, kind=export.kind,
                           year=export.year, filters=filters, tz=tz, today=today)
    if export.format is ExportFormat.CSV:
        yield from csv_chunks(export.kind, entries)
        return
    subtitle = f"Lập ngày {now.astimezone(tz):%d/%m/%Y %H:%M} · {export.entries} văn bản"
    yield pdf_bytes(export.kind, entries, organisation=organisation.name, year=export.year, subtitle=subtitle)

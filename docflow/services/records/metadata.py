"""The metadata of files and documents with the field names of the electronic-records standard (Decree 30,
Annex VI, Part II; rule R57): for a file FileCode{OrganId, FileCatalog, FileNotation}, Title, Maintenance,
Rights, Language, Creator, StartDate, EndDate, DocTotal, PageTotal; for a document FileCode, DocOrdinal,
TypeName, CodeNumber, CodeNotation, IssuedDate, OrganName, Subject, Language, PageAmount, Description,
SignerInfo{Position, FullName}, To, Priority, IssuedAmount, DueDate, Format, and for an incoming document
ArrivalDate, ArrivalNumber, ToPlaces, TraceHeaderList.

Plain dicts (dates as ISO text, counts as int), cut to R57's lengths; the archive package serialises them to
XML. OrganId is the ward's organ identifier (mã định danh, ``app.organ_id``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.doctypes import get_type
from docflow.models import Assignment, Document, DocumentKind, ImportedDocument, Recipient, RecordFile
from docflow.models.documents import URGENCY_RANK
from docflow.services.records.contents import author, file_rows, page_count, span
from docflow.services.records.files import document_day, home_of
from docflow.services.records.common import retention_label
from docflow.services.registers.numbers import format_number

LENGTHS = {"OrganId": 13, "FileCatalog": 4, "FileNotation": 20, "TypeName": 100, "CodeNumber": 11,
           "CodeNotation": 30, "OrganName": 200, "Subject": 500, "Position": 100, "FullName": 50, "Title": 500,
           "ToPlaces": 1000}


@dataclass(frozen=True)
class Ward:
    """Who the metadata speaks for: the organ identifier and the ward's name (Creator, OrganName)."""
    organ_id: str
    name: str
    tz: tzinfo


def _cut(key: str, value: str) -> str:
    limit = LENGTHS.get(key)
    return value[:limit] if limit else value


def file_code(record: RecordFile, ward: Ward) -> dict[str, str]:
    return {"OrganId": _cut("OrganId", ward.organ_id), "FileCatalog": str(record.heading.plan.year)[-4:],
            "FileNotation": _cut("FileNotation", record.code)}


def record_metadata(session: Session, record: RecordFile, *, ward: Ward) -> dict[str, Any]:
    """A file's R57 metadata. Reads only."""
    rows = file_rows(session, actor=None, record=record, tz=ward.tz, organisation=ward.name)
    first, last = span(rows, ward.tz)
    start, end = record.start_date or first, record.end_date or last
    return {"FileCode": file_code(record, ward), "Title": _cut("Title", record.title),
            "Maintenance": retention_label(record.retention_years), "Rights": record.rights,
            "Language": record.language, "Creator": ward.name,
            "StartDate": start.isoformat() if start else "", "EndDate": end.isoformat() if end else "",
            "DocTotal": len(rows), "PageTotal": rows[-1].last_page if rows else 0, "Description": record.note}


def _number(document: Document) -> tuple[str, str]:
    """CodeNumber and CodeNotation: "15" and "QĐ-UBND" of "15/QĐ-UBND"."""
    text = document.number_symbol or ""
    number, _, notation = text.partition("/")
    if not notation and document.register_number is not None:
        number = format_number(document.register_number)
    return _cut("CodeNumber", number.strip()), _cut("CodeNotation", notation.strip())


def _signer(session: Session, document: Document) -> dict[str, str]:
    signer = document.signer
    if document.kind is DocumentKind.INCOMING:
        return {"Position": "", "FullName": ""}
    if signer is None:
        # imported from the previous system: the signer's name as written there (not always a docflow user)
        name = session.execute(select(ImportedDocument.signer_name).where(
            ImportedDocument.document_id == document.id)).scalar_one_or_none()
        return {"Position": "", "FullName": _cut("FullName", name or "")}
    return {"Position": _cut("Position", signer.post), "FullName": _cut("FullName", signer.full_name)}


def _recipients(session: Session, document: Document) -> list[dict[str, str]]:
    recipients = session.execute(select(Recipient).where(Recipient.document_id == document.id)
                                 .order_by(Recipient.id)).scalars()
    return [{"OrganId": "", "OrganName": _cut("OrganName", r.department.name if r.department else r.external_name)}
            for r in recipients]


def document_metadata(session: Session, document: Document, *, ward: Ward,
                      record: RecordFile | None = None, ordinal: int | None = None) -> dict[str, Any]:
    """A document's R57 metadata, in ``record`` (default: its home file) at ``ordinal``. Reads only."""
    if record is None:
        home = home_of(session, document.id)
        record = home.file if home is not None else None
    if record is not None and ordinal is None:
        ordinal = next((r.ordinal for r in file_rows(session, actor=None, record=record, tz=ward.tz,
                                                     organisation=ward.name) if r.entry.document_id == document.id),
                       None)
    kind = get_type(document.doc_type)
    number, notation = _number(document)
    recipients = _recipients(session, document)
    meta: dict[str, Any] = {
        "FileCode": file_code(record, ward) if record is not None else {},
        "DocOrdinal": ordinal or 0, "TypeName": _cut("TypeName", kind.name_vi if kind else document.doc_type),
        "CodeNumber": number, "CodeNotation": notation,
        "IssuedDate": document_day(document, ward.tz).isoformat(),
        "OrganName": _cut("OrganName", author(document, ward.name)), "Subject": _cut("Subject", document.summary),
        "Language": "vi", "PageAmount": page_count(document), "Description": "", "SignerInfo": _signer(session, document),
        "To": recipients, "Priority": URGENCY_RANK[document.urgency], "IssuedAmount": len(recipients),
        "DueDate": document.deadline.isoformat() if document.deadline else "", "Format": "PDF"}
    if document.kind is DocumentKind.INCOMING:
        meta.update(_incoming(session, document, ward))
    return meta


def _incoming(session: Session, document: Document, ward: Ward) -> dict[str, Any]:
    # ToPlaces and TraceHeaderList from the leader's direction: who received it, the directive, the deadline and
    # how far each part has gone (the top-level assignments; a head's hand-over to an official is below them).
    places = session.execute(select(Assignment).where(Assignment.document_id == document.id,
                                                      Assignment.parent_id.is_(None))
                             .order_by(Assignment.assigned_at, Assignment.id)).scalars().all()
    names = [_place(a) for a in places]
    trace = [{"Time": a.assigned_at.astimezone(ward.tz).isoformat(), "Person": a.assigned_by.full_name,
              "To": _place(a), "Role": a.role.value, "Directive": a.instruction,
              "DueDate": a.deadline.isoformat() if a.deadline else "", "Status": a.status.value} for a in places]
    received = document.received_at
    return {"ArrivalDate": received.astimezone(ward.tz).date().isoformat() if received else "",
            "ArrivalNumber": document.register_number or 0,
            "ToPlaces": _cut("ToPlaces", "; ".join(dict.fromkeys(names))), "TraceHeaderList": trace}


def _place(assignment: Assignment) -> str:
    if assignment.department is not None:
        return assignment.department.name
    return assignment.assignee.full_name if assignment.assignee is not None else ""


def file_documents_metadata(session: Session, record: RecordFile, *, ward: Ward) -> list[dict[str, Any]]:
    """Every document of a file, in the file's order, with its R57 metadata. Reads only."""
    rows = file_rows(session, actor=None, record=record, tz=ward.tz, organisation=ward.name)
    return [document_metadata(session, r.entry.document, ward=ward, record=record, ordinal=r.ordinal) for r in rows]


__all__ = ["Ward", "document_metadata", "file_code", "file_documents_metadata", "record_metadata"]

"""A new document from an uploaded PDF: the metadata's checks, the PDF's check in a limited child process,
and the document with its first version."""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from docflow import doctypes, policy, textsearch
from docflow.config import Settings, UploadSettings
from docflow.errors import N_, PermissionDeniedError, ValidationError
from docflow.models import (
    Confidentiality,
    Department,
    Document,
    DocumentGrant,
    DocumentKind,
    DocumentStatus,
    DocumentVersion,
    GrantReason,
    Urgency,
    User,
    VersionSource,
    utc_now,
)
from docflow.pdfcheck import ParseLimits, PdfInfo, check_pdf
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.textindex import index_version
from docflow.storage import DocumentStore

INITIAL_STATUS = {
    DocumentKind.INCOMING: DocumentStatus.REGISTERED,
    DocumentKind.OUTGOING: DocumentStatus.DRAFT,
    DocumentKind.INTERNAL: DocumentStatus.IN_PROGRESS,
}
MAX_FILENAME = 255


@dataclass(frozen=True)
class DocumentInput:
    kind: DocumentKind
    doc_type: str
    summary: str
    department_id: int | None
    number_symbol: str = ""
    document_date: date | None = None
    issuing_body: str = ""
    urgency: Urgency = Urgency.NORMAL
    confidentiality: Confidentiality = Confidentiality.NORMAL
    deadline: date | None = None


@dataclass(frozen=True)
class StoredPdf:
    """An uploaded PDF already checked and in the store."""
    sha256: str
    size: int
    info: PdfInfo


@dataclass(frozen=True)
class StoredSource:
    """The .docx / .odt a draft PDF was converted from, already in the store (docflow.services.drafting)."""
    sha256: str
    size: int
    filename: str
    media_type: str
    conversion_ms: int


@dataclass(frozen=True)
class UploadedFile:
    stream: IO[bytes]
    filename: str
    stored: StoredPdf | None = None  # set by receive_upload, before the transaction that records it
    source: StoredSource | None = None  # a draft converted from Word: the file the drafter wrote


def validate_input(session: Session, actor: User, data: DocumentInput, *, today: date) -> None:
    """Raise ValidationError naming the first field the user must fix."""
    if doctypes.get_type(data.doc_type) is None:
        raise ValidationError(N_("Choose a document type."), field="doc_type")
    if not data.summary.strip():
        raise ValidationError(N_("The subject summary (trích yếu) is required."), field="summary")
    if len(data.summary) > 2000:
        raise ValidationError(N_("The subject summary is too long (at most 2000 characters)."), field="summary")
    if len(data.number_symbol) > 100:
        raise ValidationError(N_("The number and symbol are too long (at most 100 characters)."),
                              field="number_symbol")
    if len(data.issuing_body) > 300:
        raise ValidationError(N_("The issuing body is too long (at most 300 characters)."), field="issuing_body")
    if data.kind is DocumentKind.INCOMING and not data.issuing_body.strip():
        raise ValidationError(N_("An incoming document needs its issuing body."), field="issuing_body")
    if data.document_date is not None and data.document_date > today + timedelta(days=1):
        raise ValidationError(N_("The document date cannot be in the future."), field="document_date")
    if data.deadline is not None and data.document_date is not None and data.deadline < data.document_date:
        raise ValidationError(N_("The deadline cannot be before the document date."), field="deadline")
    if data.department_id is not None:
        dept = session.get(Department, data.department_id)
        if dept is None or dept.organisation_id != actor.organisation_id or not dept.is_active:
            raise ValidationError(N_("Choose an active department."), field="department_id")
    elif actor.department_id is None:
        raise ValidationError(N_("Choose the department the document belongs to."), field="department_id")


def parse_limits(uploads: UploadSettings) -> ParseLimits:
    """The configured limits of one upload's check ([uploads] in the configuration)."""
    return ParseLimits(cpu_seconds=uploads.parse_cpu_seconds, memory_mb=uploads.parse_memory_mb,
                       max_pages=uploads.max_pages, concurrency=uploads.parse_concurrency)


def receive_upload(store: DocumentStore, upload: UploadedFile, *, settings: Settings) -> UploadedFile:
    """Check an uploaded PDF in a limited child process and store it, before the transaction that records
    it begins: the parse then holds no database lock (on SQLite, the whole database's write lock).

    Raises ValidationError (too large, not a PDF, damaged, encrypted, too many pages, too complex). When
    the action is then refused, the blob stays unreferenced, like any blob of a rolled-back transaction.
    """
    stored = _put_checked(store, upload.stream, max_bytes=settings.max_upload_bytes,
                          limits=parse_limits(settings.uploads))
    return dataclasses.replace(upload, stored=stored)


def _put_checked(store: DocumentStore, stream: IO[bytes], *, max_bytes: int, limits: ParseLimits) -> StoredPdf:
    info: list[PdfInfo] = []
    sha256, size, _ = store.put_stream(stream, max_bytes=max_bytes,
                                       check=lambda path: info.append(check_pdf(path, limits, read_text=True)))
    return StoredPdf(sha256=sha256, size=size, info=info[0])


def store_pdf(store: DocumentStore, upload: UploadedFile, max_bytes: int) -> StoredPdf:
    """The upload's checked blob: the one receive_upload stored, or stored and checked now."""
    if upload.stored is not None:
        if upload.stored.size > max_bytes:
            raise ValidationError(N_("The file is larger than the limit of %(limit)s MB."),
                                  limit=max_bytes // (1024 * 1024))
        return upload.stored
    # Files the web did not receive first (the demo ward, scripts) are checked here, under default limits.
    return _put_checked(store, upload.stream, max_bytes=max_bytes, limits=ParseLimits())


def active_content_detail(stored: StoredPdf) -> dict[str, object]:
    return {"active_content": list(stored.info.active_content)} if stored.info.active_content else {}


def clean_filename(name: str) -> str:
    """The base name without control or format characters (they would break HTTP headers)."""
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    name = Path(name.replace("\\", "/")).name.strip() or "document.pdf"
    return name[-MAX_FILENAME:]


def refresh_search_text(document: Document) -> None:
    document.search_text = textsearch.document_search_text(document.summary, document.number_symbol,
                                                           document.issuing_body)


NUMBER_ONLY_BY_ISSUING = N_("The number and symbol of an outgoing document are never typed: issuing assigns them "
                            "from the register.")
INCOMING_ONLY_BY_REGISTRATION = N_(
    "An incoming document is registered by the clerk (văn thư), who gives it its incoming number (số đến): "
    "send the document to the clerk, or, as the clerk, use Incoming → Register.")


def upload_document(session: Session, *, actor: User, data: DocumentInput, upload: UploadedFile,
                    store: DocumentStore, max_bytes: int, now: datetime | None = None) -> Document:
    """Create an outgoing or internal document with its first version from an uploaded PDF.

    An incoming document is never made here: only the clerk's registration (incoming.register_incoming)
    makes one, with its số đến (Decree 30, Art. 22.1: an incoming document not registered by the văn thư
    creates no duty to handle it). Raises PermissionDeniedError (also for kind incoming) or ValidationError
    (metadata, not a PDF, encrypted, too large). The blob is stored before the flush; a rolled-back
    transaction leaves at most an orphan blob. Flushes.
    """
    if data.kind is DocumentKind.INCOMING:
        raise PermissionDeniedError(INCOMING_ONLY_BY_REGISTRATION)
    if data.kind is DocumentKind.OUTGOING and data.number_symbol.strip():
        raise ValidationError(NUMBER_ONLY_BY_ISSUING, field="number_symbol")   # R12
    return create_document(session, actor=actor, data=data, upload=upload, store=store, max_bytes=max_bytes,
                           now=now)


def create_document(session: Session, *, actor: User, data: DocumentInput, upload: UploadedFile,
                    store: DocumentStore, max_bytes: int, now: datetime | None = None) -> Document:
    """The document and its first version, of any kind: the step registration (which then gives the incoming
    number) and upload_document share. Views call upload_document or incoming.register_incoming instead.

    Raises PermissionDeniedError or ValidationError. Flushes.
    """
    now = now or utc_now()
    if not policy.can_upload(actor):
        raise PermissionDeniedError(N_("Your role cannot upload documents."))
    validate_input(session, actor, data, today=now.date())
    stored = store_pdf(store, upload, max_bytes)
    document = _new_document(actor, data, now)
    session.add(document)
    session.flush()
    version = DocumentVersion(document=document, number=1, sha256=stored.sha256, size=stored.size,
                              page_count=stored.info.page_count,
                              active_content=",".join(stored.info.active_content),
                              original_filename=clean_filename(upload.filename), created_at=now,
                              created_by_id=actor.id)
    session.add(version)
    add_source(session, version, upload, organisation_id=actor.organisation_id, now=now)
    session.flush()
    index_version(session, version=version, texts=stored.info.page_texts, now=now)
    if document.is_confidential:
        # The uploader keeps access to what they registered; everyone else needs a leader or a grant.
        session.add(DocumentGrant(document_id=document.id, user_id=actor.id, reason=GrantReason.CONFIDENTIAL_ACCESS,
                                  granted_by_id=actor.id, granted_at=now))
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_UPLOADED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={**_upload_details(document, version, stored),
                          **source_detail(upload, document.is_confidential)})
    return document


def add_source(session: Session, version: DocumentVersion, upload: UploadedFile, *, organisation_id: int,
               now: datetime) -> None:
    """Keep the Word source of a converted upload beside its version (nothing for a PDF upload)."""
    source = upload.source
    if source is None:
        return
    session.add(VersionSource(organisation_id=organisation_id, version=version, sha256=source.sha256,
                              size=source.size, original_filename=clean_filename(source.filename),
                              media_type=source.media_type, conversion_ms=source.conversion_ms, created_at=now))


def source_detail(upload: UploadedFile, confidential: bool) -> dict[str, object]:
    """The audit's record of a Word source (its name only when the document is not confidential)."""
    if upload.source is None:
        return {}
    detail: dict[str, object] = {"source_sha256": upload.source.sha256, "source_media_type": upload.source.media_type}
    if not confidential:
        detail["source_filename"] = clean_filename(upload.source.filename)
    return detail


def _new_document(actor: User, data: DocumentInput, now: datetime) -> Document:
    document = Document(
        organisation_id=actor.organisation_id, department_id=data.department_id or actor.department_id,
        kind=data.kind, doc_type=data.doc_type, summary=data.summary.strip(),
        number_symbol=data.number_symbol.strip() or None, document_date=data.document_date,
        issuing_body=data.issuing_body.strip(), urgency=data.urgency, confidentiality=data.confidentiality,
        status=INITIAL_STATUS[data.kind], deadline=data.deadline, created_by_id=actor.id,
        created_at=now, updated_at=now)
    refresh_search_text(document)
    return document


def _upload_details(document: Document, version: DocumentVersion, stored: StoredPdf) -> dict[str, object]:
    details: dict[str, object] = {"sha256": stored.sha256, "size": stored.size, "pages": stored.info.page_count,
                                  "kind": document.kind.value,
                                  "doc_type": document.doc_type, "confidentiality": document.confidentiality.value}
    details.update(active_content_detail(stored))
    if not document.is_confidential:
        # A confidential document's filename can reveal its content; the audit log is read by people
        # who are not cleared for the document, so only the digest identifies it there.
        details["filename"] = version.original_filename
    return details

"""Documents: upload with metadata, new versions, metadata edits, opening a version, and lists."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, BinaryIO

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session, selectinload

from docflow import doctypes, textsearch
from docflow.errors import (
    N_,
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from docflow.models import (
    Confidentiality,
    Department,
    Document,
    DocumentGrant,
    DocumentKind,
    DocumentStatus,
    DocumentVersion,
    GrantReason,
    Role,
    Urgency,
    User,
    utc_now,
)
from docflow.config import Settings, UploadSettings
from docflow.pdfcheck import ParseLimits, PdfInfo, check_pdf
from docflow.services import access, audit, notifications
from docflow.services.audit import AuditAction
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
class UploadedFile:
    stream: IO[bytes]
    filename: str
    stored: StoredPdf | None = None  # set by receive_upload, before the transaction that records it


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
                                       check=lambda path: info.append(check_pdf(path, limits)))
    return StoredPdf(sha256=sha256, size=size, info=info[0])


def _store_pdf(store: DocumentStore, upload: UploadedFile, max_bytes: int) -> StoredPdf:
    if upload.stored is not None:
        if upload.stored.size > max_bytes:
            raise ValidationError(N_("The file is larger than the limit of %(limit)s MB."),
                                  limit=max_bytes // (1024 * 1024))
        return upload.stored
    # Files the web did not receive first (the demo ward, scripts) are checked here, under default limits.
    return _put_checked(store, upload.stream, max_bytes=max_bytes, limits=ParseLimits())


def _active_content_detail(stored: StoredPdf) -> dict[str, object]:
    return {"active_content": list(stored.info.active_content)} if stored.info.active_content else {}


def _clean_filename(name: str) -> str:
    """The base name without control or format characters (they would break HTTP headers)."""
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    name = Path(name.replace("\\", "/")).name.strip() or "document.pdf"
    return name[-MAX_FILENAME:]


def _refresh_search_text(document: Document) -> None:
    document.search_text = textsearch.document_search_text(document.summary, document.number_symbol,
                                                           document.issuing_body)


def upload_document(session: Session, *, actor: User, data: DocumentInput, upload: UploadedFile,
                    store: DocumentStore, max_bytes: int, now: datetime | None = None) -> Document:
    """Create a document with its first version from an uploaded PDF.

    Raises PermissionDeniedError or ValidationError (metadata, not a PDF, encrypted, too large).
    The blob is stored before the flush; a rolled-back transaction leaves at most an orphan blob.
    Flushes.
    """
    now = now or utc_now()
    if not access.can_upload(actor):
        raise PermissionDeniedError(N_("Your role cannot upload documents."))
    validate_input(session, actor, data, today=now.date())
    stored = _store_pdf(store, upload, max_bytes)
    document = Document(
        organisation_id=actor.organisation_id, department_id=data.department_id or actor.department_id,
        kind=data.kind, doc_type=data.doc_type, summary=data.summary.strip(),
        number_symbol=data.number_symbol.strip() or None, document_date=data.document_date,
        issuing_body=data.issuing_body.strip(), urgency=data.urgency, confidentiality=data.confidentiality,
        status=INITIAL_STATUS[data.kind], deadline=data.deadline, created_by_id=actor.id,
        created_at=now, updated_at=now)
    _refresh_search_text(document)
    session.add(document)
    session.flush()
    version = DocumentVersion(document=document, number=1, sha256=stored.sha256, size=stored.size,
                              page_count=stored.info.page_count,
                              active_content=",".join(stored.info.active_content),
                              original_filename=_clean_filename(upload.filename), created_at=now,
                              created_by_id=actor.id)
    session.add(version)
    if document.is_confidential:
        # The uploader keeps access to what they registered; everyone else needs a leader or a grant.
        session.add(DocumentGrant(document_id=document.id, user_id=actor.id, reason=GrantReason.CONFIDENTIAL_ACCESS,
                                  granted_by_id=actor.id, granted_at=now))
    session.flush()
    details: dict[str, object] = {"sha256": stored.sha256, "size": stored.size, "pages": stored.info.page_count,
                                  "kind": document.kind.value,
                                  "doc_type": document.doc_type, "confidentiality": document.confidentiality.value}
    details.update(_active_content_detail(stored))
    if not document.is_confidential:
        # A confidential document's filename can reveal its content; the audit log is read by people
        # who are not cleared for the document, so only the digest identifies it there.
        details["filename"] = version.original_filename
    audit.record(session, action=AuditAction.DOCUMENT_UPLOADED, actor=actor, object_type="document",
                 object_id=document.id, now=now, details=details)
    return document


def get_document(session: Session, document_id: int, *, lock: bool = False) -> Document:
    """The document or NotFoundError. ``lock`` takes a row lock (SELECT … FOR UPDATE) and reloads it,
    so concurrent changes to one document queue up instead of overwriting each other."""
    document = session.get(Document, document_id, with_for_update=lock or None, populate_existing=lock,
                           options=[selectinload(Document.versions).selectinload(DocumentVersion.created_by),
                                    selectinload(Document.created_by), selectinload(Document.department)])
    if document is None:
        raise NotFoundError(N_("Document not found."))
    return document


def get_document_for(session: Session, *, actor: User, document_id: int, lock: bool = False) -> Document:
    """The document if ``actor`` may see it. Raises NotFoundError or PermissionDeniedError."""
    document = get_document(session, document_id, lock=lock)
    if not access.can_view(actor, document):
        raise PermissionDeniedError(N_("You do not have access to this document."))
    return document


def add_version(session: Session, *, actor: User, document_id: int, upload: UploadedFile,
                store: DocumentStore, max_bytes: int, note: str = "", expected_row_version: int | None = None,
                now: datetime | None = None, via_route: bool = False) -> DocumentVersion:
    """Append a new version whose parent is the current one. An outgoing document past its draft changes
    only through its route (``via_route``: docflow.services.outgoing.add_draft_version, which starts the
    route again). Raises PermissionDeniedError, InvalidTransitionError, ConflictError (someone else changed
    the document), ValidationError. Flushes."""
    now = now or utc_now()
    document = get_document_for(session, actor=actor, document_id=document_id, lock=True)
    _check_can_add_version(actor, document, via_route=via_route)
    _check_row_version(document, expected_row_version)
    if len(note) > 500:
        raise ValidationError(N_("The note is too long (at most 500 characters)."), field="note")
    stored = _store_pdf(store, upload, max_bytes)
    parent = document.current_version
    version = DocumentVersion(document=document, number=(parent.number + 1) if parent else 1,
                              parent_id=parent.id if parent else None, sha256=stored.sha256, size=stored.size,
                              page_count=stored.info.page_count, active_content=",".join(stored.info.active_content),
                              original_filename=_clean_filename(upload.filename),
                              note=note.strip(), created_at=now, created_by_id=actor.id)
    session.add(version)
    document.updated_at = now
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_VERSION_ADDED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"version": version.number, "sha256": stored.sha256, "size": stored.size,
                          "parent_sha256": parent.sha256 if parent else None,
                          **_active_content_detail(stored)})
    return version


def check_can_add_version(session: Session, *, actor: User, document_id: int, via_route: bool = False) -> None:
    """add_version's own refusals, read-only: the web asks before it receives the file, so that no one
    stores files through a document they may not change. Raises NotFoundError, PermissionDeniedError,
    InvalidTransitionError."""
    _check_can_add_version(actor, get_document_for(session, actor=actor, document_id=document_id),
                           via_route=via_route)


def _check_can_add_version(actor: User, document: Document, *, via_route: bool) -> None:
    if not access.can_edit(actor, document):
        raise PermissionDeniedError(N_("You may not change this document."))
    _refuse_if_final(document)
    if document.kind is DocumentKind.OUTGOING and document.status is not DocumentStatus.DRAFT and not via_route:
        # Reviewers and the signer approved the content they saw: a new one goes back through them.
        raise InvalidTransitionError(N_("This outgoing document is on its route: add a new version from its "
                                        "outgoing page, where review and signature start again."))


FINAL_STATUSES = (DocumentStatus.ISSUED, DocumentStatus.RECALLED, DocumentStatus.REPLACED)


def _refuse_if_final(document: Document) -> None:
    # An issued document is what its recipients hold and what the register records: it is replaced or
    # corrected by a new document, never changed (Decree 30, Art. 17).
    if document.status in FINAL_STATUSES:
        raise InvalidTransitionError(N_("An issued, recalled or replaced document cannot be changed; "
                                        "issue a replacement or a correction instead."))


def _check_row_version(document: Document, expected: int | None) -> None:
    if expected is not None and expected != document.row_version:
        raise ConflictError(N_("Someone else changed this document after you opened it. "
                               "Reload the page to see their change, then try again."))


EDITABLE_FIELDS = ("doc_type", "summary", "number_symbol", "document_date", "issuing_body", "urgency",
                   "confidentiality", "deadline", "department_id")


def edit_metadata(session: Session, *, actor: User, document_id: int, data: DocumentInput,
                  expected_row_version: int, now: datetime | None = None) -> Document:
    """Change a document's metadata; the audit event holds each field's before and after. Raising the
    confidentiality takes effect at once; lowering it is only proposed (a leader's, confirmed by another
    leader: ``apply_lowering``), and the document keeps its level until then.
    Raises PermissionDeniedError, InvalidTransitionError (issued), ConflictError, ValidationError. Flushes."""
    now = now or utc_now()
    document = get_document_for(session, actor=actor, document_id=document_id, lock=True)
    if not access.can_edit(actor, document):
        raise PermissionDeniedError(N_("You may not change this document."))
    _refuse_if_final(document)
    _check_row_version(document, expected_row_version)
    data = dataclasses.replace(data, kind=document.kind)
    validate_input(session, actor, data, today=now.date())
    if data.confidentiality.rank < document.confidentiality.rank:
        _propose_lowering(session, actor=actor, document=document, to=data.confidentiality, now=now)
        data = dataclasses.replace(data, confidentiality=document.confidentiality)
    new_values = {"doc_type": data.doc_type, "summary": data.summary.strip(),
                  "number_symbol": data.number_symbol.strip() or None, "document_date": data.document_date,
                  "issuing_body": data.issuing_body.strip(), "urgency": data.urgency,
                  "confidentiality": data.confidentiality, "deadline": data.deadline,
                  "department_id": data.department_id or document.department_id}
    was_confidential = document.is_confidential
    changes: dict[str, dict[str, object]] = {}
    for name in EDITABLE_FIELDS:
        old, new = getattr(document, name), new_values[name]
        if old != new:
            changes[name] = {"from": _plain(old), "to": _plain(new)}
            setattr(document, name, new)
    if not changes:
        return document
    if was_confidential or document.is_confidential:
        changes = {name: _redacted(change) if name in REDACTED_FIELDS else change
                   for name, change in changes.items()}
    _refresh_search_text(document)
    if document.is_confidential and "confidentiality" in changes:
        ensure_grant(session, document, actor, GrantReason.CONFIDENTIAL_ACCESS, now)
    document.updated_at = now
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_METADATA_EDITED, actor=actor, object_type="document",
                 object_id=document.id, details={"changes": changes}, now=now)
    return document


def _propose_lowering(session: Session, *, actor: User, document: Document, to: Confidentiality,
                      now: datetime) -> None:
    # Lowering opens the document to people who were not cleared for it: a change of access rights that
    # only a leader makes and that waits for another leader (docflow.services.access_changes).
    if actor.role is not Role.LEADER:
        raise PermissionDeniedError(N_("Only a leader may lower a document's confidentiality."))
    audit.record(session, action=AuditAction.CONFIDENTIALITY_LOWERING_PROPOSED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"from": document.confidentiality.value, "to": to.value})
    notifications.notify(session, users=other_leaders(session, actor), document=document, now=now,
                         message=N_("A lowering of a document's confidentiality awaits your confirmation."))


def other_leaders(session: Session, actor: User) -> list[User]:
    """The ward's active leaders but ``actor``: those who confirm what ``actor`` proposes."""
    return list(session.execute(select(User).where(
        User.organisation_id == actor.organisation_id, User.role == Role.LEADER, User.is_active.is_(True),
        User.id != actor.id).order_by(User.id)).scalars())


def apply_lowering(session: Session, *, actor: User, document_id: int, before: Confidentiality,
                   after: Confidentiality, proposal_seq: int, now: datetime | None = None) -> Document:
    """Make a confirmed lowering of confidentiality take effect. Raises InvalidTransitionError when the
    document's level changed since it was proposed. Flushes."""
    now = now or utc_now()
    document = get_document(session, document_id, lock=True)
    if document.confidentiality is not before:
        raise InvalidTransitionError(N_("The document's confidentiality changed after this lowering was "
                                        "proposed; propose it again."))
    document.confidentiality = after
    document.updated_at = now
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_METADATA_EDITED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"changes": {"confidentiality": {"from": before.value, "to": after.value}},
                          "confirms": proposal_seq})
    return document


# Free-text fields of a confidential document reach the audit log only as digests: auditors and
# admins read the log but are not cleared for the document (they can still check a value's digest).
REDACTED_FIELDS = frozenset({"summary", "number_symbol", "issuing_body"})


def _redacted(change: dict[str, object]) -> dict[str, object]:
    return {f"{side}_sha256": hashlib.sha256(str(value).encode()).hexdigest() if value is not None else None
            for side, value in change.items()}


def _plain(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return getattr(value, "value", value)


def ensure_grant(session: Session, document: Document, user: User, reason: GrantReason, now: datetime,
                 by: User | None = None, confirms: int | None = None) -> None:
    """Give ``user`` access to ``document`` for ``reason`` unless a grant for it exists already; ``by``: who
    gives it (the user themself when None); ``confirms``: the proposal (audit seq) a leader confirmed, which
    this grant carries out. Flushes."""
    exists = session.execute(select(DocumentGrant.id).where(
        DocumentGrant.document_id == document.id, DocumentGrant.user_id == user.id,
        DocumentGrant.reason == reason)).first()
    if not exists:
        granter = by or user
        session.add(DocumentGrant(document_id=document.id, user_id=user.id, reason=reason,
                                  granted_by_id=granter.id, granted_at=now))
        if reason is GrantReason.CONFIDENTIAL_ACCESS:
            # A clearance for a confidential document is a change of access rights: audited, and
            # flagged until a leader confirms it (docflow.services.access_changes).
            details: dict[str, object] = {"user_id": user.id, "username": user.username, "reason": reason.value}
            if confirms is not None:
                details["confirms"] = confirms
            audit.record(session, action=AuditAction.DOCUMENT_ACCESS_GRANTED, actor=granter, object_type="document",
                         object_id=document.id, now=now, details=details)


def open_version(session: Session, *, actor: User, document_id: int, version_number: int | None,
                 store: DocumentStore, purpose: str, now: datetime | None = None) -> tuple[DocumentVersion, BinaryIO]:
    """Open a version's PDF for viewing or download. A confidential document's view or download is
    audited. Raises NotFoundError, PermissionDeniedError, BlobMissingError. Flushes when it audits."""
    document = get_document_for(session, actor=actor, document_id=document_id)
    version = version_of(document, version_number)
    stream = store.open(version.sha256)
    if document.is_confidential:
        action = AuditAction.DOCUMENT_DOWNLOADED if purpose == "download" else AuditAction.DOCUMENT_VIEWED
        audit.record(session, action=action, actor=actor, object_type="document", object_id=document.id,
                     details={"version": version.number, "sha256": version.sha256}, now=now)
    return version, stream


def version_of(document: Document, number: int | None) -> DocumentVersion:
    """The numbered version, or the current one for None. Raises NotFoundError."""
    if number is None:
        if document.current_version is None:
            raise NotFoundError(N_("This document has no file."))
        return document.current_version
    for version in document.versions:
        if version.number == number:
            return version
    raise NotFoundError(N_("Version %(n)s of this document does not exist."), n=number)


SORTS = {
    "created": Document.created_at,
    "date": Document.document_date,
    "number": Document.number_symbol,
    "deadline": Document.deadline,
}


@dataclass(frozen=True)
class DocumentFilters:
    kind: DocumentKind | None = None
    doc_type: str | None = None
    status: DocumentStatus | None = None
    department_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = "created"
    descending: bool = True


COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class Page:
    items: list[Document]
    total: int            # at most COUNT_LIMIT; ``more`` says there are more
    page: int
    page_size: int
    filters: DocumentFilters = field(default_factory=DocumentFilters)
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def _conditions(session: Session, actor: User, filters: DocumentFilters) -> list[ColumnElement[bool]]:
    where = [access.visible_filter(actor)]
    if filters.kind is not None:
        where.append(Document.kind == filters.kind)
    if filters.doc_type:
        where.append(Document.doc_type == filters.doc_type)
    if filters.status is not None:
        where.append(Document.status == filters.status)
    if filters.department_id is not None:
        where.append(Document.department_id == filters.department_id)
    if filters.date_from is not None:
        where.append(Document.document_date >= filters.date_from)
    if filters.date_to is not None:
        where.append(Document.document_date <= filters.date_to)
    folded = textsearch.fold(filters.q[:100])
    if folded:
        where.append(_text_match(session, folded))
    return where


def _text_match(session: Session, folded: str) -> ColumnElement[bool]:
    """Documents whose folded text contains ``folded``, answered from the trigram index (migration 0003)."""
    if session.get_bind().dialect.name == "sqlite":
        if len(folded) >= 3:
            # A quoted FTS5 phrase on the trigram tokenizer is a substring match, and unlike LIKE it
            # uses the index's trigram lists directly (about 3x faster on 100,000 documents).
            fts = text("SELECT rowid FROM documents_fts WHERE documents_fts MATCH :phrase")
            return Document.id.in_(fts.bindparams(phrase='"' + folded.replace('"', '""') + '"'))
        # Shorter than one trigram: FTS5 cannot MATCH it, LIKE scans the table instead.
        fts = text("SELECT rowid FROM documents_fts WHERE search_text LIKE :pattern ESCAPE '\\'")
        return Document.id.in_(fts.bindparams(pattern=f"%{_escape_like(folded)}%"))
    # PostgreSQL answers LIKE '%…%' from pg_trgm's GIN index on the column itself.
    return Document.search_text.like(f"%{_escape_like(folded)}%", escape="\\")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_documents(session: Session, *, actor: User, filters: DocumentFilters, page: int,
                   page_size: int) -> Page:
    """One bounded page of the documents ``actor`` may see, filtered and sorted, with the total."""
    page_size = max(1, min(page_size, 100))
    where = _conditions(session, actor, filters)
    # Counting stops at COUNT_LIMIT: "more than 10,000" is as useful to a clerk as the exact figure,
    # and counting a hundred thousand rows on every page view is what made lists slow.
    counted = select(Document.id).where(*where).limit(COUNT_LIMIT + 1).subquery()
    total = session.execute(select(func.count()).select_from(counted)).scalar_one()
    pages = max(1, math.ceil(min(total, COUNT_LIMIT) / page_size))
    page = max(1, min(page, pages))
    column = SORTS.get(filters.sort, Document.created_at)
    stmt = (select(Document).where(*where).options(selectinload(Document.department))
            .order_by(column.desc() if filters.descending else column.asc(),
                      Document.id.desc() if filters.descending else Document.id.asc())
            .limit(page_size).offset((page - 1) * page_size))
    items = list(session.execute(stmt).scalars())
    return Page(items=items, total=min(total, COUNT_LIMIT), page=page, page_size=page_size, filters=filters,
                more=total > COUNT_LIMIT)

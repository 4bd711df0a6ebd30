"""Keeping a file (hồ sơ, Decree 30, Art. 29; R46, R48): open it from the plan, add documents (incoming,
outgoing, internal: any the keeper may view, of the ward), one home file per document and references from
others, remove a document while open, close it when the work ends (read-only afterwards) and, for a leader
only, reopen it on the record.

Every change takes the file's row lock first (then the audit chain's, in audit.record), so a document added
while someone closes the file either lands before the closing or is refused after it, never in a closed file.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.errors import N_, ConflictError, InvalidTransitionError, NotFoundError, PermissionDeniedError
from docflow.models import Document, FileDocument, FileStatus, RecordFile, User, utc_now
from docflow.services.audit import AuditAction
from docflow.services.records.common import clean_text, get_file, record_file_event, require_keeper, require_open


def document_day(document: Document, tz: tzinfo) -> date:
    """The document's date for a file's chronological order: its own date, else the day it was issued,
    received or made, on the ward's clock."""
    if document.document_date is not None:
        return document.document_date
    moment = document.issued_at or document.received_at or document.created_at
    return moment.astimezone(tz).date()


def open_file(session: Session, *, actor: User, file_id: int, now: datetime | None = None) -> RecordFile:
    """Open a planned file (R46: the handler opens it). Raises NotFoundError, PermissionDeniedError,
    InvalidTransitionError. Flushes."""
    now = now or utc_now()
    record = get_file(session, actor=actor, file_id=file_id, lock=True)
    require_keeper(actor, record)
    if record.status is not FileStatus.PLANNED:
        raise InvalidTransitionError(N_("The file %(code)s is open or closed already."), code=record.code)
    record.status, record.opened_at, record.opened_by_id = FileStatus.OPEN, now, actor.id
    session.flush()
    record_file_event(session, action=AuditAction.FILE_OPENED, actor=actor, record=record, now=now)
    return record


def _viewable(session: Session, actor: User, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None or document.organisation_id != actor.organisation_id:
        raise NotFoundError(N_("Document not found."))
    if not policy.can_view(actor, document):
        raise PermissionDeniedError(N_("You do not have access to this document."))
    return document


def home_of(session: Session, document_id: int, *, fresh: bool = False) -> FileDocument | None:
    """The document's home file entry, if it has one (``fresh``: as the database has it now, not as the
    session remembers it)."""
    query = select(FileDocument).where(FileDocument.document_id == document_id, FileDocument.is_home.is_(True))
    return session.execute(query.execution_options(populate_existing=fresh)).scalar_one_or_none()


def add_document(session: Session, *, actor: User, file_id: int, document_id: int, home: bool | None = None,
                 now: datetime | None = None) -> FileDocument:
    """Add a document the actor may view to an open file, as its home file (``home`` True, or None when it has
    no home yet) or as a reference. The file lists the document; its current version is the signed one once
    issued. Raises NotFoundError, PermissionDeniedError, InvalidTransitionError, ConflictError. Flushes."""
    now = now or utc_now()
    record = get_file(session, actor=actor, file_id=file_id, lock=True)
    require_keeper(actor, record)
    require_open(record)
    document = _viewable(session, actor, document_id)
    if session.execute(select(FileDocument.id).where(FileDocument.file_id == record.id,
                                                     FileDocument.document_id == document.id)).first():
        raise ConflictError(N_("This document is in the file %(code)s already."), code=record.code)
    current_home = home_of(session, document.id)
    if home and current_home is not None:
        raise ConflictError(N_("This document already has its home in the file %(code)s; add it here as a "
                               "reference, or move its home."), code=current_home.file.code)
    last = session.execute(select(func.max(FileDocument.ordinal)).where(FileDocument.file_id == record.id)).scalar()
    entry = FileDocument(organisation_id=record.organisation_id, file_id=record.id, document_id=document.id,
                         is_home=current_home is None if home is None else home, ordinal=(last or 0) + 1,
                         added_by_id=actor.id, added_at=now)
    session.add(entry)
    session.flush()
    record_file_event(session, action=AuditAction.FILE_DOCUMENT_ADDED, actor=actor, record=record, now=now,
                      document_id=document.id, number_symbol=document.number_symbol, home=entry.is_home)
    return entry


def remove_document(session: Session, *, actor: User, file_id: int, document_id: int,
                    now: datetime | None = None) -> None:
    """Take a document out of an open file (the document itself stays; only the link goes, on the record).
    Raises NotFoundError, PermissionDeniedError, InvalidTransitionError. Flushes."""
    now = now or utc_now()
    record = get_file(session, actor=actor, file_id=file_id, lock=True)
    require_keeper(actor, record)
    require_open(record)
    entry = _entry(session, record, document_id)
    was_home = entry.is_home
    session.execute(delete(FileDocument).where(FileDocument.id == entry.id))
    session.flush()
    record_file_event(session, action=AuditAction.FILE_DOCUMENT_REMOVED, actor=actor, record=record, now=now,
                      document_id=document_id, home=was_home)


def _entry(session: Session, record: RecordFile, document_id: int) -> FileDocument:
    entry = session.execute(select(FileDocument).where(FileDocument.file_id == record.id,
                                                       FileDocument.document_id == document_id)).scalar_one_or_none()
    if entry is None:
        raise NotFoundError(N_("This document is not in the file."))
    return entry


def make_home(session: Session, *, actor: User, file_id: int, document_id: int,
              now: datetime | None = None) -> FileDocument:
    """Make ``file_id`` the document's home file; its former home (which must be open too: a closed file does
    not change, and kept by the actor too: it loses the document) keeps it as a reference. Both files are
    locked in id order; a home moved meanwhile by someone else is a conflict. Raises NotFoundError,
    PermissionDeniedError, InvalidTransitionError, ConflictError. Flushes."""
    now = now or utc_now()
    current = home_of(session, document_id)
    ids = sorted({file_id, *([current.file_id] if current is not None else [])})
    locked = {i: get_file(session, actor=actor, file_id=i, lock=True) for i in ids}
    record = locked[file_id]
    require_keeper(actor, record)
    require_open(record)
    if home_of(session, document_id, fresh=True) != current:
        raise ConflictError(N_("Someone else changed this document's home file meanwhile; reload the page."))
    entry = _entry(session, record, document_id)
    if entry.is_home:
        return entry
    if current is not None:
        require_keeper(actor, locked[current.file_id])
        require_open(locked[current.file_id])
        current.is_home = False
        session.flush()   # the partial unique index sees one home at a time
    entry.is_home = True
    session.flush()
    record_file_event(session, action=AuditAction.FILE_HOME_CHANGED, actor=actor, record=record, now=now,
                      document_id=document_id, previous_file_id=current.file_id if current is not None else None)
    return entry


def _document_days(session: Session, record: RecordFile, tz: tzinfo) -> list[date]:
    documents = session.execute(select(Document).join(FileDocument, FileDocument.document_id == Document.id)
                                .where(FileDocument.file_id == record.id)).scalars()
    return [document_day(d, tz) for d in documents]


def close_file(session: Session, *, actor: User, file_id: int, tz: tzinfo,
               now: datetime | None = None) -> RecordFile:
    """Close an open file when the work ends: its start and end dates become those of its earliest and latest
    documents, and it is read-only afterwards. An empty file is not closed. Raises NotFoundError,
    PermissionDeniedError, InvalidTransitionError. Flushes."""
    now = now or utc_now()
    record = get_file(session, actor=actor, file_id=file_id, lock=True)
    require_keeper(actor, record)
    require_open(record)
    days = _document_days(session, record, tz)
    if not days:
        raise InvalidTransitionError(N_("The file %(code)s has no documents: add them before closing it."),
                                     code=record.code)
    record.status, record.closed_at, record.closed_by_id = FileStatus.CLOSED, now, actor.id
    record.start_date, record.end_date = min(days), max(days)
    session.flush()
    record_file_event(session, action=AuditAction.FILE_CLOSED, actor=actor, record=record, now=now,
                      documents=len(days), start_date=record.start_date, end_date=record.end_date)
    return record


def reopen_file(session: Session, *, actor: User, file_id: int, reason: str,
                now: datetime | None = None) -> RecordFile:
    """A leader reopens a closed file, with the reason on the record. Raises NotFoundError,
    PermissionDeniedError, ValidationError, InvalidTransitionError. Flushes."""
    now = now or utc_now()
    if not policy.may_reopen_file(actor):
        raise PermissionDeniedError(N_("Only the chairman or a vice-chairman reopens a closed file."))
    reason = clean_text(reason, field="reason", limit=500)
    record = get_file(session, actor=actor, file_id=file_id, lock=True)
    if record.status is not FileStatus.CLOSED:
        raise InvalidTransitionError(N_("Only a closed file is reopened."))
    closed_at = record.closed_at
    record.status, record.closed_at, record.closed_by_id = FileStatus.OPEN, None, None
    session.flush()
    record_file_event(session, action=AuditAction.FILE_REOPENED, actor=actor, record=record, now=now,
                      reason=reason, closed_at=closed_at)
    return record

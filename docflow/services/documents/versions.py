"""Versions of a document: appending one, the refusals that apply to a final document, and opening a
version's PDF."""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

from sqlalchemy.orm import Session

from docflow import policy
from docflow.errors import N_, ConflictError, InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import Document, DocumentKind, DocumentStatus, DocumentVersion, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.documents.lookup import get_document_for
from docflow.services.documents.uploads import (
    UploadedFile,
    active_content_detail,
    add_source,
    clean_filename,
    source_detail,
    store_pdf,
)
from docflow.services.textindex import index_version
from docflow.storage import DocumentStore

FINAL_STATUSES = (DocumentStatus.ISSUED, DocumentStatus.RECALLED, DocumentStatus.REPLACED)


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
    check_row_version(document, expected_row_version)
    if len(note) > 500:
        raise ValidationError(N_("The note is too long (at most 500 characters)."), field="note")
    stored = store_pdf(store, upload, max_bytes)
    parent = document.current_version
    version = DocumentVersion(document=document, number=(parent.number + 1) if parent else 1,
                              parent_id=parent.id if parent else None, sha256=stored.sha256, size=stored.size,
                              page_count=stored.info.page_count, active_content=",".join(stored.info.active_content),
                              original_filename=clean_filename(upload.filename),
                              note=note.strip(), created_at=now, created_by_id=actor.id)
    session.add(version)
    add_source(session, version, upload, organisation_id=document.organisation_id, now=now)
    document.updated_at = now
    session.flush()
    index_version(session, version=version, texts=stored.info.page_texts, now=now)
    audit.record(session, action=AuditAction.DOCUMENT_VERSION_ADDED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"version": version.number, "sha256": stored.sha256, "size": stored.size,
                          "parent_sha256": parent.sha256 if parent else None,
                          **active_content_detail(stored), **source_detail(upload, document.is_confidential)})
    return version


def check_can_add_version(session: Session, *, actor: User, document_id: int, via_route: bool = False) -> None:
    """add_version's own refusals, read-only: the web asks before it receives the file, so that no one
    stores files through a document they may not change. Raises NotFoundError, PermissionDeniedError,
    InvalidTransitionError."""
    _check_can_add_version(actor, get_document_for(session, actor=actor, document_id=document_id),
                           via_route=via_route)


def _check_can_add_version(actor: User, document: Document, *, via_route: bool) -> None:
    if not policy.can_edit(actor, document):
        raise PermissionDeniedError(N_("You may not change this document."))
    refuse_if_final(document)
    if document.kind is DocumentKind.OUTGOING and document.status is not DocumentStatus.DRAFT and not via_route:
        # Reviewers and the signer approved the content they saw: a new one goes back through them.
        raise InvalidTransitionError(N_("This outgoing document is on its route: add a new version from its "
                                        "outgoing page, where review and signature start again."))


def refuse_if_final(document: Document) -> None:
    """An issued document is what its recipients hold and what the register records: it is replaced or
    corrected by a new document, never changed (Decree 30, Art. 17). Raises InvalidTransitionError."""
    if document.status in FINAL_STATUSES:
        raise InvalidTransitionError(N_("An issued, recalled or replaced document cannot be changed; "
                                        "issue a replacement or a correction instead."))


def check_row_version(document: Document, expected: int | None) -> None:
    """Refuse a form made from an older state of the document (ConflictError)."""
    if expected is not None and expected != document.row_version:
        raise ConflictError(N_("Someone else changed this document after you opened it. "
                               "Reload the page to see their change, then try again."))


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

"""Drafting from Word: an uploaded .docx / .odt checked, converted to PDF/A-2b, given Decree 30's number,
date and signature fields, and stored with its source, all before the transaction that records the draft
(a conversion takes seconds, and must hold no database lock); then the source opened for whoever may see
the document."""

from __future__ import annotations

import dataclasses
import io
import time
from datetime import datetime
from pathlib import PurePath
from typing import IO, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.convert import MEDIA_TYPES, SourceLimits, convert_to_pdfa, inspect_source
from docflow.convert.office import MSG_TOO_LARGE
from docflow.errors import N_, NotFoundError, ValidationError
from docflow.models import Document, DocumentVersion, User, VersionSource
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.documents import StoredSource, UploadedFile
from docflow.services.documents import receive_upload as receive_pdf
from docflow.services.documents.lookup import get_document_for
from docflow.services.documents.versions import version_of
from docflow.services.outgoing.template import SIGNER_FIELD
from docflow.storage import DocumentStore

WORD_SUFFIXES = (".docx", ".odt", ".docm", ".dotx", ".dotm", ".doc", ".ott")
# A zip (docx, odt) or a compound file (an encrypted docx, an old .doc): the Word path answers for both.
_WORD_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def is_word_upload(upload: UploadedFile) -> bool:
    """Whether the upload is (or says it is) a word-processing file rather than a PDF: by its first bytes,
    or by its name when those say nothing (the Word path then refuses it with a clear message)."""
    head = upload.stream.read(8)
    upload.stream.seek(0)
    if head.startswith(b"%PDF"):
        return False
    return head.startswith(_WORD_MAGIC) or upload.filename.lower().endswith(WORD_SUFFIXES)


def _read_limited(stream: IO[bytes], max_bytes: int) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(MSG_TOO_LARGE, field="file", limit=max_bytes // (1024 * 1024))
    return data


def receive_word_upload(store: DocumentStore, upload: UploadedFile, *, settings: Settings) -> UploadedFile:
    """Check and convert a .docx / .odt, add the number, date and signer's fields, check and store the
    PDF like any upload, and store the source: what create_draft / add_draft_version then record.

    Raises ValidationError (not a .docx/.odt, too large, macros, encrypted, failed, timed out, no blank
    number or date line, a typed signature block) or ConverterMissingError. Runs outside any transaction;
    a refused action leaves unreferenced blobs, like any rolled-back upload.
    """
    from docflow.convert.draft import prepare_draft  # pyHanko at first use (CLI start-up time)
    max_bytes = settings.convert.max_source_mb * 1024 * 1024
    data = _read_limited(upload.stream, max_bytes)
    kind = inspect_source(data, SourceLimits(max_bytes=max_bytes))
    started = time.monotonic()
    converted = convert_to_pdfa(data, kind, settings.convert)
    prepared, _ = prepare_draft(converted.pdf, signer_field=SIGNER_FIELD)
    name = PurePath(upload.filename.replace("\\", "/")).stem or "du-thao"
    received = receive_pdf(store, UploadedFile(io.BytesIO(prepared), f"{name}.pdf"), settings=settings)
    source = StoredSource(sha256=store.put_bytes(data), size=len(data), filename=upload.filename,
                          media_type=MEDIA_TYPES[kind], conversion_ms=round((time.monotonic() - started) * 1000))
    return dataclasses.replace(received, source=source)


def sources_of(session: Session, document: Document) -> dict[int, VersionSource]:
    """The Word sources of the document's versions, by version number."""
    rows = session.execute(select(VersionSource).join(DocumentVersion, VersionSource.version_id == DocumentVersion.id)
                           .where(DocumentVersion.document_id == document.id,
                                  VersionSource.organisation_id == document.organisation_id)).scalars()
    return {row.version.number: row for row in rows}


def open_source(session: Session, *, actor: User, document_id: int, version_number: int, store: DocumentStore,
                now: datetime | None = None) -> tuple[VersionSource, BinaryIO]:
    """The Word source of one version, for whoever may see the document; a confidential document's
    download is audited. Raises NotFoundError (no such document for the actor, version or source),
    BlobMissingError. Flushes when it audits."""
    document = get_document_for(session, actor=actor, document_id=document_id)
    version = version_of(document, version_number)
    source = session.execute(select(VersionSource).where(
        VersionSource.version_id == version.id,
        VersionSource.organisation_id == document.organisation_id)).scalar_one_or_none()
    if source is None:
        raise NotFoundError(N_("Version %(n)s of this document has no Word source."), n=version_number)
    stream = store.open(source.sha256)
    if document.is_confidential:
        audit.record(session, action=AuditAction.DOCUMENT_DOWNLOADED, actor=actor, object_type="document",
                     object_id=document.id, now=now,
                     details={"version": version.number, "source_sha256": source.sha256})
    return source, stream

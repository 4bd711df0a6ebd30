"""The public page's upload (issue 15 §2): are these bytes the version the ward issued under this code, or
a renewal of it (validation data and document timestamps appended, nothing else)? Answered with the check
the chain check and the verify page share (services/renewal/issued.py), never a second copy of it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from docflow.errors import UnreadablePdfError
from docflow.models import Document
from docflow.pdfcheck import check_pdf_bytes
from docflow.services.public.codes import find_code
from docflow.services.public.page import issued_document
from docflow.services.renewal.issued import match_bytes
from docflow.storage import DocumentStore


class UploadOutcome(enum.StrEnum):
    ISSUED = "issued"          # exactly the issued bytes
    RENEWAL = "renewal"        # the issued bytes, renewed for the long term
    ALTERED = "altered"        # this document's footer or issued bytes, but changed
    OTHER = "other"            # the ward's issued document, but another one
    UNKNOWN = "unknown"        # not a document the ward issued under this code


@dataclass(frozen=True)
class UploadAnswer:
    outcome: UploadOutcome
    renewal_times: tuple[datetime, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.outcome in (UploadOutcome.ISSUED, UploadOutcome.RENEWAL)


def check_upload(session: Session, *, store: DocumentStore, code: str, data: bytes) -> UploadAnswer:
    """Compare an uploaded file with the document issued under ``code``. Raises NotFoundError (no such
    document), ValidationError (not a PDF, damaged, hostile: pdfcheck's clear message). Reads only."""
    document, _ = issued_document(session, code)
    check_pdf_bytes(data)   # a hostile file is refused in a limited child process before anything reads it
    match = match_bytes(session, store=store, data=data, organisation_id=document.organisation_id)
    if match is not None and match.document_id == document.id:
        if not match.accepted:
            return UploadAnswer(UploadOutcome.ALTERED)
        if match.is_renewal:
            return UploadAnswer(UploadOutcome.RENEWAL, match.renewal_times)
        return UploadAnswer(UploadOutcome.ISSUED)
    if match is not None:
        return UploadAnswer(UploadOutcome.OTHER)
    return UploadAnswer(_by_footer(session, document, data))


def _by_footer(session: Session, document: Document, data: bytes) -> UploadOutcome:
    """Bytes that begin with no issued version: the footer they print tells a changed copy of this document
    from another document."""
    # pyHanko takes seconds to import: only an upload that matched nothing pays for it.
    from docflow.signing.footer import read_footers
    own = find_code(session, document)
    try:
        marks = read_footers(data)
    except UnreadablePdfError:
        return UploadOutcome.UNKNOWN
    if own is not None and any(mark.code == own.code for mark in marks):
        return UploadOutcome.ALTERED
    return UploadOutcome.OTHER if marks else UploadOutcome.UNKNOWN

"""Attachments and appendices kept as files of their own beside an outgoing (or internal) document (Decree
30, Annex I: R29, R30): the drafter adds and removes them while the document is a draft, before its first
signature; after that its content, attachments included, is frozen. Anyone who may see the document may
download them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.errors import N_, InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import Attachment, AttachmentKind, Document, DocumentKind, DocumentStatus, Signature, User, utc_now
from docflow.services import audit
from docflow.services import documents as doc_service
from docflow.services.audit import AuditAction
from docflow.services.documents import UploadedFile
from docflow.services.documents.uploads import clean_filename, store_pdf
from docflow.storage import DocumentStore

MAX_TITLE = 500
MAX_PER_DOCUMENT = 30
# Before anyone signs: an outgoing draft, an internal document being handled.
OPEN_STATUS = {DocumentKind.OUTGOING: DocumentStatus.DRAFT, DocumentKind.INTERNAL: DocumentStatus.IN_PROGRESS}
FROZEN = N_("Attachments can only change while the document is a draft, before anyone signs it.")
_ROMAN = (("M", 1000), ("CM", 900), ("D", 500), ("CD", 400), ("C", 100), ("XC", 90), ("L", 50), ("XL", 40),
          ("X", 10), ("IX", 9), ("V", 5), ("IV", 4), ("I", 1))


def roman(number: int) -> str:
    """``4`` -> ``IV`` (the numbering of appendices, Decree 30 Annex I)."""
    if number < 1:
        raise ValueError("Roman numerals start at 1")
    out = []
    for letters, value in _ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


@dataclass(frozen=True)
class Listed:
    """An attachment as a list shows it: its label (``Phụ lục II``, or ``Phụ lục`` when alone)."""
    attachment: Attachment
    label: str
    numeral: str


def list_attachments(session: Session, *, actor: User, document_id: int) -> list[Listed]:
    """The document's attachments, appendices first, each in its order, labelled: appendices take Roman
    numerals when there are two or more (R30). Raises NotFoundError, PermissionDeniedError. Reads only."""
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id)
    return labelled(attachments_of(session, document))


def attachments_of(session: Session, document: Document) -> list[Attachment]:
    """The document's attachments, appendices first, each kind in its order. Reads only."""
    rows = session.execute(select(Attachment).where(Attachment.document_id == document.id)
                           .order_by(Attachment.kind, Attachment.ordinal)).scalars()
    return list(rows)


def labelled(rows: list[Attachment]) -> list[Listed]:
    appendices = sum(1 for a in rows if a.kind is AttachmentKind.APPENDIX)
    out = []
    for row in rows:
        if row.kind is AttachmentKind.APPENDIX:
            numeral = roman(row.ordinal) if appendices >= 2 else ""
            out.append(Listed(row, f"Phụ lục {numeral}".strip(), numeral))
        else:
            out.append(Listed(row, f"Tài liệu kèm theo {row.ordinal}", str(row.ordinal)))
    return out


def can_change(session: Session, actor: User, document: Document) -> bool:
    """Whether ``actor`` may add or remove attachments of ``document`` now (for the page's forms). Reads only."""
    if document.kind not in OPEN_STATUS or document.status is not OPEN_STATUS[document.kind]:
        return False
    if document.created_by_id != actor.id or not policy.can_edit(actor, document):
        return False
    return not session.execute(select(func.count(Signature.id)).where(Signature.document_id == document.id)).scalar()


def _editable(session: Session, actor: User, document_id: int) -> Document:
    """The locked document, if ``actor`` drafted it and nobody has signed it yet. Raises NotFoundError,
    PermissionDeniedError, InvalidTransitionError."""
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id, lock=True)
    if document.kind not in OPEN_STATUS:
        raise InvalidTransitionError(N_("Only an outgoing or internal document has attachments of its own."))
    if document.created_by_id != actor.id or not policy.can_edit(actor, document):
        raise PermissionDeniedError(N_("Only the drafter adds or removes the attachments of a draft."))
    signed = session.execute(select(func.count(Signature.id)).where(Signature.document_id == document.id)).scalar()
    if document.status is not OPEN_STATUS[document.kind] or signed:
        raise InvalidTransitionError(FROZEN)
    return document


def _clean_title(title: str, filename: str) -> str:
    title = " ".join(title.split()) or filename.rsplit(".", 1)[0]
    if len(title) > MAX_TITLE:
        raise ValidationError(N_("The title is too long (at most 500 characters)."), field="title")
    return title


def add_attachment(session: Session, *, actor: User, document_id: int, kind: AttachmentKind, title: str,
                   upload: UploadedFile, store: DocumentStore, max_bytes: int,
                   now: datetime | None = None) -> Attachment:
    """Attach a PDF (checked like any upload, and refused with active content) to a draft as the next
    attachment or appendix. Raises NotFoundError, PermissionDeniedError, InvalidTransitionError,
    ValidationError. Flushes."""
    now = now or utc_now()
    document = _editable(session, actor, document_id)
    existing = attachments_of(session, document)
    if len(existing) >= MAX_PER_DOCUMENT:
        raise ValidationError(N_("A document takes at most %(limit)s attachments."), limit=MAX_PER_DOCUMENT)
    stored = store_pdf(store, upload, max_bytes)
    if stored.info.active_content:
        raise ValidationError(N_("The PDF contains scripts, actions or embedded files; an attachment that will "
                                 "be signed and sent must not. Print it to PDF again and upload that."),
                              field="file")
    filename = clean_filename(upload.filename)
    ordinal = max((a.ordinal for a in existing if a.kind is kind), default=0) + 1
    attachment = Attachment(organisation_id=document.organisation_id, document_id=document.id, kind=kind,
                            ordinal=ordinal, title=_clean_title(title, filename), original_filename=filename,
                            sha256=stored.sha256, size=stored.size, page_count=stored.info.page_count,
                            created_by_id=actor.id, created_at=now)
    session.add(attachment)
    session.flush()
    audit.record(session, action=AuditAction.ATTACHMENT_ADDED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"attachment_id": attachment.id, "kind": kind.value, "ordinal": ordinal,
                          "sha256": stored.sha256, "filename": filename})
    return attachment


def remove_attachment(session: Session, *, actor: User, attachment_id: int, now: datetime | None = None) -> None:
    """Remove an attachment from a draft; the later ones of its kind move up one place (the file stays in
    the store, as every blob does). Raises NotFoundError, PermissionDeniedError, InvalidTransitionError.
    Flushes."""
    now = now or utc_now()
    attachment = _attachment(session, actor, attachment_id)
    document = _editable(session, actor, attachment.document_id)
    kind, ordinal = attachment.kind, attachment.ordinal
    session.delete(attachment)
    session.flush()
    for later in attachments_of(session, document):
        if later.kind is kind and later.ordinal > ordinal:
            later.ordinal -= 1
            session.flush()
    audit.record(session, action=AuditAction.ATTACHMENT_REMOVED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"attachment_id": attachment_id, "kind": kind.value, "ordinal": ordinal,
                          "sha256": attachment.sha256})


def _attachment(session: Session, actor: User, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.organisation_id != actor.organisation_id:
        raise NotFoundError(N_("No such attachment."))
    return attachment


def get_attachment_for(session: Session, *, actor: User, attachment_id: int,
                       document_id: int | None = None) -> Attachment:
    """An attachment of a document ``actor`` may see (of ``document_id`` when given). Raises NotFoundError,
    PermissionDeniedError. Reads only."""
    attachment = _attachment(session, actor, attachment_id)
    if document_id is not None and attachment.document_id != document_id:
        raise NotFoundError(N_("No such attachment."))
    doc_service.get_document_for(session, actor=actor, document_id=attachment.document_id)
    return attachment


def attachment_file(session: Session, *, actor: User, attachment_id: int, store: DocumentStore,
                    document_id: int | None = None, now: datetime | None = None) -> tuple[Attachment, bytes]:
    """The attachment and its current file (the signed one once issued), with the same access as its
    document; a confidential document's download is audited. Raises NotFoundError, PermissionDeniedError."""
    attachment = get_attachment_for(session, actor=actor, attachment_id=attachment_id, document_id=document_id)
    if attachment.document.is_confidential:
        audit.record(session, action=AuditAction.DOCUMENT_DOWNLOADED, actor=actor, object_type="document",
                     object_id=attachment.document_id, now=now or utc_now(),
                     details={"attachment_id": attachment.id, "sha256": attachment.current_sha256})
    return attachment, store.read(attachment.current_sha256)

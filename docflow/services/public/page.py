"""What the public verification page /v/<code> shows (issue 15 §2): what the issued document itself prints
(number and symbol, date, type, trích yếu, issuing body, the signer's name and post), whether its signatures
are valid (the kept report of the issued version), and its legal status now. Nothing else: no internal ids,
no handler's name, no recipient. An unknown code, a confidential document and a document not issued (yet)
are the same NotFoundError, reached through the same queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings, local_date
from docflow.errors import N_, NotFoundError
from docflow.models import Document, DocumentRelation, DocumentStatus, DocumentVersion, PublicCode, Signature
from docflow.services.public.codes import document_by_code, find_code, normalise
from docflow.services.renewal.issued import issued_version_ids
from docflow.services.signatures.reports import cached_report, verify_bytes
from docflow.signing.base import SignatureKind
from docflow.storage import DocumentStore

UNKNOWN = N_("No issued document has this verification code. Check the code printed under the QR code.")
# the statuses a document issued by the ward can be in, and how the page names each
IN_FORCE, RECALLED, REPLACED = "in_force", "recalled", "replaced"
_ISSUED_STATUSES = (DocumentStatus.ISSUED, DocumentStatus.COMPLETED, DocumentStatus.RECALLED, DocumentStatus.REPLACED)


@dataclass(frozen=True)
class Linked:
    """A later document acting on this one: its number and symbol, issue date, and public code (None when
    it has no public page, a confidential one)."""
    number_symbol: str
    issued_on: date | None
    code: str | None


@dataclass(frozen=True)
class PublicView:
    code: str
    number_symbol: str
    issued_on: date | None
    doc_type: str
    summary: str
    issuing_body: str
    signer_name: str
    signer_post: str
    mode_line: str
    status: str
    recalled_on: date | None
    replaced_by: Linked | None
    corrected_by: tuple[Linked, ...]
    valid: bool                   # the kept report of the issued bytes
    signature_count: int
    checked_at: str


def issued_document(session: Session, text: str) -> tuple[Document, DocumentVersion]:
    """The issued document whose public code ``text`` is, and its issued version. Raises NotFoundError."""
    document = document_by_code(session, text)
    issued = issued_version_ids(session, [document.id]) if document is not None else {}
    version = next((v for v in document.versions if v.id in issued), None) if document is not None else None
    if document is None or version is None or document.status not in _ISSUED_STATUSES:
        raise NotFoundError(UNKNOWN)
    return document, version


def public_view(session: Session, *, settings: Settings, store: DocumentStore, code: str) -> PublicView:
    """The public page's content for ``code``. Raises NotFoundError. Flushes the issued version's report
    when none was kept yet (the next visitor reads it)."""
    document, version = issued_document(session, code)
    report = cached_report(session, settings=settings, sha256=version.sha256) \
        or verify_bytes(session, settings=settings, data=store.read(version.sha256), sha256=version.sha256)
    personal = session.execute(select(Signature).where(
        Signature.document_id == document.id, Signature.kind == SignatureKind.PERSONAL)
        .order_by(Signature.id.desc()).limit(1)).scalar_one_or_none()
    signer = personal.signer if personal is not None else document.signer
    issued_on = local_date(settings, document.issued_at) if document.issued_at else document.document_date
    return PublicView(
        code=normalise(code) or code, number_symbol=document.number_symbol or "", issued_on=issued_on, doc_type=document.doc_type,
        summary=document.summary, issuing_body=document.issuing_body or document.organisation.name,
        signer_name=signer.full_name if signer is not None else "", signer_post=signer.post if signer else "",
        mode_line=personal.mode_line if personal is not None else "",
        status=_status(document), recalled_on=local_date(settings, document.recalled_at)
        if document.recalled_at else None,
        replaced_by=next(iter(_later(session, settings, document, DocumentRelation.REPLACES)), None),
        corrected_by=tuple(_later(session, settings, document, DocumentRelation.CORRECTS)),
        valid=bool(report["valid"]), signature_count=len(report["signatures"]),
        checked_at=str(report.get("verified_at", "")))


def _status(document: Document) -> str:
    if document.status is DocumentStatus.RECALLED:
        return RECALLED
    if document.status is DocumentStatus.REPLACED:
        return REPLACED
    return IN_FORCE


def _later(session: Session, settings: Settings, document: Document, relation: DocumentRelation) -> list[Linked]:
    """The issued documents that replace or correct ``document``, oldest first."""
    later = session.execute(select(Document).where(
        Document.related_document_id == document.id, Document.relation == relation.value,
        Document.issued_at.is_not(None)).order_by(Document.issued_at, Document.id)).scalars()
    return [Linked(number_symbol=d.number_symbol or "", issued_on=_day(settings, d.issued_at),
                   code=_code_of(session, d)) for d in later]


def _day(settings: Settings, moment: datetime | None) -> date | None:
    return local_date(settings, moment) if moment is not None else None


def _code_of(session: Session, document: Document) -> str | None:
    row: PublicCode | None = find_code(session, document) if not document.is_confidential else None
    return row.code if row is not None else None

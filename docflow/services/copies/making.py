"""Making a copy (sao y, sao lục, trích sao; Decree 30, Art. 25-26, Annex I Part II; rules R15, R45, R33).

The clerk makes it, from a document the ward issued in docflow (its pages drawn at the decree's scan
profile) or from a paper original (the clerk's colour scan at 200 dpi or more, checked); a trích sao takes
only the pages the clerk picks. The copy is signed with the ward's organisation key as the decree's text
stamp, "SAO Y" / "SAO LỤC" / "TRÍCH SAO", the copying body and the time, and takes the next number of the
year's one copy series ("05/SY-UBND"), which a unique constraint keeps single.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings, local_date
from docflow.errors import N_, InvalidTransitionError, PermissionDeniedError, ValidationError
from docflow.models import CopyForm, CopySource, Document, DocumentCopy, DocumentKind, DocumentStatus, Organisation
from docflow.models import User, utc_now
from docflow.services import audit
from docflow.services import documents as doc_service
from docflow.services.signatures.context import open_text_stamp
from docflow.services.audit import AuditAction
from docflow.services.copies import pages as copy_pages
from docflow.services.documents import UploadedFile
from docflow.services.documents.uploads import clean_filename, store_pdf
from docflow.services.registers.numbers import format_number
from docflow.signing.base import SignatureKind
from docflow.storage import DocumentStore

# Decree 30, Annex III: the copies' abbreviations; Annex I Part II: the form written on the copy
ABBREVIATION = {CopyForm.SAO_Y: "SY", CopyForm.SAO_LUC: "SL", CopyForm.TRICH_SAO: "TrS"}
FORM_LINE = {CopyForm.SAO_Y: "SAO Y", CopyForm.SAO_LUC: "SAO LỤC", CopyForm.TRICH_SAO: "TRÍCH SAO"}
MAX_REFERENCE, MAX_NOTE = 500, 500


@dataclass(frozen=True)
class CopyRequest:
    """What the clerk asks for: the form, the pages of a trích sao ("1, 3-4"), a note for the register."""
    form: CopyForm
    pages: str = ""
    note: str = ""


def copy_symbol(number: int, form: CopyForm, body: str) -> str:
    """Số, ký hiệu of a copy: ``05/SY-UBND``, ``12/TrS-UBND``."""
    return f"{format_number(number)}/{ABBREVIATION[form]}-{body}"


def require_copier(actor: User) -> None:
    """Only the clerk makes copies: they carry the ward's organisation signature (R33). Raises
    PermissionDeniedError."""
    if not policy.may_apply(actor, SignatureKind.ORGANISATION_TEXT):
        raise PermissionDeniedError(N_("Only the clerk (văn thư) makes copies of documents."))


def may_copy(actor: User, document: Document) -> bool:
    """Whether the page offers ``actor`` a copy of ``document``: the clerk, on a document the ward issued."""
    return policy.may_apply(actor, SignatureKind.ORGANISATION_TEXT) and document.kind is DocumentKind.OUTGOING \
        and document.status is DocumentStatus.ISSUED


def copy_issued_document(session: Session, *, actor: User, settings: Settings, store: DocumentStore,
                         document_id: int, request: CopyRequest, pin: str, now: datetime | None = None) -> DocumentCopy:
    """A copy of a document the ward issued: its pages (a trích sao's chosen ones) drawn in colour at 200
    dpi, signed with the text stamp, numbered. Raises PermissionDeniedError, NotFoundError,
    InvalidTransitionError, ValidationError, WrongPinError, CertificateError, SigningError. Flushes."""
    now = now or utc_now()
    require_copier(actor)
    original = doc_service.get_document_for(session, actor=actor, document_id=document_id)
    if original.kind is not DocumentKind.OUTGOING or original.status is not DocumentStatus.ISSUED:
        raise InvalidTransitionError(N_("Only a document the ward has issued (and not recalled or replaced) is "
                                        "copied from docflow; copy any other original from its paper scan."))
    data = _original_bytes(store, original)
    version = original.current_version
    chosen = _chosen(request, version.page_count if version is not None else 0)
    source = copy_pages.picture_of(data, chosen)
    reference = f"{original.number_symbol or ''} ngày {_date(original)}, {original.organisation.name}"
    return _sign_and_number(session, actor=actor, settings=settings, store=store, source=source, pin=pin, now=now,
                            request=request, chosen=chosen,
                            origin=_Origin(CopySource.ELECTRONIC, original, reference, None))


def copy_paper_original(session: Session, *, actor: User, settings: Settings, store: DocumentStore,
                        upload: UploadedFile, original_reference: str, request: CopyRequest, pin: str,
                        max_bytes: int, now: datetime | None = None) -> DocumentCopy:
    """A copy of a paper original from the clerk's scan, checked against the decree's scan profile; a trích
    sao keeps the chosen pages. Raises PermissionDeniedError, ValidationError, WrongPinError,
    CertificateError, SigningError. Flushes."""
    now = now or utc_now()
    require_copier(actor)
    reference = " ".join(original_reference.split())
    if not reference or len(reference) > MAX_REFERENCE:
        raise ValidationError(N_("Describe the paper original: its number and symbol, date and issuing body "
                                 "(at most 500 characters)."), field="original_reference")
    stored = store_pdf(store, upload, max_bytes)
    if stored.info.active_content:
        raise ValidationError(N_("The scan contains scripts, actions or embedded files; a scan of paper must "
                                 "not. Scan the original again."), field="file")
    data = store.read(stored.sha256)
    copy_pages.check_scan(data)
    chosen = _chosen(request, stored.info.page_count)
    source = copy_pages.cut_pages(data, chosen)
    return _sign_and_number(session, actor=actor, settings=settings, store=store, source=source, pin=pin, now=now,
                            request=request, chosen=chosen,
                            origin=_Origin(CopySource.PAPER, None, reference, clean_filename(upload.filename)))


def _chosen(request: CopyRequest, page_count: int) -> list[int]:
    """A trích sao's pages (some, picked); a sao y or sao lục copies the whole document."""
    if request.form is CopyForm.TRICH_SAO:
        if not request.pages.strip():
            raise ValidationError(N_("A trích sao copies the pages you pick: write them, for example \"1, 3-4\"."),
                                  field="pages")
        return copy_pages.parse_pages(request.pages, page_count)
    if request.pages.strip():
        raise ValidationError(N_("A sao y or sao lục copies the whole document; pick pages only for a trích sao."),
                              field="pages")
    return list(range(page_count))


def _original_bytes(store: DocumentStore, original: Document) -> bytes:
    version = original.current_version
    data = store.read(version.sha256) if version is not None else b""
    if version is None or hashlib.sha256(data).hexdigest() != version.sha256:
        raise InvalidTransitionError(N_("The stored file of the original is not the one docflow recorded; it "
                                        "cannot be copied. Ask the auditor to check it."))
    return data


def _date(document: Document) -> str:
    return document.document_date.strftime("%d/%m/%Y") if document.document_date else ""


@dataclass(frozen=True)
class _Origin:
    source: CopySource
    original: Document | None
    reference: str
    filename: str | None


def _sign_and_number(session: Session, *, actor: User, settings: Settings, store: DocumentStore, source: bytes,
                     pin: str, now: datetime, request: CopyRequest, chosen: list[int], origin: _Origin) -> DocumentCopy:
    """Sign the copy with the text stamp, then take its number (so a failed signature takes none). Flushes."""
    # pyHanko takes seconds to import: only a copy pays for it, not the CLI's start.
    from docflow.signing.textstamp import copy_lines
    note = " ".join(request.note.split())
    if len(note) > MAX_NOTE:
        raise ValidationError(N_("The note is too long (at most 500 characters)."), field="note")
    body = actor.organisation.name
    with open_text_stamp(session, settings=settings, actor=actor, pin=pin, now=now) as (certificate, level, stamp):
        signed = stamp.stamp(source, copy_lines(FORM_LINE[request.form], body, now), level=level,
                             reason=FORM_LINE[request.form], location=settings.app.organisation_name)
    year = local_date(settings, now).year
    number = _next_number(session, actor.organisation_id, year)
    copy = DocumentCopy(organisation_id=actor.organisation_id, year=year, number=number,
                        number_symbol=copy_symbol(number, request.form, actor.organisation.code), form=request.form,
                        source=origin.source, original_document_id=origin.original.id if origin.original else None,
                        original_reference=origin.reference[:MAX_REFERENCE],
                        pages=copy_pages.pages_label(chosen) if request.form is CopyForm.TRICH_SAO else "",
                        copying_body=body, copy_date=now, original_filename=origin.filename,
                        source_sha256=store.put_bytes(source), sha256=store.put_bytes(signed), page_count=len(chosen),
                        certificate_id=certificate.id, level=level.value, made_by_id=actor.id, note=note)
    session.add(copy)
    session.flush()
    audit.record(session, action=AuditAction.COPY_MADE, actor=actor, object_type="copy", object_id=copy.id, now=now,
                 details={"number_symbol": copy.number_symbol, "form": copy.form.value, "source": copy.source.value,
                          "original_document_id": copy.original_document_id, "pages": copy.pages,
                          "source_sha256": copy.source_sha256, "sha256": copy.sha256,
                          "certificate_serial": certificate.serial})
    return copy


def _next_number(session: Session, organisation_id: int, year: int) -> int:
    """The next number of the ward's one copy series for ``year`` (R15): the ward's row is locked (FOR
    UPDATE on PostgreSQL; the write lock on SQLite) so two clerks cannot take the same one."""
    session.execute(select(Organisation.id).where(Organisation.id == organisation_id).with_for_update())
    last = session.execute(select(func.max(DocumentCopy.number)).where(
        DocumentCopy.organisation_id == organisation_id, DocumentCopy.year == year)).scalar()
    return (last or 0) + 1

"""The clerk's registration of a received document: the duplicate warning, the year's số đến from the
incoming register, and the verification of a signed PDF."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy, textsearch
from docflow.config import Settings
from docflow.errors import N_, ConflictError, PermissionDeniedError, ValidationError
from docflow.models import Document, DocumentKind, ReceiptSource, Register, RegisterKind, User, utc_now
from docflow.services import registers
from docflow.services import documents as doc_service
from docflow.services import signatures as signing_service
from docflow.services.audit import AuditAction
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.services.incoming.common import clean_text, record
from docflow.services.incoming.deadlines import local_date
from docflow.storage import DocumentStore


@dataclass(frozen=True)
class Registration:
    document: Document
    number: int
    report: dict[str, Any] | None      # the verification report when the PDF carries signatures
    duplicate_of: tuple[int, ...] = ()


class DuplicateIncomingError(ConflictError):
    """The same number and symbol from the same issuing body is registered already: the clerk looks at the
    earlier entry, then confirms or cancels."""

    def __init__(self, earlier: Sequence[Document]) -> None:
        super().__init__(N_("A document with this number and symbol from this issuing body is already registered "
                            "(incoming no. %(numbers)s). Check the earlier entry, then register anyway or cancel."),
                         numbers=", ".join(number_label(d) for d in earlier))
        self.earlier_ids = tuple(d.id for d in earlier)


def number_label(document: Document) -> str:
    """"05/2026" for a registered incoming document, "—" otherwise."""
    if document.register_number is None:
        return "—"
    year = document.received_at.year if document.received_at else document.created_at.year
    return f"{registers.format_number(document.register_number)}/{year}"


def find_duplicates(session: Session, *, organisation_id: int, number_symbol: str, issuing_body: str) -> list[Document]:
    """Incoming documents with the same number and symbol from the same issuing body, compared without case
    or diacritics, oldest first (confidential ones included: the warning must not depend on clearance)."""
    key, body = textsearch.fold(number_symbol), textsearch.fold(issuing_body)
    if not key:
        return []
    pattern = textsearch.contains_pattern(key)
    candidates = session.execute(select(Document).where(
        Document.organisation_id == organisation_id, Document.kind == DocumentKind.INCOMING,
        Document.search_text.like(pattern, escape="\\")).order_by(Document.id)).scalars()
    return [d for d in candidates
            if textsearch.fold(d.number_symbol or "") == key and textsearch.fold(d.issuing_body) == body]


OWN_RECEIPT_TIME = (ReceiptSource.ELECTRONIC, ReceiptSource.IMPORTED)
MAX_NOTE = 300


def receipt_time(settings: Settings, *, now: datetime, source: ReceiptSource, received_at: datetime | None,
                 data: DocumentInput) -> tuple[datetime, int]:
    """The receipt time (ngày đến) and the register year of a registration.

    Registered here: docflow's clock, and this year's register (a typed, back-dated time once reopened an
    earlier year's register out of order). Received electronically from another agency: the exchange's
    receipt time, numbered in this year's register. Imported from a previous system: the time it recorded,
    in that year's register. Raises ValidationError.
    """
    if source not in OWN_RECEIPT_TIME:
        if received_at is not None:
            raise ValidationError(N_("The receipt time is the system's time at registration; write when it "
                                     "arrived on paper in the receipt note."), field="received_at")
        return now, local_date(settings, now).year
    if received_at is None:
        raise ValidationError(N_("Enter the date and time received."), field="received_at")
    if received_at > now + timedelta(minutes=5):
        raise ValidationError(N_("The date received cannot be in the future."), field="received_at")
    if data.document_date is not None and local_date(settings, received_at) < data.document_date:
        raise ValidationError(N_("The date received cannot be before the document date."), field="received_at")
    year_of = received_at if source is ReceiptSource.IMPORTED else now
    return received_at, local_date(settings, year_of).year


def _receipt_note(text: str) -> str:
    note = clean_text(text, "receipt_note", required=False, message="")
    if len(note) > MAX_NOTE:
        raise ValidationError(N_("The receipt note is too long (at most %(n)s characters)."), field="receipt_note",
                              n=MAX_NOTE)
    return note


def _duplicates(session: Session, actor: User, data: DocumentInput, *, receipt: ReceiptSource,
                imported_number: int | None, confirm: bool) -> list[Document]:
    """The earlier registrations of the same document (refused unless ``confirm``); none is looked for when
    the document comes from the previous system with its own number (its clerk was warned there). Raises
    ValidationError, DuplicateIncomingError."""
    if imported_number is not None:
        if receipt is not ReceiptSource.IMPORTED:
            raise ValidationError(N_("Only a document imported from the previous system keeps its own incoming "
                                     "number."), field="register_number")
        return []
    earlier = find_duplicates(session, organisation_id=actor.organisation_id, number_symbol=data.number_symbol,
                              issuing_body=data.issuing_body)
    if earlier and not confirm:
        raise DuplicateIncomingError(earlier)
    return earlier


def _incoming_number(session: Session, actor: User, year: int, imported: int | None) -> tuple[Register, int]:
    """The year's next số đến, or the one an imported document had in the previous system. Flushes."""
    if imported is None:
        return registers.take_number(session, organisation=actor.organisation, kind=RegisterKind.INCOMING,
                                     year=year)
    return registers.claim_number(session, organisation=actor.organisation, kind=RegisterKind.INCOMING, year=year,
                                  number=imported), imported


def register_incoming(session: Session, *, actor: User, data: DocumentInput, upload: UploadedFile,
                      store: DocumentStore, settings: Settings, now: datetime | None = None,
                      received_at: datetime | None = None, confirm_duplicate: bool = False,
                      receipt: ReceiptSource = ReceiptSource.SYSTEM, receipt_note: str = "",
                      imported_number: int | None = None) -> Registration:
    """The clerk registers a received document: stores the PDF (upload_document's checks), takes the next
    số đến of the year's incoming register, and verifies a signed PDF at once.

    The receipt time is the system's time (``received_at`` only for ``receipt`` ELECTRONIC or IMPORTED:
    see receipt_time); ``receipt_note`` is kept as a note. ``imported_number`` (with ``receipt`` IMPORTED
    only): the số đến the previous system gave it, claimed in that year's register instead of the next one;
    that system's clerk saw its duplicate warning then, so none is raised again. Raises
    PermissionDeniedError (not a clerk), ValidationError, ConflictError (the imported number is taken),
    DuplicateIncomingError (unless ``confirm_duplicate``). Flushes.
    """
    now = now or utc_now()
    if not policy.may_register_incoming(actor):
        raise PermissionDeniedError(N_("Only the clerk (văn thư) registers incoming documents."))
    data = replace(data, kind=DocumentKind.INCOMING)
    doc_service.validate_input(session, actor, data, today=local_date(settings, now))
    received_at, year = receipt_time(settings, now=now, source=receipt, received_at=received_at, data=data)
    if data.document_date is not None and local_date(settings, received_at) < data.document_date:
        raise ValidationError(N_("The date received cannot be before the document date."), field="document_date")
    note = _receipt_note(receipt_note)
    earlier = _duplicates(session, actor, data, receipt=receipt, imported_number=imported_number,
                          confirm=confirm_duplicate)
    document = doc_service.create_document(session, actor=actor, data=data, upload=upload, store=store,
                                           max_bytes=settings.max_upload_bytes, now=now)
    # The number is taken last: the register row stays locked for the shortest time.
    register, number = _incoming_number(session, actor, year, imported_number)
    document.register_id, document.register_number, document.received_at = register.id, number, received_at
    document.receipt_source, document.receipt_note = receipt.value, note
    session.flush()
    record(session, AuditAction.INCOMING_REGISTERED, actor, document, now, register_id=register.id,
           register_code=register.code, year=register.year, number=number, received_at=received_at.isoformat(),
           receipt=receipt.value, duplicate_of=[d.id for d in earlier])
    report = signing_service.keep_report_if_signed(session, settings=settings, store=store,
                                                   version=document.versions[-1])
    return Registration(document=document, number=number, report=report, duplicate_of=tuple(d.id for d in earlier))

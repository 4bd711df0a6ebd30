"""Issuing an outgoing document (ban hành): the number from the outgoing register, number and date filled
into the PDF, the organisation's signature, distribution to the recipients; then recall (thu hồi), and
replacement or correction taking effect when the new document is issued. Also the drafting template and
batch signing (a leader signs many documents with one PIN entry).

Everything an issue does happens in the caller's one transaction: a failed signature rolls the number back
with the rest, so no number is consumed (Decree 30: never reused, never skipped).
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy, textsearch
from docflow.config import Settings
from docflow.errors import N_, DocflowError, InvalidTransitionError, PermissionDeniedError
from docflow.models import (
    Document,
    DocumentKind,
    DocumentRelation,
    DocumentStatus,
    DocumentVersion,
    RegisterKind,
    Role,
    Signature,
    User,
    utc_now,
)
from docflow.models.routing import Recipient, RoutingStep, StepKind, StepStatus
from docflow.services import audit, registers
from docflow.services import signatures as signing_service
from docflow.services.audit import AuditAction
from docflow.services.outgoing import (
    active_step,
    clean_reason,
    get_outgoing,
    notify_users,
    recipients_of,
    sign_step,
)
from docflow.signing.base import DATE_FIELD, NUMBER_FIELD, SignatureKind
from docflow.storage import DocumentStore



def issue_document(session: Session, *, actor: User, settings: Settings, store: DocumentStore, document_id: int,
                   pin: str, expected_version: int | None = None, now: datetime | None = None) -> Document:
    """The clerk issues a signed outgoing document: the next number of the year's outgoing register, the
    Decree 30 number and symbol, the issue date, both filled into the PDF, the organisation's signature
    (refused unless a valid personal signature by an entitled signer is on it), then distribution.

    Raises PermissionDeniedError, InvalidTransitionError, ConflictError, WrongPinError, CertificateError,
    SigningError. Flushes; the caller commits, and a failure anywhere leaves the number unconsumed.
    """
    now = now or utc_now()
    if not policy.may_apply(actor, SignatureKind.ORGANISATION):
        raise PermissionDeniedError(N_("Only the clerk (văn thư) issues documents."))
    document = get_outgoing(session, actor=actor, document_id=document_id, lock=True)
    step = active_step(session, document.id)
    if document.status is DocumentStatus.ISSUED:
        raise InvalidTransitionError(N_("This document has already been issued as %(number)s."),
                                     number=document.number_symbol or "")
    if document.status is not DocumentStatus.SIGNED or step is None or step.kind is not StepKind.ISSUE:
        raise InvalidTransitionError(N_("Only a document signed by its signer can be issued."))
    policy.require_signature(actor, SignatureKind.ORGANISATION, document, step)
    # Checked before the number is taken, so the register's lock is not held through a verification.
    _require_signed_version(session, store, document, step)
    proof = signing_service.verify_personal_signature(session, settings=settings, document=document, store=store)
    today = signing_service.local_today(settings, now)
    register, number = registers.take_number(session, organisation=document.organisation, kind=RegisterKind.OUTGOING,
                                             year=today.year)
    document.number_symbol = registers.number_symbol(
        number, doc_type=document.doc_type, body=document.organisation.code,
        unit=document.department.code if document.department else "")
    document.register_id, document.register_number = register.id, number
    document.document_date, document.issued_at = today, now
    document.search_text = textsearch.document_search_text(document.summary, document.number_symbol,
                                                           document.issuing_body)
    session.flush()
    audit.record(session, action=AuditAction.NUMBER_ASSIGNED, actor=actor, object_type="register",
                 object_id=register.id, now=now,
                 details={"document_id": document.id, "number": number, "year": register.year,
                          "number_symbol": document.number_symbol})
    outcome = signing_service.sign_seal(session, settings=settings, store=store, actor=actor, proof=proof, pin=pin,
                                        expected_version=expected_version, reason="Issued", now=now, step=step)
    _require_filled(store, document, outcome.version, day=today)
    step.status, step.decided_by_id, step.decided_at = StepStatus.DONE, actor.id, now
    step.version_number, step.signature_id = outcome.version.number, outcome.signature.id
    policy.move_status(document, DocumentStatus.ISSUED)
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_ISSUED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"number_symbol": document.number_symbol, "register_id": register.id, "number": number,
                          "document_date": today.isoformat(), "version": outcome.version.number,
                          "sha256": outcome.version.sha256})
    _take_effect(session, actor, document, now)
    distribute(session, actor=actor, document=document, version=outcome.version, settings=settings, now=now)
    return document


def _require_signed_version(session: Session, store: DocumentStore, document: Document,
                            issue_step: RoutingStep) -> None:
    """The current version must be, byte for byte, the one the signer's step of this round produced (its
    signature record's ``after_sha256``, and the stored bytes re-hashed), with empty number and date fields
    for the seal to fill. Raises InvalidTransitionError. Reads only."""
    current = document.current_version
    sign_step = session.execute(select(RoutingStep).where(
        RoutingStep.document_id == document.id, RoutingStep.round == issue_step.round,
        RoutingStep.kind == StepKind.SIGN, RoutingStep.status == StepStatus.DONE)).scalar_one_or_none()
    record = session.get(Signature, sign_step.signature_id) if sign_step and sign_step.signature_id else None
    data = store.read(current.sha256) if current is not None else b""
    if current is None or sign_step is None or record is None or record.kind is not SignatureKind.PERSONAL \
            or record.step_id != sign_step.id or record.signer_id != sign_step.assignee_id \
            or record.after_sha256 != current.sha256 or hashlib.sha256(data).hexdigest() != current.sha256:
        raise InvalidTransitionError(N_("The current version is not the file the signer signed on this route, so "
                                        "it cannot be issued. Ask the auditor to check the signature chain."))
    _require_empty_fields(data)


def _require_empty_fields(data: bytes) -> None:
    from docflow.signing.sign import text_field_values
    values = text_field_values(data)
    if NUMBER_FIELD not in values or DATE_FIELD not in values:
        raise InvalidTransitionError(N_("The signed document has no number and date fields, so the number "
                                        "cannot be printed on it. Return it to the drafter."))
    if values[NUMBER_FIELD].strip() or values[DATE_FIELD].strip():
        raise InvalidTransitionError(N_("The number and date fields of the signed document already hold text; "
                                        "the register's number cannot be printed on it. Return it to the drafter."))


def _require_filled(store: DocumentStore, document: Document, version: DocumentVersion, *, day: date) -> None:
    """The sealed revision must print the register's number and the issue date. Raises InvalidTransitionError."""
    from docflow.signing.sign import read_text_fields
    expected = signing_service.number_and_date_values(document, day=day)
    fields = read_text_fields(store.read(version.sha256))
    if any(name not in fields or fields[name].value != value or not fields[name].visible
           for name, value in expected.items()):
        raise InvalidTransitionError(N_("The number and date could not be printed on the document; it was not "
                                        "issued."))


def _take_effect(session: Session, actor: User, document: Document, now: datetime) -> None:
    """A replacement marks the document it replaces REPLACED; a correction letter is recorded on the original."""
    if document.related_document_id is None or document.relation not in (DocumentRelation.REPLACES,
                                                                         DocumentRelation.CORRECTS):
        return
    original = session.get(Document, document.related_document_id, with_for_update=True)
    if original is None:
        return
    if document.relation == DocumentRelation.REPLACES:
        if original.status is DocumentStatus.ISSUED:
            policy.move_status(original, DocumentStatus.REPLACED)
            original.updated_at = now
            for copy in _copies(session, original):
                if policy.is_forward(copy.status, DocumentStatus.REPLACED):
                    copy.status, copy.updated_at = DocumentStatus.REPLACED, now
        action = AuditAction.DOCUMENT_REPLACED
    else:
        action = AuditAction.DOCUMENT_CORRECTED
    session.flush()
    audit.record(session, action=action, actor=actor, object_type="document", object_id=original.id, now=now,
                 details={"by_document_id": document.id, "by_number_symbol": document.number_symbol})


def distribute(session: Session, *, actor: User, document: Document, version: DocumentVersion,
               settings: Settings, now: datetime) -> list[Recipient]:
    """Each internal recipient department receives the issued document as an incoming one (the same signed
    file, registered in the incoming register); external recipients are recorded as sent. Flushes."""
    today = signing_service.local_today(settings, now)
    recipients = recipients_of(session, document.id)
    for recipient in recipients:
        recipient.sent_at = now
        if recipient.department_id is not None and recipient.delivered_document_id is None:
            recipient.delivered_document_id = _deliver(session, actor, document, version, recipient, today.year, now)
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_DISTRIBUTED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"departments": [r.department_id for r in recipients if r.department_id is not None],
                          "delivered": [r.delivered_document_id for r in recipients if r.delivered_document_id],
                          "external": [r.external_name for r in recipients if r.department_id is None]})
    return recipients


def _deliver(session: Session, actor: User, document: Document, version: DocumentVersion, recipient: Recipient,
             year: int, now: datetime) -> int:
    copy = Document(organisation_id=document.organisation_id, department_id=recipient.department_id,
                    kind=DocumentKind.INCOMING, doc_type=document.doc_type, number_symbol=document.number_symbol,
                    document_date=document.document_date, issuing_body=document.organisation.name,
                    summary=document.summary, search_text=document.search_text, urgency=document.urgency,
                    confidentiality=document.confidentiality, status=DocumentStatus.REGISTERED,
                    received_at=now, related_document_id=document.id, relation=DocumentRelation.COPY_OF,
                    created_by_id=actor.id, created_at=now, updated_at=now)
    session.add(copy)
    session.flush()
    session.add(DocumentVersion(document_id=copy.id, number=1, sha256=version.sha256, size=version.size,
                                page_count=version.page_count, active_content=version.active_content,
                                original_filename=None, note="", created_at=now, created_by_id=actor.id))
    register, number = registers.take_number(session, organisation=document.organisation,
                                             kind=RegisterKind.INCOMING, year=year)
    copy.register_id, copy.register_number = register.id, number
    session.flush()
    audit.record(session, action=AuditAction.INCOMING_REGISTERED, actor=actor, object_type="document",
                 object_id=copy.id, now=now,
                 details={"register_id": register.id, "number": number, "year": register.year,
                          "from_document_id": document.id, "sha256": version.sha256})
    heads = session.execute(select(User.id).where(User.department_id == recipient.department_id,
                                                  User.role == Role.HEAD, User.is_active.is_(True))).scalars()
    notify_users(session, list(heads), copy, N_("A document of the ward was delivered to your department: %(summary)s"))
    return copy.id


def _copies(session: Session, document: Document) -> list[Document]:
    ids = [r.delivered_document_id for r in recipients_of(session, document.id) if r.delivered_document_id]
    return list(session.execute(select(Document).where(Document.id.in_(ids))).scalars()) if ids else []


def can_recall(user: User) -> bool:
    return user.is_active and user.role in (Role.LEADER, Role.CLERK)


def recall_document(session: Session, *, actor: User, document_id: int, reason: str,
                    now: datetime | None = None) -> Document:
    """Recall (thu hồi) an issued document: it and its delivered copies are frozen as RECALLED, and the
    recipients, the drafter and the signer are notified.

    Raises PermissionDeniedError (not a leader or clerk), InvalidTransitionError, ValidationError. Flushes.
    """
    now = now or utc_now()
    if not can_recall(actor):
        raise PermissionDeniedError(N_("Only a leader or the clerk can recall an issued document."))
    reason = clean_reason(reason, N_("Say why the document is recalled."))
    document = get_outgoing(session, actor=actor, document_id=document_id, lock=True)
    if document.status is not DocumentStatus.ISSUED:
        raise InvalidTransitionError(N_("Only an issued document can be recalled."))
    copies = _copies(session, document)
    for doc in (document, *copies):
        if policy.is_forward(doc.status, DocumentStatus.RECALLED):
            doc.status, doc.recalled_at, doc.updated_at = DocumentStatus.RECALLED, now, now
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_RECALLED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"reason": reason, "number_symbol": document.number_symbol,
                          "copies": [c.id for c in copies]})
    message = N_("Recalled: %(summary)s")
    for copy in copies:
        heads = session.execute(select(User.id).where(User.department_id == copy.department_id,
                                                      User.is_active.is_(True))).scalars()
        notify_users(session, list(heads), copy, message)
    notify_users(session, [document.created_by_id, document.signer_id], document, message)
    return document


# --- the drafting template ------------------------------------------------------------------------------

def draft_template_pdf(*, organisation_name: str, doc_type: str = "", summary: str = "",
                       number_fields: bool = True) -> bytes:
    """An A4 draft with the Decree 30 header, the number and date fields (``so_ky_hieu``, ``ngay_ban_hanh``)
    and an empty ``personal_1`` signature field where the signer's block goes: what docflow fills and signs.
    ``number_fields=False`` leaves the number and date fields out (as a draft made elsewhere would).
    """
    from fpdf import FPDF
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    from docflow import doctypes
    from docflow.signing.sign import ensure_fields, open_incremental
    from docflow.signing.stamp import FONT_DIR
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 15, 15)
    pdf.add_font("Serif", "", str(FONT_DIR / "NotoSerif-Regular.ttf"))
    pdf.add_font("Serif", "B", str(FONT_DIR / "NotoSerif-Bold.ttf"))
    pdf.add_page()
    body, place = _header_names(organisation_name)

    def centred(x: float, y: float, width: float, text: str, style: str = "", size: float = 12) -> None:
        pdf.set_font("Serif", style, size)
        pdf.set_xy(x, y)
        pdf.cell(width, 6, text, align="C")

    centred(10, 12, 85, body, "B", 12)
    centred(10, 18, 85, place, "B", 12)
    centred(95, 12, 110, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 12)
    centred(95, 18, 110, "Độc lập - Tự do - Hạnh phúc", "B", 13)
    pdf.line(40, 25, 65, 25)
    pdf.line(122, 25, 178, 25)
    kind = doctypes.get_type(doc_type)
    title = kind.name_vi.upper() if kind is not None and kind.abbreviation else ""
    if title:
        centred(20, 55, 175, title, "B", 14)
    centred(20, 62 if title else 55, 175, summary or "V/v …", "B", 13)
    pdf.set_font("Serif", "", 13)
    pdf.set_xy(25, 80)
    pdf.multi_cell(165, 7, "[Nội dung văn bản]")
    pdf.set_font("Serif", "B", 11)
    pdf.set_xy(20, 205)
    pdf.cell(70, 6, "Nơi nhận:")
    pdf.set_font("Serif", "", 10)
    for i, line in enumerate(("- Như trên;", "- Lưu: VT.")):
        pdf.set_xy(20, 211 + 5 * i)
        pdf.cell(70, 5, line)
    data = ensure_fields(bytes(pdf.output())) if number_fields else bytes(pdf.output())
    writer = open_incremental(data)
    # The signer's block, right column under the text (Decree 30, Annex I): 220 × 110 pt.
    append_signature_field(writer, SigFieldSpec("personal_1", on_page=0, box=(315, 180, 535, 290)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _header_names(organisation_name: str) -> tuple[str, str]:
    """"UBND phường Tích Sơn" → ("ỦY BAN NHÂN DÂN", "PHƯỜNG TÍCH SƠN")."""
    name = " ".join(organisation_name.split())
    for prefix in ("UBND ", "Ủy ban nhân dân ", "ỦY BAN NHÂN DÂN "):
        if name.startswith(prefix):
            return "ỦY BAN NHÂN DÂN", name[len(prefix):].upper()
    return "ỦY BAN NHÂN DÂN", name.upper()


# --- batch signing ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchResult:
    document_id: int
    summary: str
    ok: bool
    message: str = ""                      # an English msgid when not ok
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchProgress:
    """What a running batch has done so far; read by the polling page while the batch runs."""
    user_id: int
    total: int
    results: list[BatchResult] = field(default_factory=list)
    error: tuple[str, dict[str, Any]] | None = None
    done: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, result: BatchResult) -> None:
        with self._lock:
            self.results.append(result)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"total": self.total, "done": self.done, "signed": sum(r.ok for r in self.results),
                    "results": list(self.results), "error": self.error}


def sign_batch(*, transaction: Callable[[], AbstractContextManager[Session]], settings: Settings,
               store: DocumentStore, actor_id: int, documents: Sequence[tuple[int, int | None]], pin: str,
               progress: BatchProgress) -> None:
    """Sign each listed document's open signature step (``(document_id, version the signer saw)``) with the
    signer's key opened once, one transaction per document (``transaction`` is the caller's boundary), and
    record one result per document in ``progress``. A wrong PIN stops the batch before the first document.
    """
    try:
        with ExitStack() as stack:
            with transaction() as session:
                actor = session.get(User, actor_id)
                if actor is None:
                    raise PermissionDeniedError(N_("You do not have access to this page."))
                opened = stack.enter_context(signing_service.open_key(
                    session, settings=settings, actor=actor, kind=SignatureKind.PERSONAL, pin=pin))
            for document_id, version in documents:
                progress.add(_sign_one(transaction, settings, store, actor_id, document_id, version, opened))
    except DocflowError as exc:
        progress.error = (exc.message, dict(exc.params))
    finally:
        progress.done = True


def _sign_one(transaction: Callable[[], AbstractContextManager[Session]], settings: Settings, store: DocumentStore,
              actor_id: int, document_id: int, version: int | None, opened: signing_service.OpenedKey) -> BatchResult:
    summary = ""
    try:
        with transaction() as session:
            actor = session.get(User, actor_id)
            assert actor is not None
            document = get_outgoing(session, actor=actor, document_id=document_id)
            summary = document.summary
            step = active_step(session, document_id)
            if step is None or step.kind is not StepKind.SIGN:
                raise InvalidTransitionError(N_("This document is not awaiting your signature any more."))
            sign_step(session, actor=actor, settings=settings, store=store, document_id=document_id,
                      step_id=step.id, pin="", expected_version=version, opened=opened)
    except DocflowError as exc:
        return BatchResult(document_id, summary, False, exc.message, dict(exc.params))
    return BatchResult(document_id, summary, True)

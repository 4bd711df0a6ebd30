"""Issuing an outgoing document (ban hành): the number from the outgoing register, number and date filled
into the PDF, the organisation's signature, then distribution and, for a replacement or a correction, its
effect on the document it follows.

Everything an issue does happens in the caller's one transaction: a failed signature rolls the number back
with the rest, so no number is consumed (Decree 30: never reused, never skipped).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy, textsearch
from docflow.config import Settings
from docflow.errors import N_, InvalidTransitionError, PermissionDeniedError
from docflow.models import Document, DocumentStatus, Register, RegisterKind, Signature, User, utc_now
from docflow.models.routing import RoutingStep, StepKind, StepStatus
from docflow.services import attachments, audit, notifications, registers
from docflow.services import signatures as signing_service
from docflow.services.signatures import VerifiedPersonalSignature
from docflow.services.audit import AuditAction
from docflow.services.outgoing.base import ASK_ISSUE, get_outgoing
from docflow.services.outgoing.distribution import distribute
from docflow.services.outgoing.numberfields import require_empty_fields, require_filled
from docflow.services.outgoing.recall import take_effect
from docflow.services.outgoing.route import active_step
from docflow.services.public.footercheck import require_footer
from docflow.services.petitions import issued as petitions
from docflow.signing.base import SignatureKind
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
    document, step, proof = _issuable(session, actor=actor, settings=settings, store=store,
                                      document_id=document_id)
    today = signing_service.local_today(settings, now)
    register, number = _assign_number(session, actor, document, today=today, now=now)
    outcome = signing_service.sign_seal(session, settings=settings, store=store, actor=actor, proof=proof, pin=pin,
                                        expected_version=expected_version, reason="Issued", now=now, step=step)
    require_filled(store, document, outcome.version, day=today)
    # Decree 30 (R29): each attachment file takes the ward's text signature with the number, before the status moves
    attachments.sign_attachments(session, settings=settings, store=store, actor=actor, document=document, pin=pin,
                                 step=step, now=now)
    step.status, step.decided_by_id, step.decided_at = StepStatus.DONE, actor.id, now
    step.version_number, step.signature_id = outcome.version.number, outcome.signature.id
    notifications.settle(session, document_id=document.id, messages=(ASK_ISSUE,), now=now)
    policy.move_status(document, DocumentStatus.ISSUED)
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_ISSUED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"number_symbol": document.number_symbol, "register_id": register.id, "number": number,
                          "document_date": today.isoformat(), "version": outcome.version.number,
                          "sha256": outcome.version.sha256})
    take_effect(session, actor, document, now)
    petitions.document_issued(session, actor=actor, document=document, settings=settings, now=now)
    distribute(session, actor=actor, document=document, version=outcome.version, settings=settings, store=store,
               now=now)
    return document


def _issuable(session: Session, *, actor: User, settings: Settings, store: DocumentStore,
              document_id: int) -> tuple[Document, RoutingStep, VerifiedPersonalSignature]:
    """The locked document, signed by its signer and at its open issue step, that step, and the proof that
    its personal signature verifies (the only thing the seal accepts); checked before the number is taken,
    so the register's lock is not held through a verification."""
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
    _require_signed_version(session, store, document, step)
    # issue 15 §2: the verification footer of the document's own code (or none when confidential)
    require_footer(session, settings=settings, store=store, document=document)
    proof = signing_service.verify_personal_signature(session, settings=settings, document=document, store=store)
    return document, step, proof


def _assign_number(session: Session, actor: User, document: Document, *, today: date,
                   now: datetime) -> tuple[Register, int]:
    """The next number of the year's outgoing register, the number and symbol and the issue date. Flushes."""
    series = registers.series_for(session, document)
    register, number = registers.take_number(session, organisation=document.organisation, kind=RegisterKind.OUTGOING,
                                             year=today.year, series=series)
    document.series = series
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
                 details={"document_id": document.id, "number": number, "year": register.year, "series": series,
                          "number_symbol": document.number_symbol})
    return register, number


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
    require_empty_fields(data)

"""Metadata edits: each field's before and after in the audit log (free text of a confidential document
only as digests), and a lowering of confidentiality proposed by a leader, applied once another confirms."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.errors import N_, InvalidTransitionError, PermissionDeniedError, ValidationError
from docflow.models import (
    Confidentiality,
    Document,
    DocumentKind,
    DocumentStatus,
    GrantReason,
    Role,
    RoutingStep,
    Signature,
    StepStatus,
    User,
    utc_now,
)
from docflow.services import audit, notifications
from docflow.services.audit import AuditAction
from docflow.services.documents.grants import ensure_grant, other_leaders
from docflow.services.documents.lookup import get_document, get_document_for
from docflow.services.documents.uploads import (
    NUMBER_ONLY_BY_ISSUING,
    DocumentInput,
    refresh_search_text,
    validate_input,
)
from docflow.services.documents.versions import check_row_version, refuse_if_final

EDITABLE_FIELDS = ("doc_type", "summary", "number_symbol", "document_date", "issuing_body", "urgency",
                   "confidentiality", "deadline", "department_id")
# Free-text fields of a confidential document reach the audit log only as digests: auditors and
# admins read the log but are not cleared for the document (they can still check a value's digest).
REDACTED_FIELDS = frozenset({"summary", "number_symbol", "issuing_body"})

Changes = dict[str, dict[str, object]]


def edit_metadata(session: Session, *, actor: User, document_id: int, data: DocumentInput,
                  expected_row_version: int, now: datetime | None = None) -> Document:
    """Change a document's metadata; the audit event holds each field's before and after. Raising the
    confidentiality takes effect at once; lowering it is only proposed (a leader's, confirmed by another
    leader: ``apply_lowering``), and the document keeps its level until then.
    Raises PermissionDeniedError, InvalidTransitionError (issued), ConflictError, ValidationError. Flushes."""
    now = now or utc_now()
    document = get_document_for(session, actor=actor, document_id=document_id, lock=True)
    if not policy.can_edit(actor, document):
        raise PermissionDeniedError(N_("You may not change this document."))
    refuse_if_final(document)
    check_row_version(document, expected_row_version)
    data = _checked_numbers(document, dataclasses.replace(data, kind=document.kind))
    _refuse_frozen_summary(session, document, data)
    _refuse_frozen_confidentiality(session, document, data.confidentiality)
    validate_input(session, actor, data, today=now.date())
    if data.confidentiality.rank < document.confidentiality.rank:
        _propose_lowering(session, actor=actor, document=document, to=data.confidentiality, now=now)
        data = dataclasses.replace(data, confidentiality=document.confidentiality)
    was_confidential = document.is_confidential
    changes = _apply(document, _new_values(document, data))
    if not changes:
        return document
    if was_confidential or document.is_confidential:
        changes = {name: _redacted(change) if name in REDACTED_FIELDS else change
                   for name, change in changes.items()}
    refresh_search_text(document)
    if document.is_confidential and "confidentiality" in changes:
        ensure_grant(session, document, actor, GrantReason.CONFIDENTIAL_ACCESS, now)
    document.updated_at = now
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_METADATA_EDITED, actor=actor, object_type="document",
                 object_id=document.id, details={"changes": changes}, now=now)
    return document


def _checked_numbers(document: Document, data: DocumentInput) -> DocumentInput:
    """An outgoing document's number and symbol are the register's, given by issuing only (Decree 30,
    Art. 15.2; R12): a form that leaves them out keeps them, one that types another is refused."""
    if document.kind is not DocumentKind.OUTGOING:
        return data
    typed = data.number_symbol.strip()
    if typed and typed != (document.number_symbol or ""):
        raise ValidationError(NUMBER_ONLY_BY_ISSUING, field="number_symbol")
    return dataclasses.replace(data, number_symbol=document.number_symbol or "")


FROZEN_AFTER_SIGNATURE = N_(
    "The type and the subject summary (trích yếu) cannot change once the document carries a signature (ký nháy "
    "or the signer's): the signer signed them. To change them, upload a new version of the draft; the route then "
    "starts again and every signature is asked for again.")
FROZEN_AFTER_APPROVAL = N_(
    "The type and the subject summary (trích yếu) cannot change once a reviewer of this round has approved the "
    "draft: any change after approval goes back to them. To change them, upload a new version of the draft; the "
    "route then starts again.")


def _refuse_frozen_summary(session: Session, document: Document, data: DocumentInput) -> None:
    """What was approved or signed stays as approved (Decree 30, Art. 11, R23: any change after approval goes
    back to the approver): an outgoing document's type and trích yếu are frozen while its current version
    carries a signature (ký nháy or the signer's), or while it is on its route and someone of the current
    round has approved it; a new version frees them by starting the route again. Every edit of them (the
    metadata form, the drafting page's trích yếu) comes here. Raises InvalidTransitionError."""
    if document.kind is not DocumentKind.OUTGOING:
        return
    if data.doc_type == document.doc_type and data.summary.strip() == document.summary:
        return
    current = document.current_version
    if current is not None and session.execute(
            select(Signature.id).where(Signature.version_id == current.id)).first() is not None:
        raise InvalidTransitionError(FROZEN_AFTER_SIGNATURE)
    if document.status is not DocumentStatus.DRAFT and _approved_this_round(session, document.id):
        raise InvalidTransitionError(FROZEN_AFTER_APPROVAL)


FROZEN_CONFIDENTIALITY = N_(
    "The confidentiality of an outgoing document cannot change once it carries a signature: whether it is "
    "verified in public (its QR code) was decided at its first signature.")


def _refuse_frozen_confidentiality(session: Session, document: Document, wanted: Confidentiality) -> None:
    """Issue 15 §2: an outgoing document's confidentiality is frozen from its first signature on (any version),
    because the footer with the public QR code was drawn, or not, just before it. Raises InvalidTransitionError."""
    if document.kind is not DocumentKind.OUTGOING or wanted is document.confidentiality:
        return
    if session.execute(select(Signature.id).where(Signature.document_id == document.id)).first() is not None:
        raise InvalidTransitionError(FROZEN_CONFIDENTIALITY)


def _approved_this_round(session: Session, document_id: int) -> bool:
    this_round = (select(func.max(RoutingStep.round)).where(RoutingStep.document_id == document_id)
                  .scalar_subquery())
    return session.execute(select(RoutingStep.id).where(
        RoutingStep.document_id == document_id, RoutingStep.round == this_round,
        RoutingStep.status.in_((StepStatus.APPROVED, StepStatus.DONE)))).first() is not None


def _new_values(document: Document, data: DocumentInput) -> dict[str, object]:
    return {"doc_type": data.doc_type, "summary": data.summary.strip(),
            "number_symbol": data.number_symbol.strip() or None, "document_date": data.document_date,
            "issuing_body": data.issuing_body.strip(), "urgency": data.urgency,
            "confidentiality": data.confidentiality, "deadline": data.deadline,
            "department_id": data.department_id or document.department_id}


def _apply(document: Document, new_values: dict[str, object]) -> Changes:
    """Set the fields that differ; returns each one's before and after, as the audit log keeps them."""
    changes: Changes = {}
    for name in EDITABLE_FIELDS:
        old, new = getattr(document, name), new_values[name]
        if old != new:
            changes[name] = {"from": _plain(old), "to": _plain(new)}
            setattr(document, name, new)
    return changes


ASK_CONFIRM_LOWERING = N_("A lowering of a document's confidentiality awaits your confirmation.")


def _propose_lowering(session: Session, *, actor: User, document: Document, to: Confidentiality,
                      now: datetime) -> None:
    # Lowering opens the document to people who were not cleared for it: a change of access rights that
    # only a leader makes and that waits for another leader (docflow.services.people.access_changes).
    if actor.role is not Role.LEADER:
        raise PermissionDeniedError(N_("Only a leader may lower a document's confidentiality."))
    audit.record(session, action=AuditAction.CONFIDENTIALITY_LOWERING_PROPOSED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"from": document.confidentiality.value, "to": to.value})
    notifications.notify(session, users=other_leaders(session, actor), document=document, now=now,
                         message=ASK_CONFIRM_LOWERING)


def apply_lowering(session: Session, *, actor: User, document_id: int, before: Confidentiality,
                   after: Confidentiality, proposal_seq: int, now: datetime | None = None) -> Document:
    """Make a confirmed lowering of confidentiality take effect. Raises InvalidTransitionError when the
    document's level changed since it was proposed. Flushes."""
    now = now or utc_now()
    document = get_document(session, document_id, lock=True)
    _refuse_frozen_confidentiality(session, document, after)
    if document.confidentiality is not before:
        raise InvalidTransitionError(N_("The document's confidentiality changed after this lowering was "
                                        "proposed; propose it again."))
    document.confidentiality = after
    document.updated_at = now
    notifications.settle(session, document_id=document.id, messages=(ASK_CONFIRM_LOWERING,), now=now)
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_METADATA_EDITED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"changes": {"confidentiality": {"from": before.value, "to": after.value}},
                          "confirms": proposal_seq})
    return document


def _redacted(change: dict[str, object]) -> dict[str, object]:
    return {f"{side}_sha256": hashlib.sha256(str(value).encode()).hexdigest() if value is not None else None
            for side, value in change.items()}


def _plain(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return getattr(value, "value", value)

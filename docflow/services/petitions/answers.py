"""Answering a petition: by a short text (a suggestion thanked, a question answered), or by a signed document
that goes through the normal outgoing route; the petition is answered when that document is issued
(``petitions.issued``). Closing ends the tracking of an answered petition."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_, InvalidTransitionError, PermissionDeniedError, ValidationError
from docflow.models import Document, Petition, PetitionStatus, User, utc_now
from docflow.policy import petitions as policy
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.petitions.issued import mark_answered
from docflow.services.petitions.letters import draft_letter
from docflow.services.petitions.routing import get_petition
from docflow.storage import DocumentStore

MAX_ANSWER = 10000
NOT_ANSWERABLE = N_("Only the assigned handler or the head of the assigned department answers a petition.")


def _answerable(session: Session, actor: User, petition_id: int) -> Petition:
    petition = get_petition(session, actor=actor, petition_id=petition_id, lock=True)
    if not policy.may_answer(actor, petition):
        raise PermissionDeniedError(NOT_ANSWERABLE)
    if petition.status is not PetitionStatus.ASSIGNED:
        raise InvalidTransitionError(N_("This petition is not waiting for an answer."))
    return petition


def _answer_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError(N_("Write the answer."), field="answer_text")
    if len(text) > MAX_ANSWER:
        raise ValidationError(N_("The answer is too long."), field="answer_text")
    return text


def answer_with_text(session: Session, *, actor: User, petition_id: int, text: str, settings: Settings,
                     now: datetime | None = None) -> Petition:
    """Answer without a document: the citizen reads the text on the tracking page.

    Raises NotFoundError, PermissionDeniedError, InvalidTransitionError, ValidationError. Flushes."""
    now = now or utc_now()
    petition = _answerable(session, actor, petition_id)
    petition.answer_text = _answer_text(text)
    mark_answered(session, petition, actor=actor, settings=settings, now=now, document=None)
    return petition


def draft_answer(session: Session, *, actor: User, petition_id: int, text: str, signer_id: int | None,
                 settings: Settings, store: DocumentStore, now: datetime | None = None) -> Document:
    """Draft the answer as a công văn to the citizen for ``signer_id`` to sign; the petition is in progress
    until the clerk issues it. Raises as answer_with_text, and what outgoing.create_draft raises. Flushes."""
    now = now or utc_now()
    petition = _answerable(session, actor, petition_id)
    text = _answer_text(text)
    document = draft_letter(session, actor=actor, petition=petition, settings=settings, store=store, now=now,
                            summary=f"Trả lời phản ánh, kiến nghị: {petition.subject}"[:300],
                            paragraphs=[p for p in text.splitlines() if p.strip()], signer_id=signer_id)
    petition.answer_text, petition.answer_document_id = text, document.id
    petition.status = PetitionStatus.IN_PROGRESS
    session.flush()
    audit.record(session, action=AuditAction.PETITION_ANSWER_DRAFTED, actor=actor, object_type="petition",
                 object_id=petition.id, now=now, details={"document_id": document.id})
    return document


def close_petition(session: Session, *, actor: User, petition_id: int, now: datetime | None = None) -> Petition:
    """Close an answered petition (rated or not). Raises NotFoundError, PermissionDeniedError,
    InvalidTransitionError. Flushes."""
    now = now or utc_now()
    petition = get_petition(session, actor=actor, petition_id=petition_id, lock=True)
    if not (policy.may_answer(actor, petition) or policy.may_route(actor, petition)):
        raise PermissionDeniedError(NOT_ANSWERABLE)
    if petition.status is not PetitionStatus.ANSWERED:
        raise InvalidTransitionError(N_("Only an answered petition can be closed."))
    petition.status = PetitionStatus.CLOSED
    session.flush()
    audit.record(session, action=AuditAction.PETITION_CLOSED, actor=actor, object_type="petition",
                 object_id=petition.id, now=now)
    return petition

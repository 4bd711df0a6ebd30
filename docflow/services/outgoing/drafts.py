"""Outgoing drafts (dự thảo văn bản đi): the draft with its signer and recipients, a replacement or
correction of an issued document, new versions of a draft, and the comment thread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_, InvalidTransitionError, PermissionDeniedError, ValidationError, WrongKindError
from docflow.models import (
    Department,
    Document,
    DocumentKind,
    DocumentRelation,
    DocumentStatus,
    DocumentVersion,
    Urgency,
    User,
    utc_now,
)
from docflow.models.routing import Opinion, OpinionKind, Recipient, StepKind, StepStatus
from docflow.services import audit, notifications
from docflow.services.people import delegations
from docflow.services.people.eligibility import SIGNER_ROLES, active_department, ward_member
from docflow.services import documents as doc_service
from docflow.services import signatures as signing_service
from docflow.services.audit import AuditAction
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.services.outgoing.base import ASK_REVIEW_AGAIN, REVISABLE_STATUSES, ROUTE_ASKS, get_outgoing, notify_users
from docflow.services.outgoing.numberfields import ensure_number_fields
from docflow.services.outgoing.route import close_round, new_round, record_route, steps_of
from docflow.storage import DocumentStore

RELATIONS = (DocumentRelation.REPLACES, DocumentRelation.CORRECTS)
MAX_EXTERNAL = 50
MAX_COMMENT = 4000
ONLY_ISSUED_FOLLOWED = N_("Only an issued outgoing document can be replaced or corrected.")


@dataclass(frozen=True)
class DraftInput:
    doc_type: str
    summary: str
    signer_id: int | None
    urgency: Urgency = Urgency.NORMAL
    department_id: int | None = None            # the drafting unit; None: the drafter's department
    recipient_department_ids: Sequence[int] = field(default_factory=tuple)
    external_recipients: Sequence[str] = field(default_factory=tuple)
    related_document_id: int | None = None      # the issued document this replaces or corrects
    relation: str = ""


def _today(now: datetime, settings: Settings | None) -> date:
    return signing_service.local_today(settings, now) if settings is not None else now.date()


def _check_signer(session: Session, actor: User, signer_id: int | None, doc_type: str, on: date) -> User:
    signer = ward_member(session, actor.organisation_id, signer_id, SIGNER_ROLES)
    if signer is None:
        raise ValidationError(N_("Choose who signs: a leader, or a head with a delegation."), field="signer_id")
    try:
        delegations.signing_mode_for(session, signer=signer, doc_type=doc_type, on=on)
    except PermissionDeniedError as exc:
        raise ValidationError(exc.message, field="signer_id", **exc.params) from None
    return signer


def _recipient_departments(session: Session, actor: User, ids: Sequence[int]) -> list[Department]:
    found = []
    for department_id in dict.fromkeys(ids):
        department = active_department(session, actor.organisation_id, department_id)
        if department is None:
            raise ValidationError(N_("Choose an active department."), field="recipient_department_ids")
        found.append(department)
    return found


def _external_names(names: Sequence[str]) -> list[str]:
    cleaned = list(dict.fromkeys(" ".join(n.split()) for n in names if n.strip()))
    if len(cleaned) > MAX_EXTERNAL:
        raise ValidationError(N_("At most %(n)s external recipients."), field="external_recipients", n=MAX_EXTERNAL)
    if any(len(n) > 300 for n in cleaned):
        raise ValidationError(N_("A recipient's name is too long (at most 300 characters)."),
                              field="external_recipients")
    return cleaned


def _related(session: Session, actor: User, data: DraftInput) -> Document | None:
    if data.related_document_id is None:
        return None
    if data.relation not in RELATIONS:
        raise ValidationError(N_("Choose whether the new document replaces or corrects the issued one."),
                              field="relation")
    original = doc_service.get_document_for(session, actor=actor, document_id=data.related_document_id)
    if original.kind is not DocumentKind.OUTGOING:
        raise WrongKindError(ONLY_ISSUED_FOLLOWED)
    if original.status is not DocumentStatus.ISSUED:
        raise InvalidTransitionError(ONLY_ISSUED_FOLLOWED)
    return original


def create_draft(session: Session, *, actor: User, data: DraftInput, upload: UploadedFile, store: DocumentStore,
                 max_bytes: int, settings: Settings | None = None, now: datetime | None = None) -> Document:
    """Create an outgoing draft (status DRAFT) from an uploaded PDF, with its signer and recipients; a
    replacement or correction names the issued document it relates to.

    Raises PermissionDeniedError, ValidationError, InvalidTransitionError, NotFoundError. Flushes.
    """
    now = now or utc_now()
    if not policy.may_draft(actor):
        raise PermissionDeniedError(N_("Your role cannot draft documents."))
    signer = _check_signer(session, actor, data.signer_id, data.doc_type, _today(now, settings))
    departments = _recipient_departments(session, actor, data.recipient_department_ids)
    externals = _external_names(data.external_recipients)
    original = _related(session, actor, data)
    document = doc_service.upload_document(
        session, actor=actor, store=store, max_bytes=max_bytes, now=now, upload=upload,
        data=DocumentInput(kind=DocumentKind.OUTGOING, doc_type=data.doc_type, summary=data.summary,
                           department_id=data.department_id, urgency=data.urgency,
                           issuing_body=actor.organisation.name))
    document.signer_id = signer.id
    if original is not None:
        document.related_document_id = original.id
        document.relation = data.relation
    for department in departments:
        session.add(Recipient(document_id=document.id, department_id=department.id))
    for name in externals:
        session.add(Recipient(document_id=document.id, external_name=name))
    session.flush()
    audit.record(session, action=AuditAction.DRAFT_CREATED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"signer": signer.username, "doc_type": data.doc_type,
                          "recipient_departments": [d.code for d in departments], "external_recipients": externals,
                          "related_document_id": document.related_document_id, "relation": document.relation})
    return document


def add_draft_version(session: Session, *, actor: User, document_id: int, upload: UploadedFile,
                      store: DocumentStore, max_bytes: int, note: str = "", expected_row_version: int | None = None,
                      now: datetime | None = None) -> DocumentVersion:
    """A new version of a draft. If anyone in the current round already approved (or signed), those
    approvals no longer count: a new round starts and the draft goes through review and to the signer again.

    Raises PermissionDeniedError, InvalidTransitionError, ConflictError, ValidationError. Flushes.
    """
    now = now or utc_now()
    document = get_outgoing(session, actor=actor, document_id=document_id, lock=True)
    if document.status not in REVISABLE_STATUSES:
        raise InvalidTransitionError(N_("An issued, recalled or replaced document cannot get a new version."))
    version = doc_service.add_version(session, actor=actor, document_id=document_id, upload=upload, store=store,
                                      max_bytes=max_bytes, note=note, expected_row_version=expected_row_version,
                                      now=now, via_route=True)
    if document.status is not DocumentStatus.DRAFT:
        ensure_number_fields(session, actor=actor, document=document, store=store, now=now)
    steps = steps_of(session, document.id)
    current_round = max((s.round for s in steps), default=0)
    decided = [s for s in steps if s.round == current_round and s.status in (StepStatus.APPROVED, StepStatus.DONE)]
    if document.status is not DocumentStatus.DRAFT and decided:
        close_round(session, document, current_round)
        reviewers = [(s.assignee, s.label) for s in steps
                     if s.round == current_round and s.kind is StepKind.REVIEW and s.assignee is not None]
        new_steps = new_round(session, document, reviewers, actor, now)
        record_route(session, actor, document, new_steps, now, reason="changed_after_approval")
        notifications.settle(session, document_id=document.id, messages=ROUTE_ASKS, now=now)
        notify_users(session, [new_steps[0].assignee_id], document, ASK_REVIEW_AGAIN)
    return version


def add_comment(session: Session, *, actor: User, document_id: int, body: str,
                now: datetime | None = None) -> Opinion:
    """A comment in the document's thread. Raises PermissionDeniedError, ValidationError. Flushes."""
    now = now or utc_now()
    document = get_outgoing(session, actor=actor, document_id=document_id)
    if not policy.may_comment(actor):
        raise PermissionDeniedError(N_("Your role cannot comment."))
    body = body.strip()
    if not body:
        raise ValidationError(N_("Write a comment first."), field="body")
    if len(body) > MAX_COMMENT:
        raise ValidationError(N_("The comment is too long (at most %(n)s characters)."), field="body", n=MAX_COMMENT)
    opinion = Opinion(document_id=document.id, author_id=actor.id, kind=OpinionKind.COMMENT, body=body, created_at=now)
    session.add(opinion)
    session.flush()
    audit.record(session, action=AuditAction.OPINION_ADDED, actor=actor, object_type="document",
                 object_id=document.id, now=now, details={"opinion_id": opinion.id, "kind": OpinionKind.COMMENT.value})
    return opinion


def may_edit_summary(actor: User, document: Document) -> bool:
    """Whether the drafting page offers ``actor`` its trích yếu form: on a draft not yet on its route, to whoever
    may edit it (the drafter first). The page offers less than the rule allows: once on its route the document's
    metadata form (documents.edit_metadata) may still change the trích yếu until someone of the round approves it
    or a signature is on the current version (R23), and edit_summary enforces exactly that rule."""
    return document.status is DocumentStatus.DRAFT and policy.can_edit(actor, document)


def edit_summary(session: Session, *, actor: User, document_id: int, summary: str, expected_row_version: int,
                 now: datetime | None = None) -> Document:
    """Change an outgoing document's trích yếu: a metadata edit of that one field (documents.edit_metadata checks
    who may, refuses once the current version carries a signature or someone of the current round approved it,
    R23, and audits the before and after).

    Raises PermissionDeniedError, InvalidTransitionError, ConflictError, ValidationError. Flushes."""
    document = get_outgoing(session, actor=actor, document_id=document_id)
    data = DocumentInput(kind=document.kind, doc_type=document.doc_type, summary=summary,
                         department_id=document.department_id, number_symbol=document.number_symbol or "",
                         document_date=document.document_date, issuing_body=document.issuing_body,
                         urgency=document.urgency, confidentiality=document.confidentiality,
                         deadline=document.deadline)
    return doc_service.edit_metadata(session, actor=actor, document_id=document.id, data=data,
                                     expected_row_version=expected_row_version, now=now)


def comments_of(session: Session, document_id: int) -> list[Opinion]:
    return list(session.execute(select(Opinion).where(Opinion.document_id == document_id)
                                .options(selectinload(Opinion.author)).order_by(Opinion.created_at, Opinion.id)).scalars())


@dataclass(frozen=True)
class Related:
    original: Document | None           # what this document replaces or corrects
    followers: list[Document]           # the replacements and corrections of this document


def related_of(session: Session, *, actor: User, document: Document) -> Related:
    """The documents linked by replacement or correction, the ones ``actor`` may see."""
    original = session.get(Document, document.related_document_id) if document.related_document_id else None
    followers = session.execute(select(Document).where(Document.related_document_id == document.id,
                                                       Document.relation.in_(RELATIONS)).order_by(Document.id)).scalars()
    return Related(original=original if original is not None and policy.can_view(actor, original) else None,
                   followers=[d for d in followers if policy.can_view(actor, d)])


def signer_choices(session: Session, *, actor: User, doc_type: str | None, on: date) -> list[User]:
    """The leaders, and the heads with a delegation valid today (for ``doc_type`` when given)."""
    users = session.execute(select(User).where(User.organisation_id == actor.organisation_id,
                                               User.is_active.is_(True), User.role.in_(SIGNER_ROLES))
                            .order_by(User.role.desc(), User.full_name)).scalars()
    return [u for u in users if delegations.can_sign(session, signer=u, doc_type=doc_type or "cong_van", on=on)]

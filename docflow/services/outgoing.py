"""Outgoing documents (văn bản đi) from draft to signature: the draft with its signer and recipients, new
versions, the comment thread, and the route: review steps in order, then the signer's step.

Issuing, distribution, recall and batch signing live in ``docflow.services.issuing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_, ConflictError, InvalidTransitionError, PermissionDeniedError, ValidationError
from docflow.models import (
    Department,
    Document,
    DocumentKind,
    DocumentRelation,
    DocumentStatus,
    DocumentVersion,
    GrantReason,
    Role,
    Urgency,
    User,
    utc_now,
)
from docflow.models.routing import Opinion, OpinionKind, Recipient, RoutingStep, StepKind, StepStatus
from docflow.services import access, audit, delegations
from docflow.services import documents as doc_service
from docflow.services import signatures as signing_service
from docflow.services.audit import AuditAction
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.signing.base import SignatureKind
from docflow.storage import DocumentStore

OFFICE_CODE = "VP"           # Văn phòng: reviews every draft for form (thể thức)
RELATIONS = (DocumentRelation.REPLACES, DocumentRelation.CORRECTS)
MAX_EXTERNAL = 50
MAX_COMMENT = 4000
# Step labels: English msgids, translated where shown.
LABEL_CONTENT = N_("Content review")
LABEL_FORM = N_("Form review")
LABEL_REVIEW = N_("Review")
LABEL_SIGN = N_("Approval and signature")
LABEL_ISSUE = N_("Numbering, seal and issue")
ROUTED = (DocumentStatus.IN_REVIEW, DocumentStatus.AWAITING_SIGNATURE)
OPEN_STATUSES = (DocumentStatus.DRAFT, *ROUTED, DocumentStatus.SIGNED)


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
    signer = session.get(User, signer_id) if signer_id is not None else None
    if signer is None or signer.organisation_id != actor.organisation_id or not signer.is_active \
            or signer.role not in (Role.LEADER, Role.HEAD):
        raise ValidationError(N_("Choose who signs: a leader, or a head with a delegation."), field="signer_id")
    try:
        delegations.signing_mode_for(session, signer=signer, doc_type=doc_type, on=on)
    except PermissionDeniedError as exc:
        raise ValidationError(exc.message, field="signer_id", **exc.params) from None
    return signer


def _recipient_departments(session: Session, actor: User, ids: Sequence[int]) -> list[Department]:
    found = []
    for department_id in dict.fromkeys(ids):
        department = session.get(Department, department_id)
        if department is None or department.organisation_id != actor.organisation_id or not department.is_active:
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
    if original.kind is not DocumentKind.OUTGOING or original.status is not DocumentStatus.ISSUED:
        raise InvalidTransitionError(N_("Only an issued outgoing document can be replaced or corrected."))
    return original


def create_draft(session: Session, *, actor: User, data: DraftInput, upload: UploadedFile, store: DocumentStore,
                 max_bytes: int, settings: Settings | None = None, now: datetime | None = None) -> Document:
    """Create an outgoing draft (status DRAFT) from an uploaded PDF, with its signer and recipients; a
    replacement or correction names the issued document it relates to.

    Raises PermissionDeniedError, ValidationError, InvalidTransitionError, NotFoundError. Flushes.
    """
    now = now or utc_now()
    if actor.role is Role.AUDITOR or not access.can_upload(actor):
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


def get_outgoing(session: Session, *, actor: User, document_id: int, lock: bool = False) -> Document:
    """An outgoing document ``actor`` may see. Raises NotFoundError, PermissionDeniedError."""
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id, lock=lock)
    if document.kind is not DocumentKind.OUTGOING:
        raise InvalidTransitionError(N_("This is not an outgoing document."))
    return document


# --- the route ----------------------------------------------------------------------------------------

def steps_of(session: Session, document_id: int) -> list[RoutingStep]:
    """Every step of every round, in order (the route's history)."""
    return list(session.execute(
        select(RoutingStep).where(RoutingStep.document_id == document_id)
        .options(selectinload(RoutingStep.assignee))
        .order_by(RoutingStep.round, RoutingStep.position)
        .execution_options(populate_existing=True)).scalars())


def active_step(session: Session, document_id: int) -> RoutingStep | None:
    return next((s for s in steps_of(session, document_id) if s.status is StepStatus.ACTIVE), None)


def _department_head(session: Session, department_id: int | None) -> User | None:
    if department_id is None:
        return None
    return session.execute(select(User).where(User.department_id == department_id, User.role == Role.HEAD,
                                              User.is_active.is_(True)).order_by(User.id).limit(1)).scalar_one_or_none()


def default_reviewers(session: Session, document: Document) -> list[tuple[User, str]]:
    """The drafting department's head for content, then Văn phòng's head for form (once, if the same)."""
    office = session.execute(select(Department).where(Department.organisation_id == document.organisation_id,
                                                      Department.code == OFFICE_CODE)).scalar_one_or_none()
    reviewers: list[tuple[User, str]] = []
    for user, label in ((_department_head(session, document.department_id), LABEL_CONTENT),
                        (_department_head(session, office.id if office else None), LABEL_FORM)):
        if user is not None and user.id != document.created_by_id and all(u.id != user.id for u, _ in reviewers):
            reviewers.append((user, label))
    return reviewers


def _chosen_reviewers(session: Session, actor: User, reviewer_ids: Sequence[int]) -> list[tuple[User, str]]:
    chosen = []
    for user_id in dict.fromkeys(reviewer_ids):
        user = session.get(User, user_id)
        if user is None or user.organisation_id != actor.organisation_id or not user.is_active \
                or user.role not in (Role.HEAD, Role.LEADER):
            raise ValidationError(N_("Reviewers are department heads or leaders of the ward."), field="reviewer_ids")
        chosen.append((user, LABEL_REVIEW))
    return chosen


def _grant(session: Session, document: Document, users: Sequence[User], actor: User, now: datetime) -> None:
    for user in users:
        if not access.can_view(user, document):
            doc_service.ensure_grant(session, document, user, GrantReason.ROUTED, now)


def _new_round(session: Session, document: Document, reviewers: Sequence[tuple[User, str]], actor: User,
               now: datetime) -> list[RoutingStep]:
    last = session.execute(select(func.max(RoutingStep.round)).where(RoutingStep.document_id == document.id)
                           ).scalar_one()
    number = (last or 0) + 1
    signer = session.get(User, document.signer_id) if document.signer_id else None
    if signer is None:
        raise InvalidTransitionError(N_("Choose who signs before sending the draft for review."))
    plan: list[tuple[StepKind, User | None, str]] = [(StepKind.REVIEW, user, label) for user, label in reviewers]
    plan += [(StepKind.SIGN, signer, LABEL_SIGN), (StepKind.ISSUE, None, LABEL_ISSUE)]
    steps = [RoutingStep(document_id=document.id, round=number, position=i + 1, kind=kind,
                         assignee_id=user.id if user else None, label=label,
                         status=StepStatus.ACTIVE if i == 0 else StepStatus.WAITING)
             for i, (kind, user, label) in enumerate(plan)]
    session.add_all(steps)
    policy.move_status(document, DocumentStatus.IN_REVIEW if reviewers else DocumentStatus.AWAITING_SIGNATURE,
                       route_restart=True)
    document.updated_at = now
    _grant(session, document, [u for _, u, _ in plan if u is not None], actor, now)
    session.flush()
    return steps


def start_route(session: Session, *, actor: User, document_id: int, store: DocumentStore,
                reviewer_ids: Sequence[int] | None = None, now: datetime | None = None) -> list[RoutingStep]:
    """Send a draft on its route: the review steps in order (by default the department head for content and
    Văn phòng's head for form), then the signer, then the clerk's issue step; a new round each time. The
    number and date fields are added first when the draft lacks them (see ``ensure_number_fields``).

    Raises PermissionDeniedError, InvalidTransitionError (also for a PDF that cannot take the fields),
    ValidationError. Flushes.
    """
    now = now or utc_now()
    document = get_outgoing(session, actor=actor, document_id=document_id, lock=True)
    if not access.can_edit(actor, document):
        raise PermissionDeniedError(N_("You may not send this draft for review."))
    if document.status is not DocumentStatus.DRAFT:
        raise InvalidTransitionError(N_("Only a draft can be sent for review; this one is already on its way."))
    reviewers = (_chosen_reviewers(session, actor, reviewer_ids) if reviewer_ids is not None
                 else default_reviewers(session, document))
    ensure_number_fields(session, actor=actor, document=document, store=store, now=now)
    steps = _new_round(session, document, reviewers, actor, now)
    _record_route(session, actor, document, steps, now, reason="submitted")
    notify_users(session, [steps[0].assignee_id], document, N_("A draft awaits your review: %(summary)s"))
    return steps


def ensure_number_fields(session: Session, *, actor: User, document: Document, store: DocumentStore,
                         now: datetime) -> DocumentVersion | None:
    """Decree 30's empty number and date fields (``so_ky_hieu``, ``ngay_ban_hanh``) on the current version,
    before anyone reviews or signs it: added as a new version (an incremental update, audited) when missing,
    so that the clerk's seal can fill them whatever the route's first signature is. Returns that version, or
    None when the fields were already there.

    Raises InvalidTransitionError for a PDF that cannot take them (signed already, fields holding text) and
    UnreadablePdfError for one docflow cannot read, each with the reason. Flushes.
    """
    from docflow.signing.base import DATE_FIELD, NUMBER_FIELD
    from docflow.signing.sign import ensure_fields, read_text_fields
    current = document.current_version
    if current is None:
        raise InvalidTransitionError(N_("This document has no file to sign."))
    data = store.read(current.sha256)
    fields = read_text_fields(data)   # UnreadablePdfError says why (damaged, encrypted)
    values = {name: field.value for name, field in fields.items()}
    unseen = [name for name in (NUMBER_FIELD, DATE_FIELD) if name in fields and not fields[name].visible]
    if unseen:
        # the clerk would fill a value nobody sees, while the page prints whatever the drafter wrote
        raise InvalidTransitionError(N_("The number and date fields of this PDF (%(fields)s) are not visible on "
                                        "its first page. Upload the draft made from the drafting template."),
                                     fields=", ".join(unseen))
    if {NUMBER_FIELD, DATE_FIELD} - values.keys() and b"/ByteRange" in data:
        raise InvalidTransitionError(N_("This PDF is already signed, so the number and date fields cannot be "
                                        "added without breaking that signature. Upload the unsigned draft "
                                        "(made from the drafting template)."))
    filled = {value for name, value in values.items() if name in (NUMBER_FIELD, DATE_FIELD) and value.strip()}
    if filled:
        raise InvalidTransitionError(N_("The number and date fields of this PDF already hold text (%(value)s); "
                                        "the clerk fills them at issue. Upload the draft with the fields empty."),
                                     value=", ".join(sorted(filled)))
    prepared = ensure_fields(data)
    if prepared == data:
        return None
    # an incremental update keeps every object of the draft: its active content too
    version = DocumentVersion(document=document, number=current.number + 1, parent_id=current.id,
                              sha256=store.put_bytes(prepared), size=len(prepared), page_count=current.page_count,
                              active_content=current.active_content, original_filename=None, note="",
                              created_at=now, created_by_id=actor.id)
    session.add(version)
    document.updated_at = now
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_VERSION_ADDED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"version": version.number, "sha256": version.sha256, "size": version.size,
                          "parent_sha256": current.sha256, "reason": "number_and_date_fields"})
    return version


def _record_route(session: Session, actor: User, document: Document, steps: Sequence[RoutingStep],
                  now: datetime, *, reason: str) -> None:
    audit.record(session, action=AuditAction.ROUTE_STARTED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"round": steps[0].round, "reason": reason, "version": _version_number(document),
                          "steps": [{"kind": s.kind.value, "assignee_id": s.assignee_id} for s in steps]})


def _version_number(document: Document) -> int | None:
    current = document.current_version
    return current.number if current else None


def _open_step(session: Session, document: Document, step_id: int, expected_row_version: int | None) -> RoutingStep:
    """The document's active step ``step_id``, as of now (the document row is locked by the caller).
    Raises InvalidTransitionError when someone else decided it first, ConflictError for a stale page."""
    step = session.get(RoutingStep, step_id, populate_existing=True)
    if step is None or step.document_id != document.id:
        raise InvalidTransitionError(N_("This step does not belong to the document."))
    if step.status is not StepStatus.ACTIVE:
        who = session.get(User, step.decided_by_id) if step.decided_by_id else None
        if who is not None:
            raise InvalidTransitionError(N_("%(name)s has already acted on this step; reload the page to see "
                                            "the route as it is now."), name=who.full_name)
        raise InvalidTransitionError(N_("This step is not open; reload the page to see the route as it is now."))
    if expected_row_version is not None and expected_row_version != step.row_version:
        raise ConflictError(N_("This step changed after you opened the page. Reload it and try again."))
    return step


def _my_step(session: Session, actor: User, document_id: int, step_id: int, expected_row_version: int | None,
             kinds: tuple[StepKind, ...], wrong_kind: str) -> tuple[Document, RoutingStep]:
    """The locked document and its open step ``step_id``, which must be of ``kinds`` and the actor's."""
    document = get_outgoing(session, actor=actor, document_id=document_id, lock=True)
    step = _open_step(session, document, step_id, expected_row_version)
    if step.kind not in kinds:
        raise InvalidTransitionError(wrong_kind)
    if step.assignee_id != actor.id:
        raise PermissionDeniedError(N_("This step is assigned to someone else."))
    return document, step


def clean_reason(reason: str, missing: str) -> str:
    """A return or recall reason, required and at most 2000 characters. Raises ValidationError."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(missing, field="reason")
    if len(reason) > 2000:
        raise ValidationError(N_("The reason is too long (at most 2000 characters)."), field="reason")
    return reason


def _advance(session: Session, document: Document, step: RoutingStep) -> RoutingStep | None:
    """Open the step after ``step`` in its round and set the document's status to match."""
    following = session.execute(select(RoutingStep).where(
        RoutingStep.document_id == document.id, RoutingStep.round == step.round,
        RoutingStep.position > step.position).order_by(RoutingStep.position).limit(1)).scalar_one_or_none()
    if following is not None:
        following.status = StepStatus.ACTIVE
        if following.kind is StepKind.SIGN:
            policy.move_status(document, DocumentStatus.AWAITING_SIGNATURE)
    session.flush()
    return following


def _decide(step: RoutingStep, actor: User, status: StepStatus, now: datetime, version: int | None,
            reason: str = "") -> None:
    step.status = status
    step.decided_by_id = actor.id
    step.decided_at = now
    step.version_number = version
    step.reason = reason


def _refuse_stale_approvals(session: Session, document: Document, step: RoutingStep) -> None:
    """A version uploaded after an approval of this round voids the round (the approvals were about
    something else). ``add_draft_version`` starts a new round itself; this catches any other path."""
    approved = [s.version_number or 0 for s in steps_of(session, document.id)
                if s.round == step.round and s.status is StepStatus.APPROVED]
    if approved and any(v.original_filename is not None and v.number > min(approved) for v in document.versions):
        raise InvalidTransitionError(N_("The draft changed after it was approved. Return it so that it goes "
                                        "through review again."))


def approve_step(session: Session, *, actor: User, document_id: int, step_id: int,
                 expected_row_version: int | None = None, initial_pin: str = "", settings: Settings | None = None,
                 store: DocumentStore | None = None, now: datetime | None = None) -> RoutingStep:
    """A reviewer approves the active review step, optionally with a review initial (ký nháy) signed with
    their PIN; the next step opens.

    Raises PermissionDeniedError, InvalidTransitionError, ConflictError, and the signing errors. Flushes.
    """
    now = now or utc_now()
    document, step = _my_step(session, actor, document_id, step_id, expected_row_version, (StepKind.REVIEW,),
                              N_("This step is not a review."))
    _refuse_stale_approvals(session, document, step)
    if initial_pin:
        if settings is None or store is None:
            raise ValueError("an initial needs the settings and the store")
        outcome = signing_service.sign_version(session, settings=settings, store=store, actor=actor,
                                               document_id=document.id, kind=SignatureKind.INITIAL,
                                               pin=initial_pin, expected_version=_version_number(document),
                                               reason="Review initial", now=now, step=step)
        step.signature_id = outcome.signature.id
        document = get_outgoing(session, actor=actor, document_id=document_id)
    _decide(step, actor, StepStatus.APPROVED, now, _version_number(document))
    following = _advance(session, document, step)
    audit.record(session, action=AuditAction.STEP_APPROVED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"step_id": step.id, "round": step.round, "kind": step.kind.value,
                          "version": step.version_number, "initial": step.signature_id is not None})
    if following is not None:
        notify_users(session, [following.assignee_id], document,
                N_("A draft awaits your signature: %(summary)s") if following.kind is StepKind.SIGN
                else N_("A draft awaits your review: %(summary)s"))
    return step


def return_step(session: Session, *, actor: User, document_id: int, step_id: int, reason: str,
                expected_row_version: int | None = None, now: datetime | None = None) -> RoutingStep:
    """A reviewer or the signer returns the draft to the drafter with a reason; the round ends and the
    draft is a draft again (a new version and a new round follow).

    Raises PermissionDeniedError, InvalidTransitionError, ConflictError, ValidationError. Flushes.
    """
    now = now or utc_now()
    reason = clean_reason(reason, N_("Say why the draft goes back."))
    document, step = _my_step(session, actor, document_id, step_id, expected_row_version,
                              (StepKind.REVIEW, StepKind.SIGN), N_("The issue step cannot return a draft."))
    _decide(step, actor, StepStatus.RETURNED, now, _version_number(document), reason)
    _close_round(session, document, step.round)
    policy.move_status(document, DocumentStatus.DRAFT, route_restart=True)
    document.updated_at = now
    session.flush()
    audit.record(session, action=AuditAction.STEP_RETURNED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"step_id": step.id, "round": step.round, "kind": step.kind.value, "reason": reason})
    notify_users(session, [document.created_by_id], document, N_("Your draft was returned: %(summary)s"))
    return step


def _close_round(session: Session, document: Document, round_number: int) -> None:
    for other in steps_of(session, document.id):
        if other.round == round_number and other.status in (StepStatus.WAITING, StepStatus.ACTIVE):
            other.status = StepStatus.SKIPPED


def sign_step(session: Session, *, actor: User, settings: Settings, store: DocumentStore, document_id: int,
              step_id: int, pin: str, expected_version: int | None, expected_row_version: int | None = None,
              now: datetime | None = None, opened: signing_service.OpenedKey | None = None) -> RoutingStep:
    """The signer approves and signs the draft with their PIN (a personal signature whose mode line comes
    from the delegation register); the clerk's issue step opens. Status SIGNED.

    Raises PermissionDeniedError (not the signer, or not entitled that day), InvalidTransitionError,
    ConflictError, WrongPinError, CertificateError, SigningError. Flushes.
    """
    now = now or utc_now()
    document, step = _my_step(session, actor, document_id, step_id, expected_row_version, (StepKind.SIGN,),
                              N_("This step is not the signer's."))
    if document.signer_id != actor.id:
        raise PermissionDeniedError(N_("Only the chosen signer can sign this document."))
    _refuse_stale_approvals(session, document, step)
    outcome = signing_service.sign_version(session, settings=settings, store=store, actor=actor,
                                           document_id=document.id, kind=SignatureKind.PERSONAL, pin=pin,
                                           expected_version=expected_version, reason="Approved", now=now,
                                           step=step, opened=opened)
    step.signature_id = outcome.signature.id
    _decide(step, actor, StepStatus.DONE, now, outcome.version.number)
    policy.move_status(document, DocumentStatus.SIGNED)
    following = _advance(session, document, step)
    audit.record(session, action=AuditAction.STEP_APPROVED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"step_id": step.id, "round": step.round, "kind": step.kind.value,
                          "version": outcome.version.number, "mode_line": outcome.signature.mode_line})
    if following is not None:
        notify_users(session, clerks_of(session, document), document, N_("A signed document awaits issue: %(summary)s"))
    return step


def awaiting_signature_of(session: Session, *, actor: User, limit: int = 200) -> list[Document]:
    """The documents whose open step is ``actor``'s signature, oldest first (the batch signing list)."""
    return list(session.execute(
        select(Document).join(RoutingStep, RoutingStep.document_id == Document.id)
        .where(RoutingStep.assignee_id == actor.id, RoutingStep.kind == StepKind.SIGN,
               RoutingStep.status == StepStatus.ACTIVE, Document.organisation_id == actor.organisation_id)
        .options(selectinload(Document.versions)).order_by(Document.created_at, Document.id).limit(limit)).scalars())


def clerks_of(session: Session, document: Document) -> list[int]:
    return list(session.execute(select(User.id).where(User.organisation_id == document.organisation_id,
                                                      User.role == Role.CLERK, User.is_active.is_(True))).scalars())


# --- versions and comments -----------------------------------------------------------------------------

def add_draft_version(session: Session, *, actor: User, document_id: int, upload: UploadedFile,
                      store: DocumentStore, max_bytes: int, note: str = "", expected_row_version: int | None = None,
                      now: datetime | None = None) -> DocumentVersion:
    """A new version of a draft. If anyone in the current round already approved (or signed), those
    approvals no longer count: a new round starts and the draft goes through review and to the signer again.

    Raises PermissionDeniedError, InvalidTransitionError, ConflictError, ValidationError. Flushes.
    """
    now = now or utc_now()
    document = get_outgoing(session, actor=actor, document_id=document_id, lock=True)
    if document.status not in OPEN_STATUSES:
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
        _close_round(session, document, current_round)
        reviewers = [(s.assignee, s.label) for s in steps
                     if s.round == current_round and s.kind is StepKind.REVIEW and s.assignee is not None]
        new_steps = _new_round(session, document, reviewers, actor, now)
        _record_route(session, actor, document, new_steps, now, reason="changed_after_approval")
        notify_users(session, [new_steps[0].assignee_id], document,
                N_("A draft changed after approval and awaits your review again: %(summary)s"))
    return version


def add_comment(session: Session, *, actor: User, document_id: int, body: str,
                now: datetime | None = None) -> Opinion:
    """A comment in the document's thread. Raises PermissionDeniedError, ValidationError. Flushes."""
    now = now or utc_now()
    document = get_outgoing(session, actor=actor, document_id=document_id)
    if actor.is_read_only:
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


def comments_of(session: Session, document_id: int) -> list[Opinion]:
    return list(session.execute(select(Opinion).where(Opinion.document_id == document_id)
                                .options(selectinload(Opinion.author)).order_by(Opinion.created_at, Opinion.id)).scalars())


def recipients_of(session: Session, document_id: int) -> list[Recipient]:
    return list(session.execute(select(Recipient).where(Recipient.document_id == document_id)
                                .options(selectinload(Recipient.department)).order_by(Recipient.id)).scalars())


@dataclass(frozen=True)
class Related:
    original: Document | None           # what this document replaces or corrects
    followers: list[Document]           # the replacements and corrections of this document


def related_of(session: Session, *, actor: User, document: Document) -> Related:
    """The documents linked by replacement or correction, the ones ``actor`` may see."""
    original = session.get(Document, document.related_document_id) if document.related_document_id else None
    followers = session.execute(select(Document).where(Document.related_document_id == document.id,
                                                       Document.relation.in_(RELATIONS)).order_by(Document.id)).scalars()
    return Related(original=original if original is not None and access.can_view(actor, original) else None,
                   followers=[d for d in followers if access.can_view(actor, d)])


def signer_choices(session: Session, *, actor: User, doc_type: str | None, on: date) -> list[User]:
    """The leaders, and the heads with a delegation valid today (for ``doc_type`` when given)."""
    users = session.execute(select(User).where(User.organisation_id == actor.organisation_id,
                                               User.is_active.is_(True), User.role.in_((Role.LEADER, Role.HEAD)))
                            .order_by(User.role.desc(), User.full_name)).scalars()
    return [u for u in users if delegations.can_sign(session, signer=u, doc_type=doc_type or "cong_van", on=on)]


def notify_users(session: Session, user_ids: Sequence[int | None], document: Document, message: str) -> None:
    """In-app notices (and e-mail when configured) about ``document`` for each user, once each."""
    from docflow.services import notifications
    users = [u for u in (session.get(User, i) for i in dict.fromkeys(user_ids) if i is not None)
             if u is not None and u.is_active]
    if users:
        notifications.notify(session, users=users, document=document, message=message,
                             params={"summary": document.summary[:120]}, urgent=document.is_urgent)

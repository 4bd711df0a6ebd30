"""The route of an outgoing draft: review steps in order (by default the drafting department's head for
content, then Văn phòng's head for form), then the signer's step, then the clerk's issue step; a round
ends when someone returns the draft, and a new round starts when it is sent again or changed after an
approval."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session, selectinload

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_, ConflictError, InvalidTransitionError, PermissionDeniedError, ValidationError
from docflow.models import Department, Document, DocumentStatus, GrantReason, User, utc_now
from docflow.models.routing import RoutingStep, StepKind, StepStatus
from docflow.services import audit
from docflow.services import documents as doc_service
from docflow.services import signatures as signing_service
from docflow.services.audit import AuditAction
from docflow.services.formatcheck import review as format_review
from docflow.services import notifications
from docflow.services.outgoing.base import (
    ASK_ISSUE,
    ASK_REVIEW,
    ASK_SIGN,
    ROUTE_ASKS,
    clean_reason,
    clerks_of,
    get_outgoing,
    notify_users,
)
from docflow.services.outgoing.numberfields import ensure_number_fields
from docflow.services.people.eligibility import REVIEWER_ROLES, department_head
from docflow.signing.base import SignatureKind
from docflow.storage import DocumentStore

OFFICE_CODE = "VP"           # Văn phòng: reviews every draft for form (thể thức)
# Step labels: English msgids, translated where shown.
LABEL_CONTENT = N_("Content review")
LABEL_FORM = N_("Form review")
LABEL_REVIEW = N_("Review")
LABEL_SIGN = N_("Approval and signature")
LABEL_ISSUE = N_("Numbering, seal and issue")


def steps_of(session: Session, document_id: int) -> list[RoutingStep]:
    """Every step of every round, in order (the route's history)."""
    return list(session.execute(
        select(RoutingStep).where(RoutingStep.document_id == document_id)
        .options(selectinload(RoutingStep.assignee))
        .order_by(RoutingStep.round, RoutingStep.position)
        .execution_options(populate_existing=True)).scalars())


def active_step(session: Session, document_id: int) -> RoutingStep | None:
    return next((s for s in steps_of(session, document_id) if s.status is StepStatus.ACTIVE), None)


def default_reviewers(session: Session, document: Document) -> list[tuple[User, str]]:
    """The drafting department's head for content, then Văn phòng's head for form (once, if the same)."""
    office = session.execute(select(Department).where(Department.organisation_id == document.organisation_id,
                                                      Department.code == OFFICE_CODE)).scalar_one_or_none()
    reviewers: list[tuple[User, str]] = []
    for user, label in ((department_head(session, document.department_id), LABEL_CONTENT),
                        (department_head(session, office.id if office else None), LABEL_FORM)):
        if user is not None and user.id != document.created_by_id and all(u.id != user.id for u, _ in reviewers):
            reviewers.append((user, label))
    return reviewers


def reviewer_choices(session: Session, document: Document,
                     defaults: Sequence[tuple[User, str]] | None = None) -> list[User]:
    """Who the drafter may choose as reviewers (the outgoing page offers exactly these): the ward's active
    department heads and leaders, but not the drafter (no one reviews his own draft) nor the signer (whose
    own step follows the reviews); the default reviewers first, in their order. ``defaults``: what
    ``default_reviewers`` gave, when the caller has it already."""
    if defaults is None:
        defaults = default_reviewers(session, document)
    others = session.execute(select(User).where(User.organisation_id == document.organisation_id,
                                                User.role.in_(REVIEWER_ROLES), User.is_active.is_(True))
                             .order_by(User.role, User.full_name, User.id)).scalars()
    return [u for u in dict.fromkeys([*(user for user, _ in defaults), *others])
            if u.is_active and u.id not in (document.created_by_id, document.signer_id)]


def _chosen_reviewers(session: Session, document: Document, reviewer_ids: Sequence[int]) -> list[tuple[User, str]]:
    """The chosen reviewers in order, each labelled content, form (R24: the drafting department's head and
    Văn phòng's head, as by default) or review. Raises ValidationError for anyone the page does not offer
    (``reviewer_choices``)."""
    defaults = default_reviewers(session, document)
    allowed = {u.id: u for u in reviewer_choices(session, document, defaults)}
    labels = {user.id: label for user, label in defaults}
    chosen = []
    for user_id in dict.fromkeys(reviewer_ids):
        user = allowed.get(user_id)
        if user is None:
            raise ValidationError(N_("Reviewers are department heads or leaders of the ward, other than the "
                                     "drafter."), field="reviewer_ids")
        chosen.append((user, labels.get(user.id, LABEL_REVIEW)))
    return chosen


def _grant(session: Session, document: Document, users: Sequence[User], actor: User, now: datetime) -> None:
    for user in users:
        if not policy.can_view(user, document):
            doc_service.ensure_grant(session, document, user, GrantReason.ROUTED, now)


def new_round(session: Session, document: Document, reviewers: Sequence[tuple[User, str]], actor: User,
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
    if not policy.can_edit(actor, document):
        raise PermissionDeniedError(N_("You may not send this draft for review."))
    if document.status is not DocumentStatus.DRAFT:
        raise InvalidTransitionError(N_("Only a draft can be sent for review; this one is already on its way."))
    reviewers = (_chosen_reviewers(session, document, reviewer_ids) if reviewer_ids is not None
                 else default_reviewers(session, document))
    ensure_number_fields(session, actor=actor, document=document, store=store, now=now)
    steps = new_round(session, document, reviewers, actor, now)
    record_route(session, actor, document, steps, now, reason="submitted")
    notify_users(session, [steps[0].assignee_id], document, ASK_REVIEW)
    return steps



def record_route(session: Session, actor: User, document: Document, steps: Sequence[RoutingStep],
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
    # Whoever decided, the notices that asked for this decision are done (the next step's come after).
    session = object_session(step)
    if session is not None:
        notifications.settle(session, document_id=step.document_id, messages=ROUTE_ASKS, now=now)


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
    if store is not None:
        # Annex I before the review is decided: a blocking finding refuses it (issue 12, section 3)
        format_review.require_format(session, store=store, document=document)
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
                     ASK_SIGN if following.kind is StepKind.SIGN else ASK_REVIEW)
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
    close_round(session, document, step.round)
    policy.move_status(document, DocumentStatus.DRAFT, route_restart=True)
    document.updated_at = now
    session.flush()
    audit.record(session, action=AuditAction.STEP_RETURNED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"step_id": step.id, "round": step.round, "kind": step.kind.value, "reason": reason})
    notify_users(session, [document.created_by_id], document, N_("Your draft was returned: %(summary)s"))
    return step


def close_round(session: Session, document: Document, round_number: int) -> None:
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
        notify_users(session, clerks_of(session, document), document, ASK_ISSUE)
    return step


def awaiting_signature_of(session: Session, *, actor: User, limit: int = 200) -> list[Document]:
    """The documents whose open step is ``actor``'s signature, oldest first (the batch signing list)."""
    return list(session.execute(
        select(Document).join(RoutingStep, RoutingStep.document_id == Document.id)
        .where(RoutingStep.assignee_id == actor.id, RoutingStep.kind == StepKind.SIGN,
               RoutingStep.status == StepStatus.ACTIVE, Document.organisation_id == actor.organisation_id)
        .options(selectinload(Document.versions)).order_by(Document.created_at, Document.id).limit(limit)).scalars())

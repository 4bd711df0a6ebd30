"""Who may put which signature on what (DESIGN.md §3).

One table, ``SIGNATURE_TABLE``, answers every signature question: every service that signs asks
``require_signature`` before it opens a key, and the views hand its answers to the templates (``allowed_kinds``,
``policy.documents``), so a button shows exactly when the service would accept it. What the table does not decide: who may
see the document (policy.access), whether a head or leader is entitled to sign that type of document that
day (the delegation register, services.people.delegations), and that the ward's seal locks a document.

Nothing here imports the services, the database session or Flask.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from docflow.errors import N_, InvalidTransitionError, PermissionDeniedError
from docflow.models import Document, DocumentKind, DocumentStatus, Role, User
from docflow.models.routing import RoutingStep, StepKind, StepStatus
from docflow.signing.base import SignatureKind


class Via(enum.StrEnum):
    """Where a signature is applied: outside any route (the document's page), or at a step of the outgoing
    route. A later occasion (a certified copy, the closing of a register) is a new value and its own rows."""
    PAGE = "page"
    REVIEW = "review"          # StepKind.REVIEW: a head's or leader's review initial (ký nháy)
    SIGN = "sign"              # StepKind.SIGN: the chosen signer
    ISSUE = "issue"            # StepKind.ISSUE: the clerk numbers and seals
    ATTACHMENT = "attachment"  # an attachment issued as a file of its own with the document


@dataclass(frozen=True)
class SignatureRule:
    kind: SignatureKind
    roles: frozenset[Role]
    document_kinds: frozenset[DocumentKind]
    states: frozenset[DocumentStatus]
    via: Via


def _rule(kind: SignatureKind, roles: Iterable[Role], document_kinds: Iterable[DocumentKind],
          states: Iterable[DocumentStatus], via: Via) -> SignatureRule:
    return SignatureRule(kind, frozenset(roles), frozenset(document_kinds), frozenset(states), via)


K, R, D, S = SignatureKind, Role, DocumentKind, DocumentStatus

# Every signature docflow may make. Anything not matched by a row is refused. No row names
# DocumentKind.INCOMING: a document received from another body (a delivered copy of the ward's own issued
# document included) is evidence of what arrived and is kept as it came.
SIGNATURE_TABLE: tuple[SignatureRule, ...] = (
    # outgoing (văn bản đi): only on its route, each kind at its own step
    _rule(K.INITIAL, (R.HEAD, R.LEADER), (D.OUTGOING,), (S.IN_REVIEW,), Via.REVIEW),
    _rule(K.PERSONAL, (R.LEADER, R.HEAD), (D.OUTGOING,), (S.AWAITING_SIGNATURE,), Via.SIGN),
    _rule(K.ORGANISATION, (R.CLERK,), (D.OUTGOING,), (S.SIGNED,), Via.ISSUE),
    # Decree 30, Annex I: an attachment in a file of its own carries the ward's signature as text (no seal
    # image), made by the clerk when the main document is issued (services.attachments, asked with
    # Via.ATTACHMENT while the document is still SIGNED, just before it becomes ISSUED).
    _rule(K.ORGANISATION_TEXT, (R.CLERK,), (D.OUTGOING,), (S.SIGNED,), Via.ATTACHMENT),
    # internal (nội bộ), on its page while it is being handled: a head's or leader's initial, a leader's
    # signature. A head signs personally only at an outgoing route's sign step, under a delegation.
    _rule(K.INITIAL, (R.HEAD, R.LEADER), (D.INTERNAL,), (S.IN_PROGRESS,), Via.PAGE),
    _rule(K.PERSONAL, (R.LEADER,), (D.INTERNAL,), (S.IN_PROGRESS,), Via.PAGE),
)

MAY_NOT = N_("You may not apply this kind of signature.")
RECEIVED = N_("No signature goes on a document received from another body: it is kept as it arrived.")
ON_ROUTE = N_("An outgoing document is initialled, signed and issued on its route (the outgoing page), not here.")
NOT_HERE = N_("This kind of signature does not go on this document at this point of its route.")
FINISHED = N_("An issued, completed, recalled or replaced document takes no further signature.")
NOT_NOW = N_("The document is not at the point of its handling where this signature goes.")
FINAL = (S.ISSUED, S.COMPLETED, S.RECALLED, S.REPLACED)
# The order a sign form lists the kinds in: the first is preselected, so a leader signs rather than initials.
FORM_ORDER = (K.PERSONAL, K.INITIAL, K.ORGANISATION, K.ORGANISATION_TEXT)
_VIA_OF_STEP = {StepKind.REVIEW: Via.REVIEW, StepKind.SIGN: Via.SIGN, StepKind.ISSUE: Via.ISSUE}


def kinds_of_role(user: User) -> list[SignatureKind]:
    """The kinds ``user`` may apply to some document somewhere (the key to open, the menu to show)."""
    if not user.is_active or user.is_read_only:
        return []
    return [k for k in SignatureKind if any(r.kind is k and user.role in r.roles for r in SIGNATURE_TABLE)]


def may_apply(user: User, kind: SignatureKind) -> bool:
    return kind in kinds_of_role(user)


def signature_allowed(user: User, kind: SignatureKind, document: Document, step: RoutingStep | None = None,
                      via: Via | None = None) -> bool:
    """Whether ``user`` may apply ``kind`` to ``document`` now, through ``step`` (None: outside a route)."""
    return _refusal(user, kind, document, step, via) is None


def allowed_kinds(user: User, document: Document, step: RoutingStep | None = None) -> list[SignatureKind]:
    """The kinds ``user`` may apply to ``document`` now, through ``step``, in FORM_ORDER (for forms)."""
    return [k for k in FORM_ORDER if signature_allowed(user, k, document, step)]


def require_signature(user: User, kind: SignatureKind, document: Document, step: RoutingStep | None = None,
                      via: Via | None = None) -> None:
    """Raise unless the table lets ``user`` apply ``kind`` to ``document`` now, through ``step``.

    ``via`` names an occasion that is not a route step (Via.ATTACHMENT); by default it follows from ``step``.
    Raises PermissionDeniedError (the user's role never applies this kind, or the step is someone else's)
    or InvalidTransitionError (not on this kind of document, at this step or in this state).
    """
    refusal = _refusal(user, kind, document, step, via)
    if refusal is not None:
        raise refusal


def _refusal(user: User, kind: SignatureKind, document: Document, step: RoutingStep | None,
             via: Via | None) -> PermissionDeniedError | InvalidTransitionError | None:
    if not may_apply(user, kind):
        return PermissionDeniedError(MAY_NOT)
    if step is not None:
        if step.document_id != document.id or step.status is not StepStatus.ACTIVE:
            return InvalidTransitionError(N_("This step is not open."))
        if step.assignee_id is not None and step.assignee_id != user.id:
            return PermissionDeniedError(N_("This step is assigned to someone else."))
    if document.kind is DocumentKind.INCOMING:
        return InvalidTransitionError(RECEIVED)
    via = via or (_VIA_OF_STEP.get(step.kind) if step is not None else Via.PAGE)
    if via is None:
        return InvalidTransitionError(NOT_HERE)
    if document.kind is DocumentKind.OUTGOING and via is Via.PAGE:
        return InvalidTransitionError(ON_ROUTE)
    rules = [r for r in SIGNATURE_TABLE if r.kind is kind and user.role in r.roles
             and document.kind in r.document_kinds and r.via is via]
    if not rules:
        return InvalidTransitionError(NOT_HERE)
    if not any(document.status in r.states for r in rules):
        return InvalidTransitionError(FINISHED if document.status in FINAL else NOT_NOW)
    return None

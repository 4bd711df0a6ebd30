"""What a user may do with one document now: the questions a document page asks before it shows a form.

``document_permissions`` answers them as a frozen ``DocumentPermissions`` value that the page's view hands to
its template; each answer is the one the service behind the form would give (the signature table, access,
the user's role), so a form shows exactly when submitting it could succeed.
"""

from __future__ import annotations

from dataclasses import dataclass

from docflow.models import Document, DocumentKind, DocumentStatus, User
from docflow.models.routing import RoutingStep, StepKind
from docflow.policy.access import can_edit
from docflow.policy.roles import may_comment, may_draft, may_read_audit_log, may_recall
from docflow.policy.signatures import signature_allowed
from docflow.policy.states import ROUTE_OPEN
from docflow.signing.base import SignatureKind

FROZEN = frozenset({DocumentStatus.RECALLED, DocumentStatus.REPLACED})


@dataclass(frozen=True)
class DocumentPermissions:
    edit: bool = False           # change the metadata
    add_version: bool = False    # a new version on the document page (not an outgoing one, not frozen)
    revise_draft: bool = False   # a new version of an outgoing document while its route is open
    route: bool = False          # send a draft for review
    approve: bool = False        # decide the open review step
    send_back: bool = False      # return the document to its drafter from the open review or sign step
    initial: bool = False
    sign: bool = False
    issue: bool = False
    recall: bool = False
    follow_up: bool = False      # a replacement or a correction of an issued document
    comment: bool = False
    check_chain: bool = False    # compare the PDF's signatures with docflow's records


def is_step_holder(user: User, step: RoutingStep | None, *kinds: StepKind) -> bool:
    """Whether ``step`` (the open step of a route) is of one of ``kinds`` and assigned to ``user``."""
    return step is not None and step.assignee_id == user.id and step.kind in kinds


def _at_step(user: User, kind: SignatureKind, document: Document, step: RoutingStep | None) -> bool:
    return step is not None and signature_allowed(user, kind, document, step)


def document_permissions(user: User, document: Document, step: RoutingStep | None = None) -> DocumentPermissions:
    """Every answer for ``user`` on ``document`` now; ``step`` is the open step of its route, if any.

    The caller has already shown that ``user`` may see the document (the service that loaded it).
    """
    editable = can_edit(user, document)
    issued = document.status is DocumentStatus.ISSUED
    return DocumentPermissions(
        edit=editable,
        add_version=editable and document.kind is not DocumentKind.OUTGOING and document.status not in FROZEN,
        revise_draft=editable and document.status in ROUTE_OPEN,
        route=editable and document.status is DocumentStatus.DRAFT,
        approve=is_step_holder(user, step, StepKind.REVIEW),
        send_back=is_step_holder(user, step, StepKind.REVIEW, StepKind.SIGN),
        initial=_at_step(user, SignatureKind.INITIAL, document, step),
        sign=_at_step(user, SignatureKind.PERSONAL, document, step),
        issue=_at_step(user, SignatureKind.ORGANISATION, document, step),
        recall=issued and may_recall(user),
        follow_up=issued and may_draft(user),
        comment=may_comment(user),
        check_chain=may_read_audit_log(user))

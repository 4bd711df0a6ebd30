"""The signature policy and the forward order of states, as pure functions on unsaved rows."""

from __future__ import annotations

import pytest

from docflow import policy
from docflow.errors import InvalidTransitionError, PermissionDeniedError
from docflow.models import Document, DocumentKind, DocumentRelation, DocumentStatus, Role, User
from docflow.models.routing import RoutingStep, StepKind, StepStatus
from docflow.signing.base import SignatureKind

S = DocumentStatus


def _user(role: Role, user_id: int = 1, *, active: bool = True) -> User:
    return User(id=user_id, role=role, is_active=active, username=f"u{user_id}", full_name="x", password_hash="x")


def _document(kind: DocumentKind, status: DocumentStatus, **extra: object) -> Document:
    return Document(id=7, kind=kind, status=status, doc_type="cong_van", summary="x", **extra)


def _step(kind: StepKind, assignee_id: int | None, status: StepStatus = StepStatus.ACTIVE) -> RoutingStep:
    return RoutingStep(id=3, document_id=7, kind=kind, assignee_id=assignee_id, status=status, position=1, round=1)


def test_a_delivered_copy_of_the_wards_own_document_is_received_and_takes_no_signature():
    copy = _document(DocumentKind.INCOMING, S.FOR_INFORMATION, relation=DocumentRelation.COPY_OF)
    for role in Role:
        assert policy.allowed_kinds(_user(role), copy) == []
    with pytest.raises(InvalidTransitionError, match="received from another body"):
        policy.require_signature(_user(Role.LEADER), SignatureKind.PERSONAL, copy)


def test_the_text_stamp_is_the_clerks_for_attachments_only_and_nothing_asks_for_it_yet():
    clerk = _user(Role.CLERK)
    signed = _document(DocumentKind.OUTGOING, S.SIGNED)
    assert policy.signature_allowed(clerk, SignatureKind.ORGANISATION_TEXT, signed, via=policy.Via.ATTACHMENT)
    assert not policy.signature_allowed(clerk, SignatureKind.ORGANISATION_TEXT, signed, _step(StepKind.ISSUE, None))
    assert policy.signature_allowed(clerk, SignatureKind.ORGANISATION, signed, _step(StepKind.ISSUE, None))


def test_a_step_signs_only_for_its_own_assignee_and_only_while_open():
    head = _user(Role.HEAD, 5)
    in_review = _document(DocumentKind.OUTGOING, S.IN_REVIEW)
    assert policy.signature_allowed(head, SignatureKind.INITIAL, in_review, _step(StepKind.REVIEW, 5))
    with pytest.raises(PermissionDeniedError, match="someone else"):
        policy.require_signature(head, SignatureKind.INITIAL, in_review, _step(StepKind.REVIEW, 6))
    with pytest.raises(InvalidTransitionError, match="not open"):
        policy.require_signature(head, SignatureKind.INITIAL, in_review,
                                 _step(StepKind.REVIEW, 5, StepStatus.APPROVED))


def test_an_inactive_user_or_an_auditor_applies_nothing():
    memo = _document(DocumentKind.INTERNAL, S.IN_PROGRESS)
    assert policy.allowed_kinds(_user(Role.LEADER, active=False), memo) == []
    assert policy.kinds_of_role(_user(Role.AUDITOR)) == []
    assert policy.allowed_kinds(_user(Role.LEADER), memo) == [SignatureKind.PERSONAL, SignatureKind.INITIAL]


@pytest.mark.parametrize(("old", "new"), [
    (S.ISSUED, S.SIGNED), (S.COMPLETED, S.SIGNED), (S.COMPLETED, S.IN_PROGRESS), (S.RECALLED, S.ISSUED),
    (S.REPLACED, S.ISSUED), (S.SIGNED, S.AWAITING_SIGNATURE), (S.IN_PROGRESS, S.REGISTERED),
])
def test_no_move_goes_back_but_the_routes_own_return_before_issue(old, new):
    document = _document(DocumentKind.OUTGOING, old)
    with pytest.raises(InvalidTransitionError, match="never goes back"):
        policy.move_status(document, new)
    if old in (S.ISSUED, S.COMPLETED, S.RECALLED, S.REPLACED):
        with pytest.raises(InvalidTransitionError):
            policy.move_status(document, S.DRAFT, route_restart=True)
    assert document.status is old


def test_forward_moves_and_the_routes_restarts_are_allowed():
    document = _document(DocumentKind.OUTGOING, S.DRAFT)
    for new in (S.IN_REVIEW, S.AWAITING_SIGNATURE, S.SIGNED, S.ISSUED, S.RECALLED):
        policy.move_status(document, new)
    assert document.status is S.RECALLED
    signed = _document(DocumentKind.OUTGOING, S.SIGNED)
    policy.move_status(signed, S.IN_REVIEW, route_restart=True)
    policy.move_status(signed, S.DRAFT, route_restart=True)
    assert signed.status is S.DRAFT

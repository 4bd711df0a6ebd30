"""The global and per-document permission answers (policy.roles, policy.documents), as pure functions on
unsaved rows. The global answers are pinned to the role tests the templates made before they asked the policy,
so the menus show exactly what they showed."""

from __future__ import annotations

import dataclasses

import pytest

from docflow import policy
from docflow.models import Confidentiality, Delegation, Document, DocumentKind, DocumentStatus, Role, User
from docflow.models.routing import RoutingStep, StepKind, StepStatus

R, S = Role, DocumentStatus


def _user(role: Role, user_id: int = 1, *, active: bool = True, department_id: int | None = 1) -> User:
    return User(id=user_id, organisation_id=1, department_id=department_id, role=role, is_active=active,
                username=f"u{user_id}", full_name="x", password_hash="x")


def _document(kind: DocumentKind, status: DocumentStatus, *, created_by_id: int = 1) -> Document:
    return Document(id=7, organisation_id=1, department_id=1, kind=kind, status=status, doc_type="cong_van",
                    summary="x", created_by_id=created_by_id, confidentiality=Confidentiality.NORMAL)


def _step(kind: StepKind, assignee_id: int) -> RoutingStep:
    return RoutingStep(id=3, document_id=7, kind=kind, assignee_id=assignee_id, status=StepStatus.ACTIVE,
                       position=1, round=1)


# What base.html, home/index.html, incoming/index.html and outgoing/index.html tested before.
TEMPLATE_RULES = {
    "register_incoming": lambda role: role is R.CLERK,
    "write_memo": lambda role: role in (R.HEAD, R.LEADER),
    "draft": lambda role: role is not R.AUDITOR,
    "upload": lambda role: role is not R.AUDITOR,
    "comment": lambda role: role is not R.AUDITOR,
    "read_registers": lambda role: role in (R.CLERK, R.LEADER, R.AUDITOR, R.ADMIN),
    "list_delegations": lambda role: role in (R.LEADER, R.ADMIN, R.AUDITOR),
    "confirm_access_changes": lambda role: role is R.LEADER,
    "read_audit_log": lambda role: role in (R.AUDITOR, R.ADMIN),
    "administer": lambda role: role is R.ADMIN,
    "delegate_for_others": lambda role: role is R.ADMIN,
    "sign_batches": lambda role: role in (R.LEADER, R.HEAD),
    "verify_uploads": lambda role: role is not R.ADMIN,
}


@pytest.mark.parametrize("role", list(Role))
def test_the_global_answers_are_what_the_templates_tested(role: Role):
    perms = policy.permissions_for(_user(role))
    for name, rule in TEMPLATE_RULES.items():
        assert getattr(perms, name) is rule(role), name
    assert perms.role is role


@pytest.mark.parametrize("role", list(Role))
def test_the_menu_keeps_new_draft_from_administrators_and_auditors(role: Role):
    perms = policy.permissions_for(_user(role))
    assert (perms.draft and not perms.administer) is (role not in (R.AUDITOR, R.ADMIN))


@pytest.mark.parametrize("role", list(Role))
def test_an_inactive_user_may_do_nothing(role: Role):
    perms = policy.permissions_for(_user(role, active=False))
    assert not any(v for k, v in dataclasses.asdict(perms).items() if k != "role")


def test_no_user_gets_no_permission_and_the_answers_are_frozen():
    assert policy.permissions_for(None) == policy.NOBODY
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.NOBODY.administer = True  # type: ignore[misc]


def test_the_single_questions_follow_their_roles():
    assert policy.may_direct(_user(R.LEADER)) and not policy.may_direct(_user(R.HEAD))
    assert policy.may_recall(_user(R.CLERK)) and policy.may_recall(_user(R.LEADER))
    assert not policy.may_recall(_user(R.HEAD))
    assert policy.may_read_access_changes(_user(R.AUDITOR)) and policy.may_read_access_changes(_user(R.LEADER))
    assert not policy.may_read_access_changes(_user(R.HEAD))
    assert policy.may_manage_delegations(_user(R.ADMIN)) and not policy.may_manage_delegations(_user(R.AUDITOR))


def test_a_delegation_is_revoked_by_its_delegator_its_recorder_or_an_administrator():
    delegation = Delegation(id=1, delegator_id=10, created_by_id=11, delegate_id=12)
    assert policy.may_revoke_delegation(_user(R.LEADER, 10), delegation)
    assert policy.may_revoke_delegation(_user(R.LEADER, 11), delegation)
    assert policy.may_revoke_delegation(_user(R.ADMIN, 99), delegation)
    assert not policy.may_revoke_delegation(_user(R.LEADER, 99), delegation)
    assert not policy.may_revoke_delegation(_user(R.HEAD, 10), delegation)
    assert not policy.may_revoke_delegation(_user(R.LEADER, 10, active=False), delegation)


def test_the_drafter_edits_and_routes_a_draft_and_changes_it_while_the_route_is_open():
    drafter = _user(R.OFFICIAL, 1)
    may = policy.document_permissions(drafter, _document(DocumentKind.OUTGOING, S.DRAFT))
    assert may.edit and may.revise_draft and may.route and may.comment
    assert not (may.add_version or may.approve or may.sign or may.issue or may.recall or may.check_chain)
    issued = policy.document_permissions(drafter, _document(DocumentKind.OUTGOING, S.ISSUED))
    assert issued.edit and not issued.revise_draft and not issued.route
    assert issued.follow_up and not issued.recall


def test_the_holder_of_the_open_step_approves_initials_signs_and_sends_back():
    head = _user(R.HEAD, 5)
    in_review = _document(DocumentKind.OUTGOING, S.IN_REVIEW, created_by_id=2)
    mine = policy.document_permissions(head, in_review, _step(StepKind.REVIEW, 5))
    assert mine.approve and mine.send_back and mine.initial and not mine.sign
    theirs = policy.document_permissions(head, in_review, _step(StepKind.REVIEW, 6))
    assert not (theirs.approve or theirs.send_back or theirs.initial)
    leader = _user(R.LEADER, 8)
    at_sign = policy.document_permissions(leader, _document(DocumentKind.OUTGOING, S.AWAITING_SIGNATURE),
                                          _step(StepKind.SIGN, 8))
    assert at_sign.sign and at_sign.send_back and not at_sign.approve
    assert not policy.document_permissions(leader, _document(DocumentKind.OUTGOING, S.AWAITING_SIGNATURE)).sign


def test_the_clerk_issues_at_the_issue_step_and_recalls_an_issued_document():
    clerk = _user(R.CLERK, 4)
    signed = _document(DocumentKind.OUTGOING, S.SIGNED, created_by_id=2)
    assert policy.document_permissions(clerk, signed, _step(StepKind.ISSUE, 4)).issue
    issued = policy.document_permissions(clerk, _document(DocumentKind.OUTGOING, S.ISSUED, created_by_id=2))
    assert issued.recall and issued.follow_up


def test_an_auditor_only_reads_and_checks_the_signature_chain():
    may = policy.document_permissions(_user(R.AUDITOR, 3), _document(DocumentKind.OUTGOING, S.ISSUED, created_by_id=2))
    assert may.check_chain
    assert not any(v for k, v in dataclasses.asdict(may).items() if k != "check_chain")


def test_a_version_goes_on_the_document_page_only_for_a_document_that_is_not_outgoing_nor_frozen():
    clerk = _user(R.CLERK, 4)
    assert policy.document_permissions(clerk, _document(DocumentKind.INCOMING, S.REGISTERED)).add_version
    assert not policy.document_permissions(clerk, _document(DocumentKind.INCOMING, S.RECALLED)).add_version
    assert not policy.document_permissions(clerk, _document(DocumentKind.OUTGOING, S.DRAFT)).add_version
    assert policy.document_permissions(clerk, _document(DocumentKind.INCOMING, S.RECALLED)).edit

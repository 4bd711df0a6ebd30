"""Access changes that wait for another leader (issue 10, section 5): lowering a document's confidentiality and
forwarding a confidential document to another department; and who reads a verification report by digest."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import select

from docflow import policy
from docflow.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError
from docflow.models import AssignmentStatus, AuditEvent, Confidentiality, Role
from docflow.services import incoming
from docflow.services.signatures import verification_log
from docflow.services.people import access_changes
from docflow.services import documents as doc_service
from docflow.services import signatures as signing_service
from docflow.services.documents import DocumentInput
from docflow.services.people import update_user
from tests.services.incoming.test_incoming import NOW, directed, register, settings, ward  # noqa: F401 - fixtures


def _proposal(db_session: Any, action: str) -> AuditEvent:
    return db_session.execute(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()


def _flagged(db_session: Any, actor: Any) -> list[int]:
    return [c.event.seq for c in access_changes.unconfirmed_changes(db_session, actor=actor)]


def _lower(db_session: Any, actor: Any, document: Any, level: Confidentiality) -> None:
    data = DocumentInput(kind=document.kind, doc_type=document.doc_type, summary=document.summary,
                         department_id=document.department_id, issuing_body=document.issuing_body,
                         confidentiality=level)
    doc_service.edit_metadata(db_session, actor=actor, document_id=document.id, data=data,
                              expected_row_version=document.row_version)


@pytest.fixture
def secret(make_user: Any, make_document: Any) -> Any:
    official = make_user(Role.OFFICIAL)
    return official, make_document(official, confidentiality=Confidentiality.SECRET)


def test_any_lowering_is_refused_to_those_who_are_not_leaders_even_between_secret_levels(db_session, make_user,
                                                                                         secret):
    official, document = secret
    for level in (Confidentiality.CONFIDENTIAL, Confidentiality.NORMAL):
        with pytest.raises(PermissionDeniedError):
            _lower(db_session, official, document, level)
    assert document.confidentiality is Confidentiality.SECRET


def test_a_lowering_is_flagged_and_confirmed_once_by_another_leader(db_session, make_user, secret):
    _, document = secret
    chairman, vice = make_user(Role.LEADER), make_user(Role.LEADER)
    _lower(db_session, chairman, document, Confidentiality.NORMAL)
    proposal = _proposal(db_session, "document.confidentiality_lowering_proposed")
    assert proposal.details == {"from": "secret", "to": "normal"} and proposal.seq in _flagged(db_session, vice)
    assert document.confidentiality is Confidentiality.SECRET
    with pytest.raises(PermissionDeniedError):
        access_changes.confirm_change(db_session, actor=chairman, seq=proposal.seq)

    access_changes.confirm_change(db_session, actor=vice, seq=proposal.seq)

    assert document.confidentiality is Confidentiality.NORMAL
    assert proposal.seq not in _flagged(db_session, vice)
    with pytest.raises(InvalidTransitionError):
        access_changes.confirm_change(db_session, actor=vice, seq=proposal.seq)


def test_a_declined_lowering_never_takes_effect(db_session, make_user, secret):
    _, document = secret
    chairman, vice = make_user(Role.LEADER), make_user(Role.LEADER)
    _lower(db_session, chairman, document, Confidentiality.NORMAL)
    seq = _proposal(db_session, "document.confidentiality_lowering_proposed").seq
    access_changes.decline_change(db_session, actor=vice, seq=seq)
    assert document.confidentiality is Confidentiality.SECRET and seq not in _flagged(db_session, vice)
    with pytest.raises(InvalidTransitionError):
        access_changes.confirm_change(db_session, actor=vice, seq=seq)


def test_a_lowering_proposed_before_the_level_changed_no_longer_applies(db_session, make_user, secret):
    _, document = secret
    chairman, vice = make_user(Role.LEADER), make_user(Role.LEADER)
    _lower(db_session, chairman, document, Confidentiality.NORMAL)
    seq = _proposal(db_session, "document.confidentiality_lowering_proposed").seq
    _lower(db_session, chairman, document, Confidentiality.TOP_SECRET)        # raising takes effect at once
    assert document.confidentiality is Confidentiality.TOP_SECRET
    with pytest.raises(InvalidTransitionError):
        access_changes.confirm_change(db_session, actor=vice, seq=seq)
    assert document.confidentiality is Confidentiality.TOP_SECRET


def test_a_change_that_took_effect_cannot_be_declined(db_session, make_user):
    admin, leader, official = make_user(Role.ADMIN), make_user(Role.LEADER), make_user(Role.OFFICIAL)
    update_user(db_session, actor=admin, user_id=official.id, role=Role.HEAD, post="", full_name=official.full_name,
                department_id=official.department_id)
    seq = _proposal(db_session, "user.updated").seq
    with pytest.raises(InvalidTransitionError):
        access_changes.decline_change(db_session, actor=leader, seq=seq)


# -- forwarding ----------------------------------------------------------------------------------------------


def _forwarded_out(db_session: Any, ward: Any, directed: Any, settings: Any) -> Any:
    d = directed(confidentiality=Confidentiality.CONFIDENTIAL)
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW)
    new = incoming.forward_assignment(db_session, actor=ward.handler, assignment_id=child.id, note="Sai bộ phận",
                                      to_user_id=ward.official_tp.id, settings=settings, now=NOW)
    return dataclasses.make_dataclass("Forward", ["document", "old", "new", "seq"])(
        d.document, child, new, _proposal(db_session, "assignment.forward_proposed").seq)


def test_a_confirmed_forward_opens_the_assignment_and_its_grants_need_no_second_confirmation(
        db_session, ward, directed, settings):
    f = _forwarded_out(db_session, ward, directed, settings)
    assert f.new.status is AssignmentStatus.PENDING and f.old.status is AssignmentStatus.FORWARDED
    assert not policy.can_view(ward.official_tp, f.document)
    assert f.seq in _flagged(db_session, ward.leader)

    access_changes.confirm_change(db_session, actor=ward.leader, seq=f.seq)

    assert f.new.status is AssignmentStatus.OPEN and policy.can_view(ward.official_tp, f.document)
    assert incoming.can_act(ward.official_tp, f.new)
    assert f.seq not in _flagged(db_session, ward.vice)
    grants = [e for e in db_session.execute(select(AuditEvent).where(
        AuditEvent.action == "document.access_granted", AuditEvent.object_id == str(f.document.id))).scalars()
        if e.details["user_id"] == ward.official_tp.id]
    assert grants and all(g.details["confirms"] == f.seq for g in grants)
    assert not {g.seq for g in grants} & set(_flagged(db_session, ward.vice))


def test_a_declined_forward_goes_back_to_its_holder(db_session, ward, directed, settings):
    f = _forwarded_out(db_session, ward, directed, settings)
    access_changes.decline_change(db_session, actor=ward.vice, seq=f.seq)
    assert f.new.status is AssignmentStatus.CANCELLED and not policy.can_view(ward.official_tp, f.document)
    assert incoming.can_act(ward.handler, f.old)
    with pytest.raises(InvalidTransitionError):
        access_changes.confirm_change(db_session, actor=ward.leader, seq=f.seq)


def test_a_head_sending_a_confidential_department_assignment_elsewhere_waits_too(db_session, ward, directed,
                                                                                 settings):
    d = directed(confidentiality=Confidentiality.CONFIDENTIAL)
    new = incoming.forward_assignment(db_session, actor=ward.head_dc, assignment_id=d.lead.id, note="Sai bộ phận",
                                      to_user_id=ward.official_vp.id, settings=settings, now=NOW)
    assert new.status is AssignmentStatus.PENDING and not policy.can_view(ward.official_vp, d.document)


def test_a_normal_document_is_forwarded_across_departments_at_once(db_session, ward, directed, settings):
    d = directed()
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW)
    new = incoming.forward_assignment(db_session, actor=ward.handler, assignment_id=child.id, note="Chuyển",
                                      to_user_id=ward.official_tp.id, settings=settings, now=NOW)
    assert new.status is AssignmentStatus.OPEN and policy.can_view(ward.official_tp, d.document)


# -- verification reports by digest --------------------------------------------------------------------------


def test_a_report_by_digest_is_for_readers_of_a_document_with_those_bytes_or_who_verified_the_file(
        db_session, make_user, make_document, settings, store):
    owner, outsider, verifier = make_user(Role.OFFICIAL), make_user(Role.OFFICIAL), make_user(Role.OFFICIAL)
    document = make_document(owner, confidentiality=Confidentiality.TOP_SECRET)
    sha256 = document.current_version.sha256
    with pytest.raises(NotFoundError):     # nothing kept yet, even for the owner
        verification_log.report_by_digest(db_session, actor=owner, settings=settings, sha256=sha256)
    report = signing_service.verify_version(db_session, settings=settings, store=store, actor=owner,
                                            document_id=document.id, version_number=None)

    assert verification_log.report_by_digest(db_session, actor=owner, settings=settings, sha256=sha256) == report
    for stranger in (outsider, verifier, make_user(Role.ADMIN)):
        with pytest.raises(NotFoundError):
            verification_log.report_by_digest(db_session, actor=stranger, settings=settings, sha256=sha256)
    verification_log.record_verification(db_session, actor=verifier, report=report)    # the verify page
    assert verification_log.report_by_digest(db_session, actor=verifier, settings=settings, sha256=sha256)
    with pytest.raises(NotFoundError):
        verification_log.report_by_digest(db_session, actor=outsider, settings=settings, sha256=sha256)

"""Changes of access rights stay flagged until another leader confirms them (Decree 30, Annex VI)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from docflow.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError
from docflow.models import AuditEvent, Role
from docflow.models.routing import SigningMode
from docflow.services.people import access_changes, delegations
from docflow.services.people import update_user


def _flagged(db_session, actor) -> list[int]:
    return [c.event.seq for c in access_changes.unconfirmed_changes(db_session, actor=actor)]


def test_a_role_change_stays_flagged_until_a_leader_confirms_it(db_session, make_user):
    admin, leader, official = make_user(Role.ADMIN), make_user(Role.LEADER), make_user(Role.OFFICIAL)
    update_user(db_session, actor=admin, user_id=official.id, role=Role.HEAD, post="Trưởng bộ phận",
                department_id=official.department_id, full_name=official.full_name)
    change = db_session.execute(select(AuditEvent).where(AuditEvent.action == "user.updated")
                                .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert change.seq in _flagged(db_session, leader)

    confirmation = access_changes.confirm_change(db_session, actor=leader, seq=change.seq)

    assert change.seq not in _flagged(db_session, leader)
    assert (confirmation.action, confirmation.object_type, confirmation.object_id) == \
        ("access_change.confirmed", "audit_event", str(change.seq))
    assert confirmation.details["action"] == "user.updated" and confirmation.actor_id == leader.id
    with pytest.raises(InvalidTransitionError):
        access_changes.confirm_change(db_session, actor=leader, seq=change.seq)


def test_a_name_change_is_not_a_change_of_rights(db_session, make_user):
    admin, leader, official = make_user(Role.ADMIN), make_user(Role.LEADER), make_user(Role.OFFICIAL)
    before = set(_flagged(db_session, leader))
    update_user(db_session, actor=admin, user_id=official.id, role=official.role, post="Chuyên viên",
                department_id=official.department_id, full_name="Tên Mới")
    assert set(_flagged(db_session, leader)) == before
    name_change = db_session.execute(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    with pytest.raises(NotFoundError):
        access_changes.confirm_change(db_session, actor=leader, seq=name_change)


def test_a_leader_does_not_confirm_his_own_delegation_and_others_cannot_confirm(db_session, make_user):
    chairman, vice = make_user(Role.LEADER), make_user(Role.LEADER)
    head, auditor = make_user(Role.HEAD), make_user(Role.AUDITOR)
    chairman.post = "Chủ tịch"
    delegation = delegations.create_delegation(db_session, actor=chairman, delegate_id=head.id,
                                               delegator_id=chairman.id, mode=SigningMode.TL, doc_types=None,
                                               valid_from=date(2026, 11, 1), valid_to=None)
    seq = db_session.execute(select(AuditEvent.seq).where(AuditEvent.action == "delegation.created",
                                                          AuditEvent.object_id == str(delegation.id))).scalar_one()
    assert seq in _flagged(db_session, auditor)  # auditors see the list too
    for outsider in (chairman, head, auditor):
        with pytest.raises(PermissionDeniedError):
            access_changes.confirm_change(db_session, actor=outsider, seq=seq)
    access_changes.confirm_change(db_session, actor=vice, seq=seq)
    assert seq not in _flagged(db_session, vice)
    with pytest.raises(PermissionDeniedError):
        access_changes.unconfirmed_changes(db_session, actor=head)


def test_a_signing_certificate_issued_is_a_change_of_rights(db_session, make_user, issue_cert):
    leader, head = make_user(Role.LEADER), make_user(Role.HEAD)
    certificate = issue_cert(head)
    seq = db_session.execute(select(AuditEvent.seq).where(AuditEvent.action == "certificate.issued")
                             .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    changes = {c.event.seq: c for c in access_changes.unconfirmed_changes(db_session, actor=leader)}
    assert seq in changes and changes[seq].summary == "Signing certificate issued" and certificate.holder_id == head.id


def test_a_leader_does_not_confirm_a_change_that_concerns_himself(db_session, make_user):
    admin, chairman, vice = make_user(Role.ADMIN), make_user(Role.LEADER), make_user(Role.LEADER)
    update_user(db_session, actor=admin, user_id=vice.id, role=Role.LEADER, post="Phó Chủ tịch",
                department_id=admin.department_id, full_name=vice.full_name)
    seq = db_session.execute(select(AuditEvent.seq).where(AuditEvent.action == "user.updated")
                             .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    with pytest.raises(PermissionDeniedError):
        access_changes.confirm_change(db_session, actor=vice, seq=seq)
    access_changes.confirm_change(db_session, actor=chairman, seq=seq)

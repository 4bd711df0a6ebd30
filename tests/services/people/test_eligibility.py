"""Who may take part in a document's flow: the checks the incoming and the outgoing flow share."""

from __future__ import annotations

from docflow.models import Department, Organisation, Role, User
from docflow.services.people import eligibility


def _other_ward(db_session) -> tuple[Organisation, Department, User]:
    other = Organisation(name="UBND phường Bên Cạnh", code="BC")
    department = Department(organisation=other, name="Văn phòng", code="VP")
    user = User(organisation=other, username="ngoai", full_name="Người ngoài", role=Role.LEADER, post="",
                department=department, password_hash="x", is_active=True)
    db_session.add_all([other, department, user])
    db_session.flush()
    return other, department, user


def test_a_ward_member_is_active_of_the_ward_and_in_one_of_the_roles(db_session, org, make_user):
    leader, official = make_user(Role.LEADER), make_user(Role.OFFICIAL)
    retired = make_user(Role.LEADER, active=False)
    _, _, stranger = _other_ward(db_session)
    roles = eligibility.REVIEWER_ROLES
    assert eligibility.ward_member(db_session, org.id, leader.id, roles) is leader
    assert eligibility.ward_member(db_session, org.id, official.id, roles) is None
    assert eligibility.ward_member(db_session, org.id, official.id, eligibility.HANDLER_ROLES) is official
    assert eligibility.ward_member(db_session, org.id, retired.id, roles) is None
    assert eligibility.ward_member(db_session, org.id, stranger.id, roles) is None
    assert eligibility.ward_member(db_session, org.id, None, roles) is None
    assert eligibility.ward_member(db_session, org.id, 987654, roles) is None
    assert not eligibility.is_ward_member(None, org.id, roles)


def test_the_roles_each_flow_asks_for(db_session):
    assert set(eligibility.HANDLER_ROLES) == {Role.OFFICIAL, Role.HEAD, Role.LEADER}
    assert set(eligibility.SIGNER_ROLES) == set(eligibility.REVIEWER_ROLES) == {Role.HEAD, Role.LEADER}
    assert set(eligibility.DEPARTMENT_MEMBER_ROLES) == {Role.OFFICIAL, Role.HEAD}


def test_an_active_department_belongs_to_the_ward_and_is_not_closed(db_session, org, make_department):
    open_one, closed = make_department(), make_department()
    closed.is_active = False
    _, foreign, _ = _other_ward(db_session)
    assert eligibility.active_department(db_session, org.id, open_one.id) is open_one
    assert eligibility.active_department(db_session, org.id, closed.id) is None
    assert eligibility.active_department(db_session, org.id, foreign.id) is None
    assert eligibility.active_department(db_session, org.id, None) is None
    assert not eligibility.is_active_department(None, org.id)


def test_a_department_member_is_an_active_official_or_head_of_that_department(db_session, make_user,
                                                                              make_department):
    department, elsewhere = make_department(), make_department()
    official, head = make_user(Role.OFFICIAL, department=department), make_user(Role.HEAD, department=department)
    clerk = make_user(Role.CLERK, department=department)
    gone = make_user(Role.OFFICIAL, department=department, active=False)
    other = make_user(Role.OFFICIAL, department=elsewhere)
    assert eligibility.is_department_member(official, department.id)
    assert eligibility.is_department_member(head, department.id)
    assert not eligibility.is_department_member(clerk, department.id)
    assert not eligibility.is_department_member(gone, department.id)
    assert not eligibility.is_department_member(other, department.id)
    assert not eligibility.is_department_member(None, department.id)
    assert not eligibility.is_department_member(official, None)


def test_heads_and_members_of_a_department(db_session, make_user, make_department):
    department, empty = make_department(), make_department()
    first = make_user(Role.HEAD, department=department, full_name="An Head")
    second = make_user(Role.HEAD, department=department, full_name="Ba Head")
    make_user(Role.HEAD, department=department, active=False)
    official = make_user(Role.OFFICIAL, department=department, full_name="Cường")
    make_user(Role.CLERK, department=department)
    assert eligibility.department_heads(db_session, department.id) == [first, second]
    assert eligibility.department_head(db_session, department.id) is first
    assert eligibility.department_head(db_session, empty.id) is None
    assert eligibility.department_head(db_session, None) is None
    assert eligibility.department_heads(db_session, empty.id) == []
    # Officials first, then heads; by name within each.
    assert eligibility.department_members(db_session, department.id) == [official, first, second]

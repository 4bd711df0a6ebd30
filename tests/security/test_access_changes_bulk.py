"""R51: confirming changes of access rights in bulk is refused as a single confirmation is (other roles,
another ward's change, no CSRF token, a change already decided, a change about oneself), and a refusal
confirms nothing at all: no partial effects."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError
from docflow.models import AuditEvent, Organisation, Role, User
from docflow.services import audit
from docflow.services.people import access_changes, update_user


def _confirmations(db_session: Session) -> int:
    return db_session.execute(select(func.count()).where(
        AuditEvent.action == "access_change.confirmed")).scalar_one()


def _role_changes(db_session: Session, admin: User, users: list[User]) -> list[int]:
    seqs = []
    for user in users:
        update_user(db_session, actor=admin, user_id=user.id, role=Role.CLERK, post="",
                    department_id=user.department_id, full_name=user.full_name)
        seqs.append(db_session.execute(select(func.max(AuditEvent.seq)).where(
            AuditEvent.organisation_id == admin.organisation_id)).scalar_one())
    return seqs


def _other_ward_change(db_session: Session) -> int:
    other = Organisation(name="UBND phường Khác", code="UBNDK")
    db_session.add(other)
    db_session.flush()
    admin, official = (User(organisation=other, username=f"khac-{r.value}", full_name="Người phường khác", role=r,
                            post="", password_hash="x", is_active=True) for r in (Role.ADMIN, Role.OFFICIAL))
    db_session.add_all([admin, official])
    db_session.flush()
    # A change is named by its position in its ward's audit chain (one chain per ward): the other ward's chain
    # is made longer than this ward's, so its change's number is no position this ward's leaders can name.
    ours = db_session.execute(select(func.max(AuditEvent.seq)).where(AuditEvent.organisation_id != other.id)).scalar()
    for _ in range((ours or 0) + 20):
        audit.record(db_session, action=audit.AuditAction.DOCUMENT_VIEWED, actor=admin)
    return _role_changes(db_session, admin, [official])[0]


@pytest.fixture
def open_changes(db_session, make_user) -> list[int]:
    admin = make_user(Role.ADMIN)
    return _role_changes(db_session, admin, [make_user(Role.OFFICIAL) for _ in range(3)])


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.HEAD, Role.CLERK, Role.ADMIN, Role.AUDITOR])
def test_R51_only_leaders_confirm_in_bulk(client, db_session, make_user, open_changes, role):
    before = _confirmations(db_session)
    client.login(make_user(role))
    assert client.post("/audit/access-changes/confirm", {"seq": open_changes}).status_code == 403
    with pytest.raises(PermissionDeniedError):
        access_changes.confirm_changes(db_session, actor=make_user(role), seqs=open_changes)
    assert _confirmations(db_session) == before


def test_R51_bulk_confirm_needs_the_csrf_token(client, db_session, make_user, open_changes):
    before = _confirmations(db_session)
    client.login(make_user(Role.LEADER))
    assert client.post("/audit/access-changes/confirm", {"seq": open_changes}, csrf=False).status_code == 400
    assert _confirmations(db_session) == before


def test_R51_another_wards_change_is_neither_listed_nor_confirmed_and_nothing_else_is(client, db_session,
                                                                                     make_user, open_changes):
    foreign = _other_ward_change(db_session)
    leader = make_user(Role.LEADER)
    assert foreign not in {c.event.seq for c in access_changes.unconfirmed_changes(db_session, actor=leader)}
    before = _confirmations(db_session)
    client.login(leader)

    response = client.post("/audit/access-changes/confirm", {"seq": [*open_changes, foreign]})

    assert response.status_code == 404 and f"#{foreign}" in response.get_data(as_text=True)
    assert _confirmations(db_session) == before
    with pytest.raises(NotFoundError):
        access_changes.confirm_change(db_session, actor=leader, seq=foreign)
    open_now = {c.event.seq for c in access_changes.unconfirmed_changes(db_session, actor=leader)}
    assert set(open_changes) <= open_now


def test_R51_a_change_already_decided_refuses_the_whole_batch_and_says_which(client, db_session, make_user,
                                                                            open_changes):
    leader, other_leader = make_user(Role.LEADER), make_user(Role.LEADER)
    access_changes.confirm_change(db_session, actor=other_leader, seq=open_changes[0])
    before = _confirmations(db_session)
    client.login(leader)

    response = client.post("/audit/access-changes/confirm", {"seq": open_changes})

    html = response.get_data(as_text=True)
    assert response.status_code == 409 and f"#{open_changes[0]}" in html
    assert _confirmations(db_session) == before
    with pytest.raises(InvalidTransitionError):
        access_changes.confirm_changes(db_session, actor=leader, seqs=open_changes)
    assert {c.event.seq for c in access_changes.unconfirmed_changes(db_session, actor=leader)} >= \
        set(open_changes[1:])


def test_R51_a_change_about_the_leader_himself_refuses_the_batch(client, db_session, make_user, open_changes):
    admin, leader = make_user(Role.ADMIN), make_user(Role.HEAD)
    update_user(db_session, actor=admin, user_id=leader.id, role=Role.LEADER, post="Phó Chủ tịch",
                department_id=None, full_name=leader.full_name)   # made a leader: a change about him
    about_him = db_session.execute(select(func.max(AuditEvent.seq))).scalar_one()
    before = _confirmations(db_session)
    client.login(leader)
    page = client.get("/audit/access-changes").get_data(as_text=True)
    assert f'name="seq" value="{about_him}"' not in page and f'name="seq" value="{open_changes[0]}"' in page
    assert client.post("/audit/access-changes/confirm",
                       {"seq": [*open_changes, about_him]}).status_code == 403
    assert _confirmations(db_session) == before


def test_R51_an_empty_or_garbled_choice_confirms_nothing(client, db_session, make_user, open_changes):
    before = _confirmations(db_session)
    client.login(make_user(Role.LEADER))
    assert client.post("/audit/access-changes/confirm", {}).status_code == 400
    assert client.post("/audit/access-changes/confirm", {"seq": ["x", "99999999999999"]}).status_code == 400
    assert _confirmations(db_session) == before


def test_R51_another_wards_change_is_not_found_one_by_one_either(client, db_session, make_user):
    foreign = _other_ward_change(db_session)
    leader = make_user(Role.LEADER)
    decided = select(func.count()).where(AuditEvent.action.in_(("access_change.confirmed", "access_change.declined")))
    before = db_session.execute(decided).scalar_one()
    client.login(leader)
    for action in ("confirm", "decline"):
        assert client.post(f"/audit/access-changes/{foreign}/{action}").status_code == 404
    with pytest.raises(NotFoundError):
        access_changes.decline_change(db_session, actor=leader, seq=foreign)
    assert db_session.execute(decided).scalar_one() == before

"""Refusals around signing authority (Decree 30, Article 13; R25, R61): a KT./TUQ. forged through the
register's form by someone who may not record it, or to someone KT. is not for."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from docflow.models import Role
from docflow.models.routing import Delegation


def _people(make_user):
    chairman = make_user(Role.LEADER, full_name="Nguyễn Văn An")
    chairman.post = "Chủ tịch"
    official = make_user(Role.OFFICIAL, full_name="Trần Chuyên Viên")
    official.post = "Chuyên viên"
    head = make_user(Role.HEAD, full_name="Lê Trưởng Phòng")
    head.post = "Chánh Văn phòng"
    return chairman, official, head


def _form(delegate, delegator, mode):
    today = date.today()
    return {"delegate_id": delegate.id, "delegator_id": delegator.id, "mode": mode, "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=30)).isoformat(), "basis_reference": "12/QĐ-UBND",
            "basis_date": today.isoformat()}


def test_art13_a_non_admin_cannot_forge_kt_or_tuq_through_the_register_form(client, make_user, db_session):
    chairman, official, head = _people(make_user)
    for actor in (official, head):
        client.login(actor)
        for mode in ("KT", "TUQ"):
            response = client.post("/delegations/", _form(official, chairman, mode))
            assert response.status_code in (403, 400)
    assert db_session.execute(select(Delegation)).first() is None


def test_art13_a_leader_cannot_give_kt_in_another_leaders_name_nor_to_a_non_deputy(client, make_user, db_session):
    chairman, official, _ = _people(make_user)
    vice = make_user(Role.LEADER, full_name="Lê Phó")
    vice.post = "Phó Chủ tịch"
    client.login(vice)   # the delegator field is ignored for a leader: he delegates only his own authority
    response = client.post("/delegations/", _form(official, chairman, "KT"))
    assert response.status_code == 400
    client.login(chairman)
    response = client.post("/delegations/", _form(official, chairman, "KT"))
    assert response.status_code == 400 and 'data-testid="error"' in response.get_data(as_text=True)
    assert db_session.execute(select(Delegation)).first() is None


def test_art13_an_admin_cannot_record_kt_to_a_chuyen_vien_either(client, make_user, db_session):
    chairman, official, _ = _people(make_user)
    client.login(make_user(Role.ADMIN))
    response = client.post("/delegations/", _form(official, chairman, "KT"))
    assert response.status_code == 400
    assert db_session.execute(select(Delegation)).first() is None

"""The delegation register screens."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from docflow.models import Role
from docflow.models.routing import Delegation, SigningMode
from docflow.services.people import Basis, delegations


def _chairman(make_user):
    chairman = make_user(Role.LEADER, full_name="Nguyễn Văn An")
    chairman.post = "Chủ tịch"
    return chairman


def test_a_leader_records_a_delegation_and_sees_it_current(client, make_user, db_session):
    chairman = _chairman(make_user)
    office_head = make_user(Role.HEAD, full_name="Lê Chánh Văn")
    client.login(chairman)
    today = date.today()
    response = client.post("/delegations/", {"delegate_id": office_head.id, "mode": "TL",
                                             "doc_types": ["giay_moi", "thong_bao"],
                                             "valid_from": (today - timedelta(days=1)).isoformat(),
                                             "valid_to": (today + timedelta(days=30)).isoformat()})
    assert response.status_code == 302
    made = db_session.execute(select(Delegation).where(Delegation.delegate_id == office_head.id)).scalar_one()
    assert (made.delegator_id, made.mode, made.doc_types) == (chairman.id, SigningMode.TL, "giay_moi,thong_bao")
    html = client.get("/delegations/").get_data(as_text=True)
    assert f'data-delegation-id="{made.id}" data-state="current"' in html and "Lê Chánh Văn" in html


def test_passing_on_a_tuq_delegation_is_refused_with_a_message(client, make_user, db_session):
    chairman = _chairman(make_user)
    admin, holder, deputy = make_user(Role.ADMIN), make_user(Role.HEAD), make_user(Role.HEAD)
    tuq = delegations.create_delegation(db_session, actor=chairman, delegate_id=holder.id,
                                        delegator_id=chairman.id, mode=SigningMode.TUQ, doc_types=None,
                                        valid_from=date.today(), valid_to=date.today() + timedelta(days=30),
                                        basis=Basis(reference="12/QĐ-UBND", issued_on=date.today()))
    client.login(admin)
    response = client.post("/delegations/", {"delegate_id": deputy.id, "delegator_id": holder.id, "mode": "KT",
                                             "valid_from": date.today().isoformat(), "parent_id": tuq.id})
    assert response.status_code == 400
    assert 'data-testid="error"' in response.get_data(as_text=True)
    assert db_session.execute(select(Delegation).where(Delegation.delegate_id == deputy.id)).first() is None


def test_revoking_moves_a_delegation_to_revoked(client, make_user, db_session):
    chairman = _chairman(make_user)
    holder = make_user(Role.HEAD)
    d = delegations.create_delegation(db_session, actor=chairman, delegate_id=holder.id, delegator_id=chairman.id,
                                      mode=SigningMode.TL, doc_types=None, valid_from=date.today(), valid_to=None)
    client.login(chairman)
    assert client.post(f"/delegations/{d.id}/revoke").status_code == 302
    html = client.get("/delegations/").get_data(as_text=True)
    assert f'data-delegation-id="{d.id}" data-state="revoked"' in html
    assert client.post(f"/delegations/{d.id}/revoke").status_code == 302  # already revoked: a warning, no error


def test_officials_and_heads_cannot_open_or_change_the_register(client, make_user, db_session, app):
    from tests.conftest import WebClient
    chairman = _chairman(make_user)
    d = delegations.create_delegation(db_session, actor=chairman, delegate_id=make_user(Role.HEAD).id,
                                      delegator_id=chairman.id, mode=SigningMode.TL, doc_types=None,
                                      valid_from=date.today(), valid_to=None)
    for role in (Role.OFFICIAL, Role.HEAD, Role.CLERK):
        c = WebClient(app.test_client())
        c.login(make_user(role))
        assert c.get("/delegations/").status_code == 403
        assert c.post(f"/delegations/{d.id}/revoke").status_code in (403, 404)
        assert c.post("/delegations/", {"delegate_id": d.delegate_id, "mode": "TL",
                                        "valid_from": date.today().isoformat()}).status_code == 403
    auditor = WebClient(app.test_client())
    auditor.login(make_user(Role.AUDITOR))
    html = auditor.get("/delegations/").get_data(as_text=True)
    assert f'data-delegation-id="{d.id}"' in html and 'data-testid="delegation-form"' not in html
    assert d.revoked_at is None


def test_a_vice_chairman_cannot_revoke_the_chairmans_delegation(client, make_user, db_session):
    chairman = _chairman(make_user)
    vice = make_user(Role.LEADER)
    d = delegations.create_delegation(db_session, actor=chairman, delegate_id=make_user(Role.HEAD).id,
                                      delegator_id=chairman.id, mode=SigningMode.TL, doc_types=None,
                                      valid_from=date.today(), valid_to=None)
    client.login(vice)
    assert client.post(f"/delegations/{d.id}/revoke").status_code == 403
    html = client.get("/delegations/").get_data(as_text=True)
    row = re.search(rf'data-delegation-id="{d.id}".*?</tr>', html, re.S)
    assert row and "Revoke" not in row.group(0) and "Thu hồi" not in row.group(0)


def test_r25_a_tuq_is_recorded_from_the_form_with_its_basis_and_shown(client, make_user, db_session):
    chairman = _chairman(make_user)
    holder = make_user(Role.HEAD, full_name="Lê Chánh Văn")
    client.login(chairman)
    today = date.today()
    form = {"delegate_id": holder.id, "mode": "TUQ", "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=30)).isoformat()}
    refused = client.post("/delegations/", form)
    assert refused.status_code == 400 and 'data-testid="error"' in refused.get_data(as_text=True)
    response = client.post("/delegations/", {**form, "basis_reference": "12/QĐ-UBND",
                                             "basis_date": (today - timedelta(days=3)).isoformat()})
    assert response.status_code == 302
    made = db_session.execute(select(Delegation).where(Delegation.delegate_id == holder.id)).scalar_one()
    assert (made.mode, made.basis_reference) == (SigningMode.TUQ, "12/QĐ-UBND")
    assert "12/QĐ-UBND" in client.get("/delegations/").get_data(as_text=True)

"""Nobody makes an API client that acts as someone else: it would read and act as that person, under that
person's name in the audit log (found in review: an administrator could make one acting as the chairman and read
confidential documents the screens never show him). Only its person or an administrator revokes a client."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from docflow.errors import PermissionDeniedError
from docflow.models import ApiClient, Role
from docflow.services import api as api_service


@pytest.mark.parametrize("maker", [Role.ADMIN, Role.CLERK, Role.LEADER])
def test_no_one_makes_a_client_acting_as_the_chairman(db_session, make_user, maker):
    chairman, someone = make_user(Role.LEADER, full_name="Trần Văn Minh"), make_user(maker)
    with pytest.raises(PermissionDeniedError):
        api_service.create_client(db_session, actor=someone, user=chairman, name="x", scopes=("documents:read",),
                                  expires_days=None)
    assert db_session.execute(select(ApiClient)).first() is None


def test_the_administrators_screen_makes_no_client_and_the_personal_page_only_ones_own(client, make_user,
                                                                                      db_session):
    admin, chairman = make_user(Role.ADMIN), make_user(Role.LEADER, full_name="Trần Văn Minh")
    client.login(admin)
    assert client.post("/admin/api-clients/", {"user_id": chairman.id, "name": "x",
                                               "scopes": "documents:read"}).status_code == 405
    client.client.post("/account/api-clients/", data={"csrf_token": client.token(), "user_id": str(chairman.id),
                                                      "name": "x", "scopes": ["documents:read"]})
    assert [c.user_id for c in db_session.execute(select(ApiClient)).scalars()] == [admin.id]


def test_only_its_person_or_an_administrator_revokes_a_client(client, make_user, db_session):
    clerk, official = make_user(Role.CLERK), make_user(Role.OFFICIAL)
    made = api_service.create_client(db_session, actor=clerk, user=clerk, name="x", scopes=("search",),
                                      expires_days=None)
    with pytest.raises(PermissionDeniedError):
        api_service.revoke_client(db_session, actor=official, organisation_id=clerk.organisation_id,
                                  client_id=made.client.id)
    client.login(official)
    assert client.post(f"/account/api-clients/{made.client.id}/revoke").status_code == 403
    assert made.client.revoked_at is None
    api_service.revoke_client(db_session, actor=clerk, organisation_id=clerk.organisation_id,
                              client_id=made.client.id)
    assert made.client.revoked_at is not None

"""API clients: `docflow api clients add/list/revoke` and the administrator's screen; a token is shown once,
kept only as its SHA-256, and both the making and the revoking are audited."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from docflow.commands.api import api
from docflow.errors import ValidationError
from docflow.models import ApiClient, AuditEvent, Role
from docflow.services import api as api_service
from docflow.services.audit import AuditAction
from tests.cli.inprocess import in_process
from tests.web.test_audit_readable_web import _row, _text


@pytest.fixture
def invoke(app, db_session):
    return in_process(app, api)


def test_the_command_makes_a_client_prints_its_token_once_and_keeps_only_its_digest(invoke, make_user, db_session,
                                                                                   app):
    clerk = make_user(Role.CLERK)
    made = invoke("clients", "add", "--user", clerk.username, "--name", "Cổng DVC", "--scopes",
                  "documents:read,search", "--expires", "30")
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert token.startswith("dfk_") and len(token) >= 40
    client = db_session.execute(select(ApiClient)).scalars().one()
    assert client.token_sha256 == hashlib.sha256(token.encode()).hexdigest() and token not in client.token_hint
    assert client.scope_set == {"documents:read", "search"} and client.expires_at is not None
    listed = invoke("clients", "list")
    assert "Cổng DVC" in listed.output and "active" in listed.output and token not in listed.output
    assert app.test_client().get("/api/v1/documents", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert invoke("clients", "revoke", str(client.id)).exit_code == 0
    assert "revoked" in invoke("clients", "list").output
    assert app.test_client().get("/api/v1/documents", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    actions = list(db_session.execute(select(AuditEvent.action).where(AuditEvent.object_type == "api_client")
                                      .order_by(AuditEvent.seq)).scalars())
    assert actions[0] == str(AuditAction.API_CLIENT_CREATED) and str(AuditAction.API_CLIENT_REVOKED) in actions


def test_the_command_refuses_an_unknown_scope_or_user(invoke, make_user):
    clerk = make_user(Role.CLERK)
    bad = invoke("clients", "add", "--user", clerk.username, "--name", "x", "--scopes", "everything")
    assert bad.exit_code == 1 and "scope" in bad.output.lower()
    assert invoke("clients", "add", "--user", "nobody", "--name", "x", "--scopes", "search").exit_code == 1


def test_scopes_are_checked_and_a_revoked_client_cannot_be_revoked_twice(db_session, make_user, make_api_client):
    with pytest.raises(ValidationError):
        api_service.parse_scopes("")
    made = make_api_client(make_user(Role.CLERK))
    api_service.revoke_client(db_session, actor=None, organisation_id=made.client.organisation_id,
                              client_id=made.client.id)
    with pytest.raises(ValidationError):
        api_service.revoke_client(db_session, actor=None, organisation_id=made.client.organisation_id,
                                  client_id=made.client.id)


def test_a_person_makes_their_own_client_on_their_page_and_the_administrator_revokes_it(client, make_user,
                                                                                        db_session):
    admin, clerk = make_user(Role.ADMIN), make_user(Role.CLERK)
    client.login(clerk)
    assert client.get("/account/api-clients/").status_code == 200
    page = client.client.post("/account/api-clients/", data={
        "csrf_token": client.token(), "name": "Phần mềm một cửa",
        "scopes": ["incoming:write", "documents:read"], "expires_days": "90"})
    assert page.status_code == 201
    token = re.search(r"(dfk_[A-Za-z0-9_-]{40,})", page.get_data(as_text=True)).group(1)
    made = db_session.execute(select(ApiClient)).scalars().one()
    assert made.user_id == clerk.id and made.created_by_id == clerk.id
    assert token not in client.get("/account/api-clients/").get_data(as_text=True)     # shown once only
    client.login(admin)
    listing = client.get("/admin/api-clients/").get_data(as_text=True)
    assert "Phần mềm một cửa" in listing and token not in listing
    assert client.post(f"/admin/api-clients/{made.id}/revoke").status_code == 302
    db_session.refresh(made)
    assert made.revoked_at is not None


def test_the_screens_form_needs_its_csrf_token(client, make_user, db_session):
    client.login(make_user(Role.CLERK))
    answer = client.post("/account/api-clients/", {"name": "x", "scopes": "search"}, csrf=False)
    assert answer.status_code == 400
    assert db_session.execute(select(ApiClient)).first() is None


def test_r52_the_auditor_reads_each_api_call_as_a_sentence_naming_the_client(api_as, client, make_user, db_session):
    clerk = make_user(Role.CLERK, full_name="Nguyễn Thị Hoa")
    api_as(clerk, name="Cổng dịch vụ công").get("/api/v1/documents")
    call = db_session.execute(select(AuditEvent).where(AuditEvent.action == str(AuditAction.API_CALLED))
                              .order_by(AuditEvent.seq.desc())).scalars().first()
    client.login(make_user(Role.AUDITOR))
    html = client.get("/audit/").get_data(as_text=True)
    row = _row(html, call.seq)
    assert "Nguyễn Thị Hoa gọi API qua ứng dụng khách Cổng dịch vụ công" in " ".join(_text(row).split())

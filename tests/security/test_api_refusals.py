"""Every refusal an API caller could try: no token, a made-up or malformed one, a revoked or expired one, a
deactivated user's, a cookie instead of a token, a scope the client lacks, an official's token trying the
clerk's registration, another department's confidential document, another ward's document, too many calls;
and the token appears in no log line and no audit row."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

from sqlalchemy import func, select

from docflow.models import AuditEvent, Confidentiality, Document, Organisation, Role, User, utc_now
from docflow.services import api as api_service
from docflow.services import ratelimit
from docflow.services.audit import AuditAction
from tests.api.helpers import ApiCaller, api_as, make_api_client  # noqa: F401 - fixtures
from tests.conftest import PASSWORD, pdf_bytes


def _api_rows(db_session):
    return list(db_session.execute(select(AuditEvent).where(AuditEvent.action == str(AuditAction.API_CALLED))
                                   .order_by(AuditEvent.seq)).scalars())


def _refused(answer, status):
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.get_json()["status"] == status and answer.get_json()["error"]
    return answer


def test_a_call_without_a_token_is_refused_401_with_the_bearer_challenge(app, db_session):
    answer = _refused(app.test_client().get("/api/v1/documents"), 401)
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_made_up_or_malformed_token_is_refused(app, db_session):
    for header in ("Bearer dfk_" + "A" * 43, "Bearer nonsense", "Basic dmFudGh1OnB3", "Bearer ", "dfk_x"):
        _refused(app.test_client().get("/api/v1/documents", headers={"Authorization": header}), 401)


def test_a_revoked_token_is_refused_and_the_refusal_audited(app, db_session, make_user, make_api_client):
    clerk = make_user(Role.CLERK)
    made = make_api_client(clerk)
    assert ApiCaller(app.test_client(), made.token).get("/api/v1/documents").status_code == 200
    api_service.revoke_client(db_session, actor=None, organisation_id=clerk.organisation_id, client_id=made.client.id)
    _refused(ApiCaller(app.test_client(), made.token).get("/api/v1/documents"), 401)
    last = _api_rows(db_session)[-1]
    assert last.details["status"] == 401 and last.details["refused"] == "revoked"


def test_an_expired_token_is_refused(app, db_session, make_user, make_api_client):
    made = make_api_client(make_user(Role.CLERK), expires_days=1)
    made.client.expires_at = utc_now() - timedelta(seconds=1)
    db_session.flush()
    _refused(ApiCaller(app.test_client(), made.token).get("/api/v1/documents"), 401)
    assert _api_rows(db_session)[-1].details["refused"] == "expired"


def test_a_deactivated_users_token_is_refused(app, db_session, make_user, make_api_client):
    clerk = make_user(Role.CLERK)
    made = make_api_client(clerk)
    clerk.is_active = False
    db_session.flush()
    _refused(ApiCaller(app.test_client(), made.token).get("/api/v1/documents"), 401)


def test_a_session_cookie_without_a_token_is_refused(client, make_user):
    clerk = make_user(Role.CLERK)
    assert client.login(clerk).status_code == 302
    assert client.get("/documents/").status_code == 200        # the cookie works on the screens ...
    answer = _refused(client.get("/api/v1/documents"), 401)      # ... never on the API
    assert "cookie" in answer.get_json()["error"].lower() or "cookie" in answer.get_data(as_text=True)


def test_a_scope_the_client_lacks_is_refused_403(api_as, make_user):
    caller = api_as(make_user(Role.CLERK), ("search",))
    _refused(caller.get("/api/v1/documents"), 403)
    _refused(caller.post("/api/v1/incoming", data={"file": (io.BytesIO(pdf_bytes()), "a.pdf")}), 403)
    assert caller.get("/api/v1/search?q=abc").status_code == 200


def test_an_officials_token_cannot_register_incoming_even_with_the_scope(api_as, make_user, db_session):
    official = make_user(Role.OFFICIAL)
    before = db_session.execute(select(func.count(Document.id))).scalar_one()
    answer = api_as(official, ("incoming:write",)).post("/api/v1/incoming", data={
        "file": (io.BytesIO(pdf_bytes("official")), "a.pdf"), "doc_type": "cong_van", "summary": "Thử",
        "issuing_body": "UBND quận"})
    _refused(answer, 403)
    assert db_session.execute(select(func.count(Document.id))).scalar_one() == before


def test_another_departments_confidential_document_is_refused_and_unlisted(api_as, make_user, make_department,
                                                                           make_document):
    other = make_department("Địa chính", "DC")
    owner = make_user(Role.OFFICIAL, department=other)
    document = make_document(owner, confidentiality=Confidentiality.CONFIDENTIAL, department=other,
                             summary="Hồ sơ mật về đất đai")
    caller = api_as(make_user(Role.OFFICIAL, department=other))
    for url in (f"/api/v1/documents/{document.id}", f"/api/v1/documents/{document.id}/versions",
                f"/api/v1/documents/{document.id}/versions/1/file"):
        _refused(caller.get(url), 403)
    listed = caller.get("/api/v1/documents?page_size=100").get_json()["items"]
    assert document.id not in {item["id"] for item in listed}
    assert caller.get("/api/v1/search?q=đất đai").get_json()["items"] == []


def test_another_wards_document_is_refused(api_as, db_session, make_user, make_document):
    document = make_document(make_user(Role.CLERK))
    elsewhere = Organisation(name="UBND phường Khác", code="KHAC")
    db_session.add(elsewhere)
    db_session.flush()
    stranger = User(organisation=elsewhere, username="vanthu-khac", full_name="Người phường khác", role=Role.CLERK,
                    post="", password_hash="x", is_active=True)
    db_session.add(stranger)
    db_session.flush()
    caller = api_as(stranger)
    assert caller.get(f"/api/v1/documents/{document.id}").status_code in (403, 404)
    assert caller.get(f"/api/v1/outgoing/{document.id}").status_code in (403, 404)
    assert document.id not in {i["id"] for i in caller.get("/api/v1/documents?page_size=100").get_json()["items"]}


def test_too_many_calls_are_refused_429_with_retry_after(app, api_as, make_user, db_session):
    clerk = make_user(Role.CLERK)
    caller = api_as(clerk)
    client = api_service.find_client_by_token(db_session, caller.token)
    limits = app.extensions["docflow.settings"].api
    for _ in range(limits.rate_limit):
        ratelimit.take(db_session, organisation_id=clerk.organisation_id, bucket="api.client", caller=str(client.id),
                       limit=limits.rate_limit, per=timedelta(seconds=limits.rate_window_seconds), now=utc_now())
    answer = _refused(caller.get("/api/v1/documents"), 429)
    assert 1 <= int(answer.headers["Retry-After"]) <= limits.rate_window_seconds + 1
    assert _api_rows(db_session)[-1].details["status"] == 429


def test_the_token_is_in_no_log_line_and_no_audit_row(app, api_as, make_user, make_api_client, db_session, caplog):
    clerk = make_user(Role.CLERK)
    caplog.set_level(logging.DEBUG)
    made = make_api_client(clerk)
    caller = ApiCaller(app.test_client(), made.token)
    caller.get("/api/v1/documents")
    caller.get("/api/v1/documents/999999")
    api_service.revoke_client(db_session, actor=None, organisation_id=clerk.organisation_id, client_id=made.client.id)
    caller.get("/api/v1/documents")
    assert made.token not in caplog.text
    rows = db_session.execute(select(AuditEvent.details)).scalars()
    assert all(made.token not in json.dumps(details, ensure_ascii=False) for details in rows)
    assert made.token not in json.dumps([c.token_hint for c in api_service.list_clients(
        db_session, organisation_id=clerk.organisation_id)])


def test_only_an_administrator_sees_the_wards_api_clients_and_nobody_makes_one_there(client, make_user, db_session):
    clerk = make_user(Role.CLERK)
    client.login(clerk)
    assert client.get("/admin/api-clients/").status_code == 403
    answer = client.post("/admin/api-clients/", {"user_id": clerk.id, "name": "x", "scopes": "search"})
    assert answer.status_code == 405       # clients are made on one's own page only
    assert api_service.list_clients(db_session, organisation_id=clerk.organisation_id) == []


def test_the_password_is_not_a_token(app, db_session, make_user):
    clerk = make_user(Role.CLERK)
    _refused(app.test_client().get("/api/v1/documents", headers={"Authorization": f"Bearer {PASSWORD}"}), 401)
    _refused(app.test_client().get("/api/v1/documents", headers={"Authorization": f"Bearer {clerk.username}"}), 401)


def test_a_nul_in_a_query_or_form_is_a_400_on_the_api_and_the_screens(api_as, client, make_user):
    """schemathesis found it: PostgreSQL refuses NUL in text, which made ?q=a%00b a 500 deep in the query."""
    clerk = make_user(Role.CLERK)
    caller = api_as(clerk)
    for url in ("/api/v1/documents?q=00%00", "/api/v1/search?q=a%00b", "/api/v1/documents?doc_type=a%00"):
        _refused(caller.get(url), 400)
    _refused(caller.post("/api/v1/incoming", data={"file": (io.BytesIO(pdf_bytes()), "a.pdf"), "summary": "a\x00"}),
             400)
    client.login(clerk)
    assert client.get("/documents/?q=00%00").status_code == 400
    assert client.get("/search/?q=ab%00c").status_code == 400


def test_with_a_cookie_and_a_token_the_token_alone_decides(client, make_user, make_api_client):
    clerk, official = make_user(Role.CLERK), make_user(Role.OFFICIAL)
    client.login(clerk)                                       # the clerk's session cookie rides along ...
    token = make_api_client(official).token
    answer = client.get("/api/v1/registers", headers={"Authorization": f"Bearer {token}"})
    _refused(answer, 403)                                     # ... but the official's token is who calls

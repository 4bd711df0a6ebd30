"""Sign-in screens: Vietnamese by default, CSRF, growing waits after failures, safe redirects, cookies,
sign-out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from docflow.models import LoginThrottle, Role, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.web.helpers import safe_next
from docflow.models import AuditEvent
from tests.conftest import is_postgres
from sqlalchemy import select
import threading


def test_the_sign_in_page_is_vietnamese_by_default_and_english_on_request(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="vi"' in page and "Đăng nhập" in page
    client.post("/language", {"locale": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in to docflow" in page


def test_signing_in_redirects_home_and_shows_the_role_page(client, make_user):
    clerk = make_user(Role.CLERK, full_name="Nguyễn Thị Hoa")
    response = client.login(clerk)
    assert response.status_code == 302 and response.location == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Nguyễn Thị Hoa" in home
    assert "Văn bản đến" in home  # the clerk's section of incoming documents, in Vietnamese


def test_a_form_without_its_csrf_token_is_refused_with_a_message(client, make_user, db_session):
    clerk = make_user(Role.CLERK)
    response = client.post("/login", {"username": clerk.username, "password": "x"}, csrf=False)
    assert response.status_code == 400
    assert "biểu mẫu" in response.get_data(as_text=True).lower()
    assert not [e for e in audit.events_for(db_session, object_type="user", object_id=clerk.id)
                if e.action == AuditAction.USER_SIGN_IN_FAILED]


def test_wrong_passwords_make_the_username_wait_with_a_clear_message_not_a_lock(client, make_user, db_session):
    clerk = make_user(Role.CLERK)
    statuses = [client.post("/login", {"username": clerk.username, "password": f"sai{i}"}).status_code
                for i in range(10)]
    assert statuses[:4] == [401] * 4 and set(statuses[4:]) == {429}
    waiting = client.login(clerk)
    assert waiting.status_code == 429 and int(waiting.headers["Retry-After"]) >= 1
    page = waiting.get_data(as_text=True)
    assert "chờ đến" in page and "mật khẩu đúng sẽ đăng nhập được" in page and "khóa" not in page.lower()
    db_session.execute(update(LoginThrottle).values(next_attempt_at=utc_now() - timedelta(seconds=1)))
    assert client.login(clerk).status_code == 302


def test_an_inactive_user_cannot_sign_in(client, make_user):
    user = make_user(Role.OFFICIAL, active=False)
    assert client.login(user).status_code == 401


def test_a_deactivated_user_is_signed_out_on_the_next_request(client, make_user, db_session):
    user = make_user(Role.OFFICIAL)
    client.login(user)
    assert client.get("/").status_code == 200
    user.is_active = False
    db_session.flush()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target,expected", [
    ("/documents/", "/documents/"),
    ("/documents/?kind=incoming", "/documents/?kind=incoming"),
    ("https://evil.example/", None),
    ("//evil.example/", None),
    ("/\\evil.example", None),
    ("javascript:alert(1)", None),
    ("", None),
])
def test_only_local_next_targets_are_followed(target, expected):
    assert safe_next(target) == expected


def test_next_is_followed_after_sign_in_only_when_local(client, make_user):
    user = make_user(Role.CLERK)
    ok = client.post("/login", {"username": user.username, "password": "correct-horse-battery",
                                "next": "/documents/"})
    assert ok.location == "/documents/"


def test_external_next_is_ignored(client, make_user):
    user = make_user(Role.CLERK)
    bad = client.post("/login", {"username": user.username, "password": "correct-horse-battery",
                                 "next": "https://evil.example/"})
    assert bad.location == "/"


def test_the_session_cookie_is_httponly_and_samesite(client, make_user):
    response = client.login(make_user(Role.CLERK))
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_out_needs_post_and_ends_the_session(client, make_user):
    client.login(make_user(Role.CLERK))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_changing_the_password_ends_other_sessions(app, client, make_user, db_session):
    from tests.conftest import WebClient
    user = make_user(Role.OFFICIAL)
    other = WebClient(app.test_client())
    other.login(user)
    client.login(user)
    response = client.post("/account/password", {"current_password": "correct-horse-battery",
                                                  "new_password": "mot-mat-khau-moi", "confirm_password":
                                                  "mot-mat-khau-moi"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302


def test_pages_need_sign_in(client):
    for url in ("/", "/documents/", "/documents/new", "/admin/users", "/audit/"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login")


def test_the_chosen_language_survives_sign_in_and_is_remembered_for_the_account(app, client, make_user):
    from tests.conftest import WebClient
    user = make_user(Role.OFFICIAL)
    client.post("/language", {"locale": "en", "next": "/login"})
    client.login(user)
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    client.post("/language", {"locale": "en"})
    elsewhere = WebClient(app.test_client())
    elsewhere.login(user)
    assert 'lang="en"' in elsewhere.get("/").get_data(as_text=True)
    elsewhere.post("/language", {"locale": "vi"})
    assert 'lang="vi"' in elsewhere.get("/").get_data(as_text=True)


def test_a_mistyped_username_is_not_written_into_the_audit_log(client, db_session):
    client.post("/login", {"username": "mật khẩu của tôi là abc123", "password": "x"})
    events = db_session.execute(select(AuditEvent).where(AuditEvent.action == "user.sign_in_failed")).scalars()
    assert all("abc123" not in str(e.details) + e.object_id for e in events)
    keys = db_session.execute(select(LoginThrottle.key)).scalars().all()
    assert all("abc123" not in k for k in keys)


def test_a_copied_session_cookie_stops_working_after_sign_out(app, client, make_user):
    user = make_user(Role.CLERK)
    client.login(user)
    cookie = client.client.get_cookie("session")
    assert cookie is not None and client.get("/").status_code == 200
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", cookie.value)
    assert replay.get("/documents/").status_code == 302


def test_guessing_the_current_password_signs_out_and_locks(client, make_user, db_session):
    user = make_user(Role.OFFICIAL)
    client.login(user)
    statuses = [client.post("/account/password", {"current_password": f"sai-{i}", "new_password": "mat-khau-moi-1",
                                                  "confirm_password": "mat-khau-moi-1"}).status_code
                for i in range(5)]
    assert statuses == [400, 400, 400, 400, 302]
    assert client.get("/").status_code == 302
    client._token = None  # the session (and its CSRF token) ended with the sign-out
    assert client.login(user).status_code == 429
    actions = [e.action for e in audit.events_for(db_session, object_type="user", object_id=user.id)]
    assert actions.count("user.password_change_failed") == 5


@pytest.mark.skipif(not is_postgres(), reason="parallel transactions need PostgreSQL")
def test_parallel_wrong_passwords_are_all_counted(committed_app):
    from sqlalchemy.orm import Session

    from docflow.services.people import SignInOutcome, sign_in
    engine = committed_app.extensions["docflow.engine"]
    outcomes: list[SignInOutcome] = []
    barrier = threading.Barrier(10)

    def guess(i: int) -> None:
        with Session(engine) as s:
            barrier.wait()
            with s.begin():
                outcomes.append(sign_in(s, username="phochutich2", password=f"guess-{i}").outcome)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 10
    assert outcomes.count(SignInOutcome.BAD_CREDENTIALS) == 4 and outcomes.count(SignInOutcome.DELAYED) == 6

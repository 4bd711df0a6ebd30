"""Attacks on sign-in, passwords and sessions, made through the web as an attacker would (issue 10, section 6)."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest

from docflow.models import Role, utc_now
from docflow.services.people import signin as auth_service
from tests.conftest import PASSWORD, WebClient, make_test_app

ATTACKER, OFFICE = "203.0.113.66", "198.51.100.7"
ADDRESS_CEILING = 30  # security.login_address_max_failures, as shipped


def _from(app, address: str) -> WebClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return WebClient(client)


def _later(monkeypatch, delta: timedelta) -> None:
    """The sign-in service's clock moves ``delta`` ahead, as if the attacker and the owner waited."""
    moment = utc_now() + delta
    monkeypatch.setattr(auth_service, "utc_now", lambda: moment)


def test_someone_elses_wrong_passwords_do_not_lock_the_chairman_out(app, db_session, make_user, monkeypatch):
    chairman = make_user(Role.LEADER, username="chutich.test")
    attacker = _from(app, ATTACKER)
    for i in range(5):
        attacker.post("/login", {"username": "chutich.test", "password": f"doan-mo-{i}"})

    owner = _from(app, OFFICE)
    assert owner.login(chairman).status_code == 429  # a short wait, not a lock
    _later(monkeypatch, timedelta(minutes=1))
    assert owner.login(chairman).status_code == 302


def test_a_guesser_elsewhere_cannot_keep_the_chairman_out_of_the_browser_he_signed_in_with(app, db_session,
                                                                                          make_user):
    chairman = make_user(Role.LEADER, username="chutich.maytinh")
    own_browser = _from(app, OFFICE)
    assert own_browser.login(chairman).status_code == 302
    assert own_browser.logout().status_code == 302
    attacker = _from(app, ATTACKER)
    for i in range(8):   # past the free failures: the username now waits, doubling
        attacker.post("/login", {"username": "chutich.maytinh", "password": f"doan-mo-{i}"})

    assert _from(app, OFFICE).login(chairman).status_code == 429   # a browser never used by him waits
    assert own_browser.login(chairman).status_code == 302          # his own browser signs in at once


def test_guesses_in_a_browser_that_once_signed_in_still_wait(app, db_session, make_user):
    official = make_user(Role.OFFICIAL)
    browser = _from(app, OFFICE)
    assert browser.login(official).status_code == 302
    assert browser.logout().status_code == 302
    statuses = [browser.post("/login", {"username": official.username, "password": f"doan-mo-{i}"}).status_code
                for i in range(6)]
    assert statuses == [401] * 4 + [429, 429]
    assert browser.login(official).status_code == 429


def test_failed_sign_ins_from_one_address_are_limited_but_successful_ones_are_not(app, db_session, make_user):
    staff = [make_user(Role.OFFICIAL) for _ in range(ADDRESS_CEILING + 5)]
    for person in staff:  # one browser each, one NAT address for the whole office
        assert _from(app, OFFICE).login(person).status_code == 302

    attacker = _from(app, ATTACKER)
    statuses = [attacker.post("/login", {"username": f"khong-co-{i}", "password": "doan-mo"}).status_code
                for i in range(ADDRESS_CEILING)]
    assert set(statuses) == {401}
    limited = attacker.login(staff[0])
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert _from(app, OFFICE).login(staff[0]).status_code == 302


def test_guesses_inside_the_wait_are_refused_without_checking_the_password(app, db_session, make_user,
                                                                          monkeypatch):
    leader = make_user(Role.LEADER)
    attacker = _from(app, ATTACKER)
    for i in range(5):
        attacker.post("/login", {"username": leader.username, "password": f"doan-mo-{i}"})
    checks: list[str] = []
    real = auth_service.password_matches
    monkeypatch.setattr(auth_service, "password_matches", lambda h, p: checks.append(p) or real(h, p))

    answers = [attacker.post("/login", {"username": leader.username, "password": guess})
               for guess in ("doan-mo-5", "doan-mo-6", PASSWORD)]
    assert [a.status_code for a in answers] == [429, 429, 429]
    assert checks == []


def test_when_every_password_check_slot_is_taken_sign_in_answers_503_with_retry_after(app, db_session, make_user):
    user = make_user(Role.CLERK)
    gate = app.extensions["docflow.password_checks"]
    client = _from(app, OFFICE)
    with contextlib.ExitStack() as held:
        for _ in range(app.extensions["docflow.settings"].security.login_concurrent_checks):
            assert held.enter_context(gate.slot())
        busy = client.login(user)
    assert busy.status_code == 503 and int(busy.headers["Retry-After"]) >= 1
    assert client.login(user).status_code == 302


@pytest.mark.parametrize("password", ["Password2026!", "qwertyuiop12", "matkhau@2026", "0912345678"])
def test_an_admin_cannot_give_a_common_or_patterned_password(client, make_user, db_session, password):
    client.login(make_user(Role.ADMIN))
    response = client.post("/admin/users", {"username": "nguoimoi", "full_name": "Người Mới", "role": "auditor",
                                            "password": password, "confirm_password": password})
    assert response.status_code == 400
    assert client.get("/admin/users").get_data(as_text=True).count("nguoimoi") == 0


def test_a_user_cannot_choose_a_password_containing_their_username(client, make_user):
    user = make_user(Role.OFFICIAL, username="tranthimai")
    client.login(user)
    new = "TranThiMai-phong-3"
    response = client.post("/account/password", {"current_password": PASSWORD, "new_password": new,
                                                 "confirm_password": new})
    assert response.status_code == 400
    assert "tên đăng nhập" in response.get_data(as_text=True)
    assert client.login(user, new).status_code == 401


@pytest.fixture
def production_app(app, db_session, tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("a-production-secret-key-for-this-test-only-0123456789", encoding="utf-8")
    key_secret = tmp_path / "key_secret"
    key_secret.write_bytes(b"k" * 48)
    production = make_test_app(app.extensions["docflow.settings"].database_url, tmp_path / "data",
                               app={"mode": "production", "secret_key_file": str(secret)},
                               signing={"pin_kdf_memory_kib": 65536, "key_secret_file": str(key_secret)})
    production.extensions["docflow.sessionmaker"] = app.extensions["docflow.sessionmaker"]
    yield production
    production.extensions["docflow.engine"].dispose()


def test_production_mode_sends_the_session_cookie_secure_only_and_hsts(production_app, make_user):
    client = WebClient(production_app.test_client())
    client.client.environ_base["wsgi.url_scheme"] = "https"
    response = client.login(make_user(Role.CLERK))
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_html_pages_tell_browsers_and_proxies_not_to_keep_a_copy(client, make_user):
    assert "no-store" in client.get("/login").headers.get("Cache-Control", "")
    client.login(make_user(Role.CLERK))
    home = client.get("/")
    assert home.status_code == 200 and "no-store" in home.headers.get("Cache-Control", "")


def test_an_active_session_ends_a_fixed_time_after_sign_in(client, make_user, monkeypatch):
    signed_in = utc_now()
    clock = [signed_in]
    monkeypatch.setattr("docflow.web.auth.utc_now", lambda: clock[0], raising=False)
    client.login(make_user(Role.CLERK))
    for hours in (3, 6, 9, 11.5):  # busy all day: a request every few hours keeps it going ...
        clock[0] = signed_in + timedelta(hours=hours)
        assert client.get("/").status_code == 200
    clock[0] = signed_in + timedelta(hours=12, minutes=1)  # ... but not past session_max_age_hours
    ended = client.get("/")
    assert ended.status_code == 302 and ended.location.startswith("/login")

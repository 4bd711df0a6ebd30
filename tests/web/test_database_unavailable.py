"""A database that cannot be reached (a failover under way, a server restarting; here a port where nothing
listens) is answered 503 with Retry-After, in Vietnamese, on a page that asks the database nothing: to a signed-in
user too, whose menu would need the database. A form's answer says the change may or may not have been saved
(the connection may have gone between the commit and its acknowledgement). tests/ha proves the same against a real
failover."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_login.utils import _create_identifier

from docflow import create_app
from docflow.web.auth import SIGNED_IN_AT


@pytest.fixture
def unreachable(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"app": {"mode": "testing", "data_dir": str(tmp_path), "keys_dir": str(tmp_path / "keys")},
                      "database": {"url": "postgresql+psycopg://postgres@127.0.0.1:1/docflow?connect_timeout=2"}})
    yield app
    app.extensions["docflow.engine"].dispose()


def test_a_page_is_answered_503_try_again_in_vietnamese(unreachable):
    response = unreachable.test_client().get("/login")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "Tạm thời không kết nối được cơ sở dữ liệu; vui lòng thử lại sau vài giây." in page
    assert 'lang="vi"' in page and response.headers["Content-Security-Policy"]


def test_a_signed_in_user_is_answered_503_without_the_menu(unreachable):
    client = unreachable.test_client()
    agent = {"User-Agent": "docflow-test"}
    with unreachable.test_request_context(headers=agent, environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        identifier = _create_identifier()     # Flask-Login's "strong" session protection: this client's hash
    with client.session_transaction() as session:
        session["_id"] = identifier
        session["_user_id"] = "1.stamp"
        session[SIGNED_IN_AT] = int(time.time())
    response = client.get("/incoming/", headers=agent)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert 'data-testid="error-page"' in response.get_data(as_text=True)


def test_the_api_is_answered_503_in_json_and_a_write_may_have_been_saved(unreachable):
    response = unreachable.test_client().post("/api/v1/incoming", headers={"Authorization": "Bearer x"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["status"] == 503
    assert "có thể đã được lưu hoặc chưa" in response.get_json()["error"]

"""Defects found in review, each pinned by a test that failed before its fix."""

from __future__ import annotations

import io
import sqlite3
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from docflow.models import AuditEvent, Confidentiality, LoginThrottle, Role
from docflow.services import audit
from docflow.services import documents as doc_service
from docflow.services.documents import DocumentFilters, DocumentInput
from tests.conftest import WebClient, is_postgres, pdf_bytes


def test_a_confidential_edit_leaves_no_plain_text_in_the_audit_log(db_session, make_user, make_document,
                                                                    make_department):
    leader = make_user(Role.LEADER)
    doc = make_document(leader, department=make_department(), confidentiality=Confidentiality.TOP_SECRET,
                        summary="Bí mật: hồ sơ A")
    data = DocumentInput(kind=doc.kind, doc_type=doc.doc_type, summary="Tối mật: hồ sơ B",
                         department_id=doc.department_id, issuing_body=doc.issuing_body,
                         confidentiality=Confidentiality.TOP_SECRET)
    doc_service.edit_metadata(db_session, actor=leader, document_id=doc.id, data=data,
                              expected_row_version=doc.row_version)
    logged = str([e.details for e in audit.events_for(db_session, object_type="document", object_id=doc.id)])
    assert "hồ sơ" not in logged and "van-ban.pdf" not in logged
    assert "summary" in logged and "to_sha256" in logged


def test_the_uploader_keeps_access_to_a_document_filed_for_another_department(db_session, make_user,
                                                                              make_document, make_department):
    own, other = make_department(), make_department()
    official = make_user(Role.OFFICIAL, department=own)
    doc = make_document(official, department=other)
    assert doc_service.get_document_for(db_session, actor=official, document_id=doc.id) is doc
    listed = doc_service.list_documents(db_session, actor=official, filters=DocumentFilters(), page=1, page_size=50)
    assert doc.id in {d.id for d in listed.items}


def test_search_ignores_case_and_diacritics_on_every_database(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    doc = make_document(clerk, summary="Về việc ĐẤT ĐAI tại PHƯỜNG TÍCH SƠN")
    for query in ("đất đai", "dat dai", "phường tích sơn", "PHUONG TICH"):
        found = doc_service.list_documents(db_session, actor=clerk, filters=DocumentFilters(q=query), page=1,
                                           page_size=50)
        assert doc.id in {d.id for d in found.items}, query
    none = doc_service.list_documents(db_session, actor=clerk, filters=DocumentFilters(q="100%_"), page=1,
                                      page_size=50)
    assert doc.id not in {d.id for d in none.items}


def test_a_mistyped_username_is_not_written_into_the_audit_log(client, db_session):
    client.post("/login", {"username": "mật khẩu của tôi là abc123", "password": "x"})
    events = db_session.execute(select(AuditEvent).where(AuditEvent.action == "user.sign_in_failed")).scalars()
    assert all("abc123" not in str(e.details) + e.object_id for e in events)
    keys = db_session.execute(select(LoginThrottle.key)).scalars().all()
    assert all("abc123" not in k for k in keys)


def test_a_control_character_in_a_filename_does_not_break_downloads(client, make_user, db_session):
    client.login(make_user(Role.CLERK))
    boundary = "docflowboundary"
    fields = {"csrf_token": client.token(), "kind": "incoming", "doc_type": "cong_van", "summary": "Tên tệp lạ",
              "issuing_body": "UBND"}
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items())
    # RFC 5987 lets a client put CR LF into the filename; a browser never would, an attacker can.
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
             f"filename*=UTF-8''bad%0D%0AX-Injected%3A%201.pdf\r\nContent-Type: application/pdf\r\n\r\n").encode()
    body += pdf_bytes("ctl") + f"\r\n--{boundary}--\r\n".encode()
    response = client.client.post("/documents/new", data=body,
                                  content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302
    document_id = int(response.location.rsplit("/", 1)[1])
    download = client.get(f"/documents/{document_id}/versions/1/download")
    assert download.status_code == 200 and "X-Injected" not in download.headers
    assert "bad" in download.headers["Content-Disposition"]


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


@pytest.mark.parametrize("url,status", [
    ("/documents/?page=%C2%B2", 200),
    ("/documents/?department_id=99999999999999999999", 200),
    ("/audit/?before=%C2%B2", 200),
    ("/documents/99999999999999999999", 404),
    ("/documents/1/versions/99999999999999999999/download", 404),
])
def test_crafted_numbers_get_an_answer_not_a_500(client, make_user, url, status):
    client.login(make_user(Role.ADMIN))
    assert client.get(url).status_code == status


def test_the_audit_page_shows_vietnamese_as_written(client, make_user, make_document):
    make_document(make_user(Role.CLERK), summary="Trích yếu")
    admin = make_user(Role.ADMIN, full_name="Quản trị")
    client.login(admin)
    client.post("/admin/departments", {"name": "Văn hóa mới", "code": "VHM"})
    html = client.get("/audit/").get_data(as_text=True)
    assert "Văn hóa mới" in html and "\\u" not in html


def test_a_confidential_pdf_is_always_sent_whole_and_audited_once_per_request(client, make_user, make_document,
                                                                             make_department,
                                                                             db_session):
    leader = make_user(Role.LEADER)
    doc = make_document(leader, department=make_department(), confidentiality=Confidentiality.CONFIDENTIAL)
    client.login(leader)
    response = client.get(f"/documents/{doc.id}/file", headers={"Range": "bytes=0-10"})
    assert response.status_code == 200 and len(response.data) == doc.current_version.size
    views = [e for e in audit.events_for(db_session, object_type="document", object_id=doc.id)
             if e.action == "document.viewed"]
    assert len(views) == 1


@pytest.mark.skipif(is_postgres(), reason="SQLite's write lock")
def test_reading_pages_is_not_blocked_by_a_writer_on_sqlite(committed_app):
    path = make_url(str(committed_app.extensions["docflow.engine"].url)).database
    web = WebClient(committed_app.test_client())
    from docflow.services.demo import DEMO_PASSWORD
    assert web.login("vanthu", DEMO_PASSWORD).status_code == 302
    writer = sqlite3.connect(path, isolation_level=None, timeout=1)
    writer.execute("BEGIN IMMEDIATE")
    try:
        result: list[int] = []
        reader = threading.Thread(target=lambda: result.append(web.get("/documents/").status_code))
        reader.start()
        reader.join(timeout=20)
        assert result == [200]
    finally:
        writer.execute("ROLLBACK")
        writer.close()


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

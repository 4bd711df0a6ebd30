"""Notices, their e-mails after commit (to a real local SMTP server), and the escalation of overdue work."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import ssl
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow import db, mail
from docflow.config import MailSettings
from docflow.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    AuditEvent,
    Confidentiality,
    Document,
    DocumentKind,
    DocumentStatus,
    Notification,
    Role,
    User,
)
from docflow.services import notifications
from docflow.services.audit import AuditAction
from docflow.services.notifications import escalate_overdue, list_for, mark_read, notify, unread_count
from tests.conftest import is_postgres, make_test_app
from tests.racing import race

HANOI = dt.timezone(timedelta(hours=7))
MESSAGE = "A new document needs you: %(document)s."


# -- a real SMTP server on localhost ---------------------------------------------------------------------

class Inbox:
    """aiosmtpd handler keeping what it received, and the credentials it was given."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"mat-khau-smtp")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[Inbox, int]) -> Inbox:
    smtp_server[0].messages.clear()
    return smtp_server[0]


@pytest.fixture(scope="module")
def mail_app(database_factory: Any, tmp_path_factory: pytest.TempPathFactory, smtp_server: tuple[Inbox, int]) -> Any:
    """An app whose mail goes to the local server, on its own database (its transactions really commit)."""
    app = make_test_app(database_factory("mail"), tmp_path_factory.mktemp("mail-data"),
                        mail={"smtp_host": "127.0.0.1", "smtp_port": smtp_server[1], "starttls": False,
                              "sender": "docflow@tichson.example"})
    yield app
    app.extensions["docflow.engine"].dispose()


def _subject(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _body(message: Any) -> str:
    return str(message.get_payload(decode=True).decode(message.get_content_charset()))


# -- helpers for rows ------------------------------------------------------------------------------------

def _person(s: Session, role: Role, *, department_id: int | None = None, email: str | None = "auto",
            locale: str | None = None) -> User:
    from docflow.services.people import ensure_organisation
    org = ensure_organisation(s, name="UBND phường Thư Điện Tử")
    name = f"{role.value}-{uuid.uuid4().hex[:8]}"
    user = User(organisation_id=org.id, department_id=department_id, username=name, full_name=f"Ông {name}",
                role=role, password_hash="x", email=f"{name}@tichson.example" if email == "auto" else email,
                locale=locale)
    s.add(user)
    s.flush()
    return user


def _document(s: Session, owner: User, *, confidential: bool = False, summary: str = "Về việc cấp phép xây dựng",
              department_id: int | None = None) -> Document:
    doc = Document(organisation_id=owner.organisation_id, kind=DocumentKind.INCOMING, doc_type="cong_van",
                   summary=summary, status=DocumentStatus.REGISTERED, created_by_id=owner.id,
                   number_symbol="15/UBND-VP", department_id=department_id,
                   confidentiality=Confidentiality.CONFIDENTIAL if confidential else Confidentiality.NORMAL)
    s.add(doc)
    s.flush()
    return doc


# -- notices ---------------------------------------------------------------------------------------------

def test_notify_gives_each_active_user_one_notice(db_session, make_user, make_document):
    official, other = make_user(Role.OFFICIAL), make_user(Role.OFFICIAL)
    gone = make_user(Role.OFFICIAL, active=False)
    doc = make_document(official)
    made = notify(db_session, users=[official, other, official, gone], document=doc, message=MESSAGE,
                  params={"document": "15/UBND-VP"})
    assert sorted(n.user_id for n in made) == sorted([official.id, other.id])
    assert unread_count(db_session, official) == 1 and unread_count(db_session, gone) == 0
    assert json.loads(made[0].params_json) == {"document": "15/UBND-VP"}
    assert made[0].document_id == doc.id


def test_only_urgent_notices_to_users_with_an_address_are_queued_for_mail(db_session, make_user):
    with_mail, without = make_user(Role.OFFICIAL), make_user(Role.OFFICIAL)
    with_mail.email = "a@tichson.example"
    notify(db_session, users=[with_mail, without], document=None, message=MESSAGE, params={"document": "x"})
    assert not [c for c in db_session.info.get("after_commit", []) if isinstance(c, notifications._Outbox)]
    notify(db_session, users=[with_mail, without], document=None, message=MESSAGE, params={"document": "x"},
           urgent=True)
    notify(db_session, users=[with_mail], document=None, message=MESSAGE, params={"document": "y"}, urgent=True)
    boxes = [c for c in db_session.info.get("after_commit", []) if isinstance(c, notifications._Outbox)]
    db_session.info.pop("after_commit", None)
    assert len(boxes) == 1  # one connection per transaction
    assert [(n.to, n.params["document"]) for n in boxes[0].notices] == [("a@tichson.example", "x"),
                                                                        ("a@tichson.example", "y")]


def test_the_list_is_newest_first_and_paged_and_only_the_users_own(db_session, make_user):
    me, someone = make_user(Role.OFFICIAL), make_user(Role.OFFICIAL)
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    for i in range(30):
        notify(db_session, users=[me], document=None, message=MESSAGE, params={"document": f"#{i}"},
               now=start + timedelta(minutes=i))
    notify(db_session, users=[someone], document=None, message=MESSAGE, params={"document": "not mine"})
    first = list_for(db_session, me, 1)
    assert (first.total, first.pages, first.unread) == (30, 2, 30)
    assert [r.params["document"] for r in first.items[:3]] == ["#29", "#28", "#27"]
    last = list_for(db_session, me, 99)
    assert last.page == 2 and [r.params["document"] for r in last.items] == [f"#{i}" for i in range(4, -1, -1)]


def test_mark_read_changes_only_the_users_own_notices(db_session, make_user):
    me, someone = make_user(Role.OFFICIAL), make_user(Role.OFFICIAL)
    mine = notify(db_session, users=[me, me], document=None, message=MESSAGE, params={"document": "a"})
    mine += notify(db_session, users=[me], document=None, message=MESSAGE, params={"document": "b"})
    theirs = notify(db_session, users=[someone], document=None, message=MESSAGE, params={"document": "c"})
    assert mark_read(db_session, me, [mine[0].id, theirs[0].id]) == 1
    assert unread_count(db_session, me) == 1 and unread_count(db_session, someone) == 1
    assert mark_read(db_session, me, [mine[0].id]) == 0          # already read
    assert mark_read(db_session, me, []) == 0
    assert mark_read(db_session, me, None) == 1
    assert unread_count(db_session, me) == 0 and unread_count(db_session, someone) == 1
    assert notifications.document_of(db_session, me, theirs[0].id) is None


# -- e-mail, for real ------------------------------------------------------------------------------------

def test_an_urgent_notice_is_emailed_only_after_the_transaction_commits(mail_app, inbox):
    with mail_app.app_context():
        with db.transaction() as s:
            user = _person(s, Role.OFFICIAL, locale="en")
            doc = _document(s, user)
            notify(s, users=[user], document=doc, message=MESSAGE, params={"document": "15/UBND-VP"}, urgent=True)
            s.flush()
            assert inbox.messages == []
        address = user.email
    assert len(inbox.messages) == 1
    sent = inbox.messages[0]
    assert sent["To"].endswith(f"<{address}>") and sent["From"] == "docflow@tichson.example"
    assert _subject(sent) == "[docflow] A new document needs you: 15/UBND-VP."
    assert "Sign in to docflow" in _body(sent)


def test_no_email_is_sent_when_the_transaction_rolls_back(mail_app, inbox):
    with mail_app.app_context():
        with pytest.raises(RuntimeError, match="refused"):
            with db.transaction() as s:
                user = _person(s, Role.OFFICIAL)
                notify(s, users=[user], document=None, message=MESSAGE, params={"document": "x"}, urgent=True)
                raise RuntimeError("refused")
        with db.transaction() as s:  # the next transaction on the same session sends nothing left over
            _person(s, Role.OFFICIAL)
        assert db.get_session().scalar(select(func.count()).select_from(Notification)
                                       .where(Notification.params_json == '{"document": "x"}')) == 0
    assert inbox.messages == []


def test_the_email_of_a_confidential_document_does_not_carry_its_summary(mail_app, inbox):
    with mail_app.app_context():
        with db.transaction() as s:
            user = _person(s, Role.LEADER)
            doc = _document(s, user, confidential=True, summary="Hồ sơ nhân sự mật")
            notify(s, users=[user], document=doc, message=MESSAGE, params={"document": doc.summary}, urgent=True)
    (sent,) = inbox.messages
    assert "Hồ sơ nhân sự mật" not in _subject(sent) and "Hồ sơ nhân sự mật" not in _body(sent)
    assert "văn bản mật" in _subject(sent)  # the e-mail speaks the ward's language, and names nothing


def _self_signed(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "smtp.pem", tmp_path / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


def test_starttls_and_login_with_the_password_from_the_environment(tmp_path, monkeypatch):
    server_tls, client_tls = _self_signed(tmp_path)
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="localhost", port=port, tls_context=server_tls, require_starttls=True,
                            authenticator=inbox, auth_require_tls=True)
    controller.start()
    try:
        monkeypatch.setenv("DOCFLOW_TEST_SMTP_PASSWORD", "mat-khau-smtp")
        settings = MailSettings(smtp_host="localhost", smtp_port=port, starttls=True, username="docflow",
                                password_env="DOCFLOW_TEST_SMTP_PASSWORD", sender="docflow@tichson.example")
        out = [mail.OutgoingMail(to="lan@tichson.example", subject="Thử", body="Nội dung thử")]
        assert mail.send(settings, out, ssl_context=client_tls) == 1
        # without the client trusting the server's certificate, nothing (not even the login) is sent
        assert mail.send(settings, out) == 0
    finally:
        controller.stop()
    assert inbox.logins == [("docflow", "mat-khau-smtp")]
    assert len(inbox.messages) == 1 and _subject(inbox.messages[0]) == "Thử"


def test_an_unreachable_server_or_a_missing_password_is_logged_never_raised(caplog, monkeypatch):
    out = [mail.OutgoingMail(to="a@tichson.example", subject="Bí mật", body="Nội dung bí mật")]
    closed = MailSettings(smtp_host="127.0.0.1", smtp_port=_free_port(), starttls=False)
    assert mail.send(closed, out, timeout=2) == 0
    monkeypatch.delenv("DOCFLOW_TEST_SMTP_UNSET", raising=False)
    assert mail.send(MailSettings(smtp_host="127.0.0.1", password_env="DOCFLOW_TEST_SMTP_UNSET"), out) == 0
    logged = caplog.text
    assert "failed" in logged and "DOCFLOW_TEST_SMTP_UNSET" in logged
    assert "Nội dung bí mật" not in logged and "Bí mật" not in logged


# -- escalation ------------------------------------------------------------------------------------------

@pytest.fixture
def ward(db_session, make_department, make_user):
    """A department with its head and an official, a leader, and a document the leader directed."""
    dept = make_department("Địa chính – Xây dựng", "DCX")
    people = {"head": make_user(Role.HEAD, department=dept), "official": make_user(Role.OFFICIAL, department=dept),
              "leader": make_user(Role.LEADER), "other_head": make_user(Role.HEAD)}
    doc = _document(db_session, people["leader"], department_id=dept.id)
    return dept, people, doc


def _assign(s: Session, doc: Document, *, assignee: User | None, by: User, deadline: date | None,
            department_id: int | None = None, role: AssignmentRole = AssignmentRole.LEAD,
            status: AssignmentStatus = AssignmentStatus.OPEN, parent: Assignment | None = None) -> Assignment:
    a = Assignment(document_id=doc.id, assignee_id=assignee.id if assignee else None, assigned_by_id=by.id,
                   department_id=department_id, role=role, deadline=deadline, status=status,
                   parent_id=parent.id if parent else None)
    s.add(a)
    s.flush()
    return a


def _at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=HANOI)


def _notified(s: Session, doc: Document) -> list[tuple[int, str]]:
    rows = s.execute(select(Notification.user_id, Notification.message).where(Notification.document_id == doc.id))
    return sorted((u, m) for u, m in rows)


def _escalations(s: Session, doc: Document) -> int:
    return int(s.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == str(AuditAction.ASSIGNMENT_ESCALATED), AuditEvent.object_id == str(doc.id))))


def test_overdue_work_is_escalated_once_to_the_head_the_leader_and_the_assignee(app, db_session, ward):
    dept, p, doc = ward
    settings = app.extensions["docflow.settings"]
    late = _assign(db_session, doc, assignee=p["official"], by=p["leader"], deadline=date(2026, 2, 13),
                   department_id=dept.id)
    escalated = escalate_overdue(db_session, settings=settings, now=_at("2026-02-23"))
    assert escalated == [late] and late.escalated_at == _at("2026-02-23")
    assert _notified(db_session, doc) == sorted([
        (p["head"].id, notifications.MSG_OVERDUE_FOR_SUPERVISOR),
        (p["leader"].id, notifications.MSG_OVERDUE_FOR_SUPERVISOR),
        (p["official"].id, notifications.MSG_OVERDUE_FOR_ASSIGNEE)])
    (event,) = db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == str(AuditAction.ASSIGNMENT_ESCALATED), AuditEvent.object_id == str(doc.id)))
    assert event.actor_id is None and event.details["assignment_id"] == late.id
    assert event.details["notified_user_ids"] == sorted([p["head"].id, p["leader"].id, p["official"].id])
    notice = db_session.scalars(select(Notification).where(Notification.user_id == p["head"].id)).one()
    assert notifications.params_of(notice) == {"document": "15/UBND-VP", "deadline": "13/02/2026",
                                               "assignee": p["official"].full_name}

    assert escalate_overdue(db_session, settings=settings, now=_at("2026-02-24")) == []
    assert escalate_overdue(db_session, settings=settings, now=_at("2026-03-02")) == []
    assert len(_notified(db_session, doc)) == 3 and _escalations(db_session, doc) == 1


def test_a_deadline_inside_tet_is_not_overdue_until_the_first_working_day_after_it_has_passed(app, db_session, ward):
    dept, p, doc = ward
    settings = app.extensions["docflow.settings"]
    during_tet = _assign(db_session, doc, assignee=p["official"], by=p["leader"], deadline=date(2026, 2, 17))
    assert escalate_overdue(db_session, settings=settings, now=_at("2026-02-21")) == []
    assert escalate_overdue(db_session, settings=settings, now=_at("2026-02-23", hour=23)) == []
    # 18:00 UTC on the 23rd is already 01:00 on the 24th in Hanoi
    assert escalate_overdue(db_session, settings=settings,
                            now=datetime(2026, 2, 23, 18, tzinfo=UTC)) == [during_tet]


def test_information_only_finished_forwarded_and_undated_work_is_never_escalated(app, db_session, ward):
    dept, p, doc = ward
    settings = app.extensions["docflow.settings"]
    past = date(2026, 1, 5)
    _assign(db_session, doc, assignee=p["official"], by=p["leader"], deadline=past, role=AssignmentRole.INFO)
    for status in (AssignmentStatus.COMPLETED, AssignmentStatus.CANCELLED, AssignmentStatus.FORWARDED):
        _assign(db_session, doc, assignee=p["official"], by=p["leader"], deadline=past, status=status)
    _assign(db_session, doc, assignee=p["official"], by=p["leader"], deadline=None)
    co = _assign(db_session, doc, assignee=p["official"], by=p["leader"], deadline=past, role=AssignmentRole.CO,
                 status=AssignmentStatus.IN_PROGRESS)
    assert escalate_overdue(db_session, settings=settings, now=_at("2026-03-02")) == [co]


def test_a_handlers_overdue_work_reaches_the_leader_who_directed_the_document(app, db_session, ward):
    dept, p, doc = ward
    settings = app.extensions["docflow.settings"]
    to_department = _assign(db_session, doc, assignee=None, by=p["leader"], deadline=date(2026, 3, 20),
                            department_id=dept.id, status=AssignmentStatus.IN_PROGRESS)
    handler = _assign(db_session, doc, assignee=p["official"], by=p["head"], deadline=date(2026, 3, 13),
                      parent=to_department)
    assert escalate_overdue(db_session, settings=settings, now=_at("2026-03-16")) == [handler]
    told = {u for u, _ in _notified(db_session, doc)}
    assert told == {p["head"].id, p["leader"].id, p["official"].id}   # not the other department's head
    # the department's own assignment, once overdue too, goes to its head and the leader
    assert escalate_overdue(db_session, settings=settings, now=_at("2026-03-23")) == [to_department]
    assert _escalations(db_session, doc) == 2


@pytest.mark.skipif(not is_postgres(), reason="real concurrent transactions need PostgreSQL")
def test_two_escalation_runs_at_once_escalate_each_assignment_once(committed_app):
    engine = committed_app.extensions["docflow.engine"]
    settings = committed_app.extensions["docflow.settings"]
    with Session(engine) as s, s.begin():
        leader = s.execute(select(User).where(User.username == "chutich")).scalar_one()
        official = s.execute(select(User).where(User.username == "chuyenvien.dc")).scalar_one()
        doc = _document(s, leader, summary="Chạy đua leo thang")
        assignment = _assign(s, doc, assignee=official, by=leader, deadline=date(2026, 1, 5),
                             department_id=official.department_id)
        ids = (doc.id, assignment.id)
    def escalate(s: Session) -> list[int]:
        return [a.id for a in escalate_overdue(s, settings=settings, now=_at("2026-02-02"))]

    results = race(engine, [escalate, escalate], timeout=60)
    assert all(isinstance(r, list) for r in results), results
    assert sum(r.count(ids[1]) for r in results if isinstance(r, list)) == 1
    with Session(engine) as s:
        notices = s.scalar(select(func.count()).select_from(Notification).where(Notification.document_id == ids[0]))
        events = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == str(AuditAction.ASSIGNMENT_ESCALATED), AuditEvent.object_id == str(ids[0])))
    assert (notices, events) == (3, 1)  # the DC head, the chairman, the official


def test_the_escalate_command_escalates_commits_and_emails(mail_app, inbox, tmp_path):
    with mail_app.app_context():
        with db.transaction() as s:
            from docflow.models import Department
            from docflow.services.people import ensure_organisation
            org = ensure_organisation(s, name="UBND phường Thư Điện Tử")
            dept = Department(organisation_id=org.id, name="Tư pháp", code=f"TP{uuid.uuid4().hex[:4]}")
            s.add(dept)
            s.flush()
            head = _person(s, Role.HEAD, department_id=dept.id)
            official = _person(s, Role.OFFICIAL, department_id=dept.id)
            leader = _person(s, Role.LEADER, email=None)
            doc = _document(s, leader, department_id=dept.id)
            assignment = _assign(s, doc, assignee=official, by=leader, department_id=dept.id,
                                 deadline=date.today() - timedelta(days=30))
        settings = mail_app.extensions["docflow.settings"]
        recipients = {head.email, official.email}
    config = tmp_path / "docflow.toml"
    config.write_text("\n".join([
        "[app]", 'mode = "testing"', f"data_dir = {json.dumps(str(settings.app.data_dir))}",
        f"keys_dir = {json.dumps(str(settings.app.keys_dir))}",
        "[database]", f"url = {json.dumps(settings.database_url)}",
        "[mail]", 'smtp_host = "127.0.0.1"', f"smtp_port = {settings.mail.smtp_port}", "starttls = false",
    ]) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFLOW_")} | {"DOCFLOW_CONFIG": str(config)}
    command = [sys.executable, "-c", "from docflow.commands.deadlines import escalate; escalate()"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "1 overdue assignment(s) escalated." in first.stdout
    assert f"assignment {assignment.id} of document {doc.id}" in first.stdout
    assert {m["To"].split("<")[-1].rstrip(">") for m in inbox.messages} == recipients  # the leader has no address
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "0 overdue assignment(s) escalated." in again.stdout
    assert len(inbox.messages) == 2

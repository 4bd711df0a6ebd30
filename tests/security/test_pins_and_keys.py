"""Attacks on signing keys and PINs (issue 10, section 4), performed as the attacker would."""

from __future__ import annotations

import dataclasses
import os
import re
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import select

from docflow.errors import PermissionDeniedError
from docflow.models import AuditEvent, Certificate, DocumentKind, KeyGuard, Notification, Role, Signature
from docflow.services import keys as key_service
from docflow.services.audit import AuditAction
from docflow.signing.base import CertificateKind
from docflow.signing.keywrap import KeyWrap
from tests.conftest import SIGNING_PIN, is_postgres


@pytest.fixture
def leader(make_user, issue_cert):
    user = make_user(Role.LEADER, full_name="Trần Văn Minh")
    user.post = "Chủ tịch"
    issue_cert(user)
    return user


@pytest.fixture
def document(make_document, make_user, make_department):
    department = make_department()
    return make_document(make_user(Role.OFFICIAL, department=department), department=department,
                         kind=DocumentKind.INTERNAL)


def _sign(client, document_id, pin):
    response = client.post(f"/documents/{document_id}/sign", {"kind": "personal", "pin": pin})
    return client.get(response.location).get_data(as_text=True) if response.status_code == 302 \
        else response.get_data(as_text=True)


def _switch(client, user) -> None:
    assert client.logout().status_code == 302
    assert client.login(user).status_code == 302


def _actions(db_session, certificate_id) -> list[str]:
    return list(db_session.execute(select(AuditEvent.action).where(
        AuditEvent.object_type == "certificate", AuditEvent.object_id == str(certificate_id))
        .order_by(AuditEvent.seq)).scalars())


def _certificate(db_session, holder) -> Certificate:
    return db_session.execute(select(Certificate).where(Certificate.holder_id == holder.id)
                              .order_by(Certificate.id.desc())).scalars().first()


def test_five_wrong_pins_lock_the_key_and_then_the_right_pin_is_refused_too(
        client, db_session, leader, document, make_user):
    admin = make_user(Role.ADMIN)
    certificate = _certificate(db_session, leader)
    client.login(leader)
    for guess in ("111357", "222468", "333579", "444680", "555791"):
        _sign(client, document.id, guess)
    page = _sign(client, document.id, SIGNING_PIN)
    assert "bị khóa" in page and "phút" in page   # locked, and for how many minutes, in Vietnamese
    assert db_session.execute(select(Signature).where(Signature.document_id == document.id)).first() is None
    actions = _actions(db_session, certificate.id)
    assert actions.count(AuditAction.KEY_PIN_WRONG.value) == 5
    assert AuditAction.KEY_LOCKED.value in actions and AuditAction.KEY_REFUSED_LOCKED.value in actions
    told = set(db_session.execute(select(Notification.user_id)).scalars())
    assert {leader.id, admin.id} <= told


def test_an_admin_unlocks_a_locked_key_and_the_holder_is_told(client, db_session, leader, document, make_user):
    admin = make_user(Role.ADMIN)
    certificate = _certificate(db_session, leader)
    client.login(leader)
    for guess in ("111357", "222468", "333579", "444680", "555791"):
        _sign(client, document.id, guess)
    assert client.post(f"/admin/certificates/{certificate.id}/unlock", {}).status_code == 403   # not the holder
    _switch(client, admin)
    listing = client.get("/admin/certificates").get_data(as_text=True)
    assert 'data-testid="key-locked"' in listing
    assert client.post(f"/admin/certificates/{certificate.id}/unlock", {}).status_code == 302
    _switch(client, leader)
    assert "Đã ký" in _sign(client, document.id, SIGNING_PIN)
    assert AuditAction.KEY_UNLOCKED.value in _actions(db_session, certificate.id)
    notices = db_session.execute(select(Notification).where(Notification.user_id == leader.id)).scalars()
    assert any("unlocked" in n.message for n in notices)


def test_the_admin_can_neither_set_nor_see_a_holders_pin(client, db_session, make_user, signing_settings,
                                                         document):
    holder = make_user(Role.LEADER, full_name="Lê Thị Hạnh")
    holder.post = "Chủ tịch"
    admin = make_user(Role.ADMIN)
    client.login(admin)
    page = client.post("/admin/certificates", {"kind": "personal", "holder_id": str(holder.id),
                                               "pin": "975318", "confirm_pin": "975318"}).get_data(as_text=True)
    code = re.search(r'data-testid="enrolment-code">([A-Z0-9-]+)<', page).group(1)
    assert 'name="pin"' not in client.get("/admin/certificates").get_data(as_text=True)
    certificate = _certificate(db_session, holder)
    # The code belongs to the holder: the admin who saw it cannot redeem it with a PIN of their choosing.
    client.post("/account/pin/enrol", {"certificate_id": str(certificate.id), "code": code,
                                       "pin": "975318", "confirm_pin": "975318"})
    assert db_session.get(KeyGuard, _guard_id(db_session, certificate)).pin_set_at is None
    _switch(client, holder)
    assert "Đã ký" not in _sign(client, document.id, "975318")   # the PIN the admin typed opens nothing
    client.post("/account/pin/enrol", {"certificate_id": str(certificate.id), "code": code,
                                       "pin": "864197", "confirm_pin": "864197"})
    assert "Đã ký" in _sign(client, document.id, "864197")
    told = db_session.execute(select(Notification).where(Notification.user_id == holder.id)).scalars().all()
    assert any("was chosen by" in n.message for n in told)   # whoever redeemed the code, the holder hears of it
    assert 'data-testid="change-pin"' in client.get("/account/signature").get_data(as_text=True)
    client.post("/account/pin/change", {"certificate_id": str(certificate.id), "old_pin": "864197",
                                        "pin": "397154", "confirm_pin": "397154"})
    _switch(client, admin)
    client.post("/account/pin/change", {"certificate_id": str(certificate.id), "old_pin": "397154",
                                        "pin": "111357", "confirm_pin": "111357"})
    actions = _actions(db_session, certificate.id)
    assert actions.count(AuditAction.KEY_PIN_SET.value) == 1 and actions.count(AuditAction.KEY_PIN_CHANGED.value) == 1


def test_in_production_no_one_sets_a_pin_for_someone_else_even_from_the_shell(db_session, make_user,
                                                                              signing_settings):
    production = dataclasses.replace(signing_settings, app=dataclasses.replace(signing_settings.app,
                                                                               mode="production"))
    holder = make_user(Role.LEADER)
    with pytest.raises(PermissionDeniedError, match="holder chooses the PIN"):
        key_service.issue_certificate(db_session, settings=production, actor=None, holder=holder,
                                      kind=CertificateKind.PERSONAL, pin="975318")
    assert db_session.execute(select(Certificate).where(Certificate.holder_id == holder.id)).first() is None


def _guard_id(db_session, certificate) -> int:
    return db_session.execute(select(KeyGuard.id).where(KeyGuard.certificate_id == certificate.id)).scalar_one()


def test_trivial_pins_are_refused_when_the_holder_chooses_one(client, db_session, make_user, signing_settings):
    holder = make_user(Role.HEAD)
    enrolment = key_service.issue_for_enrolment(db_session, settings=signing_settings, actor=make_user(Role.ADMIN),
                                                holder=holder, kind=CertificateKind.PERSONAL)
    client.login(holder)
    for trivial in ("000000", "123456", "654321", "12345", "112233", "890123"):
        response = client.post("/account/pin/enrol", {"certificate_id": str(enrolment.certificate.id),
                                                      "code": enrolment.code, "pin": trivial,
                                                      "confirm_pin": trivial})
        assert "mã pin" in client.get(response.location).get_data(as_text=True).lower()
    assert db_session.get(KeyGuard, _guard_id(db_session, enrolment.certificate)).pin_set_at is None


def test_a_copied_keys_folder_without_the_server_secret_does_not_open_with_the_right_pin(
        db_session, make_user, issue_cert, signing_settings):
    certificate = issue_cert(make_user(Role.LEADER))
    stolen = (signing_settings.app.keys_dir / certificate.key_path).read_bytes()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(stolen, SIGNING_PIN.encode())
    wrap = KeyWrap.from_json(db_session.execute(select(KeyGuard.wrap).where(
        KeyGuard.certificate_id == certificate.id)).scalar_one())
    guessed_secret = os.urandom(48)
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(stolen, wrap.password(SIGNING_PIN, server_secret=guessed_secret).encode())
    assert not (signing_settings.app.keys_dir / "key_secret").exists()
    key, _, _ = pkcs12.load_key_and_certificates(
        stolen, wrap.password(SIGNING_PIN, server_secret=signing_settings.key_secret()).encode())
    assert key is not None


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_files_database_blobs_and_secrets_are_owner_only(
        db_session, make_user, issue_cert, signing_settings, store, app):
    old = os.umask(0o022)
    try:
        certificate = issue_cert(make_user(Role.LEADER))
        sha256 = store.put_bytes(b"%PDF-1.7 confidential " + os.urandom(8))
        keys_dir = signing_settings.app.keys_dir
        assert _mode(keys_dir / certificate.key_path) == 0o600
        for folder in (keys_dir, keys_dir / "users", keys_dir / "ca"):
            assert _mode(folder) == 0o700, folder
        assert _mode(store.path_for(sha256)) == 0o400
        assert _mode(store.path_for(sha256).parent) == 0o700 and _mode(store.root) == 0o700
        for secret in ("secret_key", "key_secret", "ca_passphrase"):
            path = signing_settings.app.data_dir / secret
            if path.exists():
                assert _mode(path) == 0o600, secret
        assert _mode(signing_settings.app.data_dir / "key_secret") == 0o600
        if not is_postgres():
            database = Path(app.extensions["docflow.engine"].url.database)
            assert _mode(database) == 0o600
    finally:
        os.umask(old)

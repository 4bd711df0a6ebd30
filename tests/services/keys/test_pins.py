"""Wrong PINs counted per key in the database, locks that double, enrolment and PIN changes, key rewrapping."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import func, select

from docflow import db
from docflow.errors import DocflowError, KeyLockedError, SigningError, ValidationError, WrongPinError
from docflow.models import AuditEvent, Certificate, KeyGuard, Role, User, utc_now
from docflow.services import keys as key_service
from docflow.services.keys import pins
from docflow.services import signatures as signing_service
from docflow.services.audit import AuditAction
from docflow.signing.base import CertificateKind, SignatureKind
from tests.conftest import _PASSWORD_HASH, SIGNING_PIN, is_postgres


def _open(app: Any, actor: User, pin: str, *, now: Any = None) -> DocflowError | None:
    """Open the actor's key at the edge, as a view does: one db.transaction(), rolled back on error."""
    with app.test_request_context():
        try:
            with db.transaction() as s, signing_service.open_key(
                    s, settings=app.extensions["docflow.settings"], actor=s.get(User, actor.id),
                    kind=SignatureKind.PERSONAL, pin=pin, now=now):
                return None
        except DocflowError as exc:
            return exc


def _guard(db_session, certificate: Certificate) -> KeyGuard:
    return db_session.execute(select(KeyGuard).where(KeyGuard.certificate_id == certificate.id)
                              .execution_options(populate_existing=True)).scalar_one()


@pytest.fixture
def holder(make_user, issue_cert):
    user = make_user(Role.LEADER)
    issue_cert(user)
    return user


def test_a_wrong_pin_is_counted_although_the_action_rolls_back_and_a_right_one_resets_the_count(
        app, db_session, holder):
    certificate = key_service.certificate_for(db_session, actor=holder, kind=CertificateKind.PERSONAL)
    assert isinstance(_open(app, holder, "975318"), WrongPinError)
    assert isinstance(_open(app, holder, "975319"), WrongPinError)
    assert _guard(db_session, certificate).failed_pins == 2
    assert _open(app, holder, SIGNING_PIN) is None
    assert _guard(db_session, certificate).failed_pins == 0
    wrong = db_session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == AuditAction.KEY_PIN_WRONG.value, AuditEvent.object_id == str(certificate.id)))
    assert wrong.scalar_one() == 2


def test_each_further_lock_lasts_twice_as_long_and_an_unlock_is_audited(app, db_session, holder, make_user):
    certificate = key_service.certificate_for(db_session, actor=holder, kind=CertificateKind.PERSONAL)
    now = utc_now()
    for _ in range(5):
        outcome = _open(app, holder, "975318", now=now)
    assert isinstance(outcome, KeyLockedError) and outcome.params["minutes"] == 15
    assert _guard(db_session, certificate).locked_until == now + timedelta(minutes=15)
    assert isinstance(_open(app, holder, SIGNING_PIN, now=now + timedelta(minutes=14)), KeyLockedError)
    later = now + timedelta(minutes=16)
    assert _open(app, holder, SIGNING_PIN, now=later) is None
    for _ in range(5):
        _open(app, holder, "975318", now=later)
    assert _guard(db_session, certificate).locked_until == later + timedelta(minutes=30)
    with pytest.raises(DocflowError):
        pins.unlock_key(db_session, actor=holder, certificate_id=certificate.id)
    pins.unlock_key(db_session, actor=make_user(Role.ADMIN), certificate_id=certificate.id, now=later)
    assert _open(app, holder, SIGNING_PIN, now=later) is None


def test_an_expired_or_wrong_enrolment_code_is_refused_and_a_spent_one_cannot_be_used_again(
        db_session, make_user, signing_settings):
    holder = make_user(Role.HEAD)
    now = utc_now()
    enrolment = key_service.issue_for_enrolment(db_session, settings=signing_settings, actor=make_user(Role.ADMIN),
                                                holder=holder, kind=CertificateKind.PERSONAL, now=now)
    enrol = dict(settings=signing_settings, actor=holder, certificate_id=enrolment.certificate.id,
                 pin="864197", confirm="864197")
    with pytest.raises(ValidationError, match="expired"):
        key_service.enrol_pin(db_session, code=enrolment.code, now=now + timedelta(hours=73), **enrol)
    with pytest.raises(ValidationError, match="not correct"):
        key_service.enrol_pin(db_session, code="AAAA-BBBB-CCCC-DDDD", now=now, **enrol)
    with pytest.raises(ValidationError, match="do not match"):
        key_service.enrol_pin(db_session, code=enrolment.code, now=now, **{**enrol, "confirm": "864198"})
    key_service.enrol_pin(db_session, code=enrolment.code.lower().replace("-", " "), now=now, **enrol)
    with pytest.raises(ValidationError, match="already been chosen"):
        key_service.enrol_pin(db_session, code=enrolment.code, now=now, **enrol)
    assert _guard(db_session, enrolment.certificate).enrolment_sha256 is None


def test_the_holder_changes_the_pin_and_the_old_one_no_longer_opens_the_key(app, db_session, holder,
                                                                            signing_settings):
    certificate = key_service.certificate_for(db_session, actor=holder, kind=CertificateKind.PERSONAL)
    old_file = signing_settings.app.keys_dir / certificate.key_path
    with app.test_request_context(), db.transaction() as s:
        key_service.change_pin(s, settings=signing_settings, actor=s.get(User, holder.id),
                               certificate_id=certificate.id, old_pin=SIGNING_PIN, new_pin="397154",
                               confirm="397154")
    assert not old_file.exists()   # removed once the change committed
    assert isinstance(_open(app, holder, SIGNING_PIN), WrongPinError)
    assert _open(app, holder, "397154") is None


def test_a_key_file_still_under_the_bare_pin_opens_once_and_is_then_rewrapped(
        app, db_session, holder, signing_settings):
    certificate = key_service.certificate_for(db_session, actor=holder, kind=CertificateKind.PERSONAL)
    guard = _guard(db_session, certificate)
    path = signing_settings.app.keys_dir / certificate.key_path
    # Make it a key from before key wrapping: the PKCS#12 file under the PIN itself, no wrap recorded.
    from docflow.signing.keywrap import KeyWrap
    password = KeyWrap.from_json(guard.wrap).password(SIGNING_PIN, server_secret=signing_settings.key_secret())
    key, cert, extra = pkcs12.load_key_and_certificates(path.read_bytes(), password.encode())
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"old", key, cert, extra, serialization.BestAvailableEncryption(SIGNING_PIN.encode())))
    guard.wrap = None
    db_session.flush()
    assert _open(app, holder, SIGNING_PIN) is None
    db_session.refresh(certificate)
    rewrapped = signing_settings.app.keys_dir / certificate.key_path
    assert _guard(db_session, certificate).wrap is not None and rewrapped != path and not path.exists()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(rewrapped.read_bytes(), SIGNING_PIN.encode())
    assert _open(app, holder, SIGNING_PIN) is None


def test_a_key_waiting_for_its_enrolment_code_cannot_sign(app, db_session, make_user, signing_settings):
    holder = make_user(Role.LEADER)
    key_service.issue_for_enrolment(db_session, settings=signing_settings, actor=make_user(Role.ADMIN),
                                    holder=holder, kind=CertificateKind.PERSONAL)
    outcome = _open(app, holder, SIGNING_PIN)
    assert isinstance(outcome, SigningError) and "enrolment code" in outcome.message


def test_two_wrong_pins_at_once_are_both_counted(committed_app):
    settings = committed_app.extensions["docflow.settings"]
    key_service.init_ca(settings, organisation="UBND phường Tích Sơn")
    with committed_app.app_context(), db.transaction() as s:
        org_id = s.execute(select(User.organisation_id)).scalars().first()
        user = User(organisation_id=org_id, username=f"pinrace-{uuid.uuid4().hex[:8]}", full_name="Người thử",
                    role=Role.LEADER, post="", password_hash=_PASSWORD_HASH, is_active=True)
        s.add(user)
        s.flush()
        certificate = key_service.issue_certificate(s, settings=settings, actor=None, holder=user,
                                                    kind=CertificateKind.PERSONAL, pin=SIGNING_PIN)
        certificate_id = certificate.id
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def attempt() -> None:
        with committed_app.test_request_context():
            try:
                if not is_postgres():   # SQLite's writers queue at BEGIN IMMEDIATE: meet before it
                    barrier.wait(timeout=30)
                with db.transaction() as s:
                    actor = s.get(User, user.id)
                    if is_postgres():
                        barrier.wait(timeout=30)
                    with signing_service.open_key(s, settings=settings, actor=actor, kind=SignatureKind.PERSONAL,
                                                  pin="975318"):
                        pass
            except DocflowError as exc:
                outcomes.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(outcomes) == 2 and all(isinstance(o, WrongPinError) for o in outcomes)
    with committed_app.app_context():
        s = db.get_session()
        guard = s.execute(select(KeyGuard).where(KeyGuard.certificate_id == certificate_id)).scalar_one()
        events = s.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == AuditAction.KEY_PIN_WRONG.value, AuditEvent.object_id == str(certificate_id)))
        assert guard.failed_pins == 2 and events.scalar_one() == 2

"""Signing services on a real database and the ward's real development CA: certificates, the sign action,
the Decree 30 order of signatures, refusals, and the kept verification report."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.errors import (
    CertificateError,
    ConflictError,
    InvalidTransitionError,
    PermissionDeniedError,
    SigningError,
    ValidationError,
    WrongPinError,
)
from docflow.models import (
    AuditEvent,
    Certificate,
    CertificateStatus,
    DocumentKind,
    Role,
    Signature,
    User,
    VerificationReport,
)
from docflow.services import keys as key_service
from docflow.services import signatures as signing_service
from docflow.signing.base import CertificateKind, SignatureKind

from tests.conftest import SIGNING_PIN as PIN


@pytest.fixture
def leader(make_user: Any, issue_cert: Any) -> User:
    user = make_user(Role.LEADER, full_name="Lê Thị Thu Hà")
    user.post = "Phó Chủ tịch"
    issue_cert(user)
    return user


@pytest.fixture
def clerk(make_user: Any, issue_cert: Any) -> User:
    user = make_user(Role.CLERK)
    issue_cert(None, CertificateKind.ORGANISATION)
    return user


@pytest.fixture
def new_document(make_document: Any, make_department: Any) -> Any:
    department = make_department()
    return lambda owner: make_document(owner, department=department, kind=DocumentKind.INTERNAL)


def _sign(db_session: Session, signing_settings: Any, store: Any, actor: User, document_id: int, kind: SignatureKind,
          pin: str = PIN, expected_version: int | None = None, step: Any = None) -> Any:
    return signing_service.sign_version(db_session, settings=signing_settings, store=store, actor=actor,
                                        document_id=document_id, kind=kind, pin=pin,
                                        expected_version=expected_version, step=step)


def _events(db_session: Session, action: str) -> list[AuditEvent]:
    return list(db_session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_only_an_admin_issues_certificates_and_reissuing_supersedes_the_old_one(
        db_session, signing_settings, make_user, issue_cert, ward_ca):
    holder = make_user(Role.HEAD)
    with pytest.raises(PermissionDeniedError):
        key_service.issue_certificate(db_session, settings=signing_settings, actor=make_user(Role.CLERK), holder=holder,
                                      kind=CertificateKind.PERSONAL, pin=PIN)
    first = issue_cert(holder)
    second = issue_cert(holder)
    assert first.status is CertificateStatus.SUPERSEDED and second.status is CertificateStatus.VALID
    assert first.sha256 != second.sha256
    from asn1crypto import x509
    revoked = ward_ca.revocation_checker()
    assert revoked(x509.Certificate.load(first.der)) is not None
    assert revoked(x509.Certificate.load(second.der)) is None
    details = [e.details for e in _events(db_session, "certificate.issued")][-2:]
    assert [d["serial"] for d in details] == [first.serial, second.serial]
    assert PIN not in json.dumps(details)


def test_an_auditor_cannot_hold_a_signing_certificate(db_session, signing_settings, issue_cert, make_user):
    with pytest.raises(SigningError):
        issue_cert(make_user(Role.AUDITOR))


def test_a_leader_signs_a_new_version_and_the_audit_names_it_without_the_pin(
        db_session, signing_settings, store, leader, new_document):
    document = new_document(leader)
    before = document.current_version
    outcome = _sign(db_session, signing_settings, store, leader, document.id, SignatureKind.PERSONAL)
    assert outcome.version.number == before.number + 1 and outcome.version.parent_id == before.id
    signed = store.read(outcome.version.sha256)
    assert signed.startswith(store.read(before.sha256))  # an incremental update of the earlier bytes
    record = db_session.execute(select(Signature).where(Signature.document_id == document.id)).scalar_one()
    assert (record.kind, record.signer_id, record.mode_line) == (SignatureKind.PERSONAL, leader.id, "KT. CHỦ TỊCH")
    event = _events(db_session, "document.signed")[-1]
    assert event.details["sha256"] == outcome.version.sha256 and event.details["kind"] == "personal"
    assert PIN not in json.dumps(event.details)
    report = signing_service.verify_version(db_session, settings=signing_settings, store=store, actor=leader,
                                            document_id=document.id, version_number=None)
    assert report["valid"] is True
    assert [s["field"] for s in report["signatures"]] == ["personal_1"]
    assert "Lê Thị Thu Hà" in report["signatures"][0]["signer"]
    assert report["signatures"][0]["docflow_user"]["username"] == leader.username


def test_a_wrong_pin_is_a_message_and_changes_nothing(db_session, signing_settings, store, leader, new_document):
    document = new_document(leader)
    signed_before = len(_events(db_session, "document.signed"))
    with pytest.raises(WrongPinError) as caught:
        _sign(db_session, signing_settings, store, leader, document.id, SignatureKind.PERSONAL, pin="000000")
    assert "000000" not in str(caught.value)
    db_session.refresh(document)
    assert len(document.versions) == 1
    assert len(_events(db_session, "document.signed")) == signed_before


def test_an_official_may_not_sign_and_a_head_signs_personally_only_at_a_routes_sign_step(
        db_session, signing_settings, store, make_user, make_department, make_document, issue_cert, leader):
    from datetime import date

    from docflow.models.routing import SigningMode
    from docflow.services import outgoing
    from docflow.services.people import delegations
    department = make_department()
    official, head = make_user(Role.OFFICIAL, department=department), make_user(Role.HEAD, department=department)
    head.post = "Chánh Văn phòng"
    issue_cert(official)
    issue_cert(head)
    document = make_document(official, department=department, kind=DocumentKind.INTERNAL)
    with pytest.raises(PermissionDeniedError, match="this kind of signature"):
        _sign(db_session, signing_settings, store, official, document.id, SignatureKind.INITIAL)
    outcome = _sign(db_session, signing_settings, store, head, document.id, SignatureKind.INITIAL)
    assert outcome.signature.field_name == "initial_1"
    delegations.create_delegation(db_session, actor=leader, delegate_id=head.id, delegator_id=leader.id,
                                  mode=SigningMode.TL, doc_types=None, valid_from=date(2020, 1, 1), valid_to=None)
    # Even under a delegation, not on a document's page: the form never offered it, the service refuses it.
    with pytest.raises(InvalidTransitionError, match="does not go on this document"):
        _sign(db_session, signing_settings, store, head, document.id, SignatureKind.PERSONAL)
    draft = make_document(official, department=department, kind=DocumentKind.OUTGOING)
    draft.signer_id = head.id
    outgoing.start_route(db_session, actor=official, document_id=draft.id, store=store, reviewer_ids=[])
    step = outgoing.active_step(db_session, draft.id)
    outcome = _sign(db_session, signing_settings, store, head, draft.id, SignatureKind.PERSONAL, step=step)
    assert outcome.signature.mode_line == "TL. PHÓ CHỦ TỊCH"


def test_signing_a_version_the_signer_was_not_shown_is_refused(db_session, signing_settings, store, leader,
                                                               new_document):
    document = new_document(leader)
    with pytest.raises(ConflictError):
        _sign(db_session, signing_settings, store, leader, document.id, SignatureKind.PERSONAL, expected_version=7)


def test_the_organisation_signature_goes_only_on_an_outgoing_document_at_issue_and_then_locks_it(
        db_session, signing_settings, store, leader, clerk, new_document, make_document, make_department):
    from docflow.services import outgoing
    document = new_document(leader)
    with pytest.raises(PermissionDeniedError, match="this kind of signature"):
        _sign(db_session, signing_settings, store, leader, document.id, SignatureKind.ORGANISATION)
    _sign(db_session, signing_settings, store, leader, document.id, SignatureKind.PERSONAL)
    with pytest.raises(InvalidTransitionError, match="does not go on this document"):
        _sign(db_session, signing_settings, store, clerk, document.id, SignatureKind.ORGANISATION)
    draft = make_document(leader, kind=DocumentKind.OUTGOING, department=make_department())
    draft.signer_id = leader.id
    outgoing.start_route(db_session, actor=leader, document_id=draft.id, store=store, reviewer_ids=[])
    with pytest.raises(PermissionDeniedError, match="assigned to someone else"):  # the signer's step
        _sign(db_session, signing_settings, store, clerk, draft.id, SignatureKind.ORGANISATION,
              step=outgoing.active_step(db_session, draft.id))
    sign_step = outgoing.active_step(db_session, draft.id)
    outgoing.sign_step(db_session, actor=leader, settings=signing_settings, store=store, document_id=draft.id,
                       step_id=sign_step.id, pin=PIN, expected_version=None)
    issue_step = outgoing.active_step(db_session, draft.id)
    outcome = _sign(db_session, signing_settings, store, clerk, draft.id, SignatureKind.ORGANISATION, step=issue_step)
    report = signing_service.verify_version(db_session, settings=signing_settings, store=store, actor=clerk,
                                            document_id=draft.id, version_number=outcome.version.number)
    assert report["valid"] is True
    assert [s["field"] for s in report["signatures"]] == ["personal_1", "organisation"]
    with pytest.raises(InvalidTransitionError, match="locked"):
        _sign(db_session, signing_settings, store, clerk, draft.id, SignatureKind.ORGANISATION, step=issue_step)


def test_a_revoked_certificate_cannot_sign(db_session, signing_settings, store, make_user, issue_cert, new_document):
    user = make_user(Role.LEADER)
    user.post = "Chủ tịch"
    certificate = issue_cert(user)
    key_service.revoke_certificate(db_session, settings=signing_settings, actor=make_user(Role.ADMIN),
                                   certificate_id=certificate.id, reason="key_compromise")
    document = new_document(user)
    with pytest.raises(CertificateError):
        _sign(db_session, signing_settings, store, user, document.id, SignatureKind.PERSONAL)


def test_a_user_without_a_certificate_is_told_to_ask_for_one(db_session, signing_settings, store, make_user,
                                                             new_document):
    user = make_user(Role.LEADER)
    user.post = "Chủ tịch"
    with pytest.raises(CertificateError, match="no valid signing certificate"):
        _sign(db_session, signing_settings, store, user, new_document(user).id, SignatureKind.PERSONAL)


def test_a_verification_report_is_kept_and_reused_for_the_same_file(db_session, signing_settings, store, make_user,
                                                                    new_document):
    user = make_user(Role.CLERK)
    document = new_document(user)
    first = signing_service.verify_version(db_session, settings=signing_settings, store=store, actor=user,
                                           document_id=document.id, version_number=None)
    second = signing_service.verify_version(db_session, settings=signing_settings, store=store, actor=user,
                                            document_id=document.id, version_number=None)
    assert first["valid"] is False and first["signatures"] == []
    assert first == second
    kept = db_session.execute(select(func.count()).select_from(VerificationReport).where(
        VerificationReport.sha256 == document.current_version.sha256)).scalar_one()
    assert kept == 1


def _png(mode: str = "RGBA", fmt: str = "PNG", size: tuple[int, int] = (300, 120)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (0, 0, 255, 0) if mode == "RGBA" else (0, 0, 255)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(("data", "message"), [
    (_png(fmt="JPEG", mode="RGB"), "must be a PNG"),
    (_png(mode="RGB"), "transparent background"),
    (_png(size=(4000, 100)), "between 20×10 and 2000×1000"),
    (b"not an image at all", "must be a PNG"),
])
def test_a_signature_image_must_be_a_transparent_png_of_sane_size(db_session, store, make_user, data, message):
    user = make_user(Role.LEADER)
    with pytest.raises(ValidationError, match=message):
        signing_service.set_signature_image(db_session, actor=user, data=data, store=store)
    assert user.signature_image_sha256 is None


def test_a_signature_image_is_kept_and_audited(db_session, store, make_user):
    user = make_user(Role.LEADER)
    sha256 = signing_service.set_signature_image(db_session, actor=user, data=_png(), store=store)
    assert user.signature_image_sha256 == sha256 and store.read(sha256) == _png()
    assert _events(db_session, "user.signature_image_changed")[-1].details["sha256"] == sha256


def test_an_outgoing_draft_gets_number_and_date_fields_filled_before_the_seal(
        db_session, signing_settings, store, leader, clerk, make_document, make_department):
    from pypdf import PdfReader

    department = make_department()
    from docflow.services import outgoing
    document = make_document(leader, department=department, kind=DocumentKind.OUTGOING, doc_type="quyet_dinh")
    # an outgoing number is never typed (R12): set here as issuing sets it
    document.number_symbol, document.signer_id = "15/QĐ-UBND", leader.id
    with pytest.raises(InvalidTransitionError, match="on its route"):
        _sign(db_session, signing_settings, store, leader, document.id, SignatureKind.PERSONAL)
    outgoing.start_route(db_session, actor=leader, document_id=document.id, store=store, reviewer_ids=[])
    personal = outgoing.sign_step(db_session, actor=leader, settings=signing_settings, store=store,
                                  document_id=document.id, step_id=outgoing.active_step(db_session, document.id).id,
                                  pin=PIN, expected_version=None)
    fields = PdfReader(io.BytesIO(store.read(document.current_version.sha256))).get_fields() or {}
    assert personal.signature_id is not None
    assert {"so_ky_hieu", "ngay_ban_hanh"} <= set(fields) and not fields["so_ky_hieu"].get("/V")
    sealed = _sign(db_session, signing_settings, store, clerk, document.id, SignatureKind.ORGANISATION,
                   step=outgoing.active_step(db_session, document.id))
    fields = PdfReader(io.BytesIO(store.read(sealed.version.sha256))).get_fields() or {}
    assert fields["so_ky_hieu"]["/V"] == "Số: 15/QĐ-UBND"
    assert fields["ngay_ban_hanh"]["/V"].startswith("Thử Nghiệm, ngày ")
    report = signing_service.verify_version(db_session, settings=signing_settings, store=store, actor=clerk,
                                            document_id=document.id, version_number=None)
    assert report["valid"] is True, report
    assert [s["modification_level"] for s in report["signatures"]] == ["form_filling", "none"]


def test_no_pin_or_private_key_reaches_the_database_the_logs_or_a_message(
        db_session, signing_settings, store, make_user, issue_cert, new_document, caplog):
    import logging

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    caplog.set_level(logging.DEBUG)
    pin = "975318"
    leader = make_user(Role.LEADER)
    leader.post = "Phó Chủ tịch"
    row = key_service.issue_certificate(db_session, settings=signing_settings, actor=make_user(Role.ADMIN),
                                        holder=leader, kind=CertificateKind.PERSONAL, pin=pin)
    document = new_document(leader)
    with pytest.raises(WrongPinError) as wrong:
        _sign(db_session, signing_settings, store, leader, document.id, SignatureKind.PERSONAL, pin="975319")
    _sign(db_session, signing_settings, store, leader, document.id, SignatureKind.PERSONAL, pin=pin)
    from docflow.models import KeyGuard
    from docflow.signing.keywrap import KeyWrap
    data = (signing_settings.app.keys_dir / row.key_path).read_bytes()
    with pytest.raises(ValueError):   # the file is wrapped under the PIN and the server secret, not the PIN
        pkcs12.load_key_and_certificates(data, pin.encode())
    guard = db_session.query(KeyGuard).filter_by(certificate_id=row.id).one()
    password = KeyWrap.from_json(guard.wrap).password(pin, server_secret=signing_settings.key_secret())
    key, _, _ = pkcs12.load_key_and_certificates(data, password.encode())
    assert key is not None
    secret = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())
    dumped = []
    from docflow.models import Base
    for table in Base.metadata.sorted_tables:
        for values in db_session.execute(table.select()).all():
            dumped.append(repr(tuple(values)))
    everything = "\n".join(dumped)
    assert pin not in everything and "975319" not in everything and password not in everything
    assert secret.hex() not in everything and secret[16:48] not in everything.encode("latin-1", "replace")
    assert pin not in caplog.text and "975319" not in caplog.text and "975319" not in str(wrong.value)

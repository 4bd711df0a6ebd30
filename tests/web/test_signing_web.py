"""Signing screens: the sign form and its refusals, the signature panel, reports, the verify page, the admin
certificate screen, the user's signature image, and the CA's public CRL / OCSP endpoints."""

from __future__ import annotations

import io
import json
import re

import pytest
from asn1crypto import ocsp, x509
from PIL import Image
from sqlalchemy import select

from docflow.models import Certificate, CertificateStatus, DocumentKind, Role, Signature
from docflow.signing.base import CertificateKind
from tests.conftest import SIGNING_PIN, pdf_bytes


@pytest.fixture
def department(make_department):
    return make_department()


@pytest.fixture
def leader(make_user, issue_cert):
    user = make_user(Role.LEADER, full_name="Trần Văn Minh")
    user.post = "Chủ tịch"
    issue_cert(user)
    return user


@pytest.fixture
def document(make_document, make_user, department):
    return make_document(make_user(Role.OFFICIAL, department=department), department=department,
                         kind=DocumentKind.INTERNAL)


def _sign(client, document_id, kind="personal", pin=SIGNING_PIN, version=None):
    data = {"kind": kind, "pin": pin}
    if version is not None:
        data["version"] = str(version)
    return client.post(f"/documents/{document_id}/sign", data)


def _switch(client, user) -> None:
    assert client.logout().status_code == 302
    assert client.login(user).status_code == 302


def _flash(client, response) -> str:
    return client.get(response.location).get_data(as_text=True)


def test_a_leader_signs_from_the_document_page_and_sees_the_verdict(client, leader, document, db_session):
    client.login(leader)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="sign-form"' in page and 'value="personal"' in page
    assert 'value="organisation"' not in page  # a leader never applies the ward's seal
    response = _sign(client, document.id, version=1)
    assert response.status_code == 302
    html = _flash(client, response)
    assert "Đã ký" in html
    assert 'data-valid="true"' in html and 'data-field="personal_1"' in html
    assert "TM. ỦY BAN NHÂN DÂN" in html  # docflow's record of the signing mode, next to the verdict
    assert db_session.execute(select(Signature).where(Signature.document_id == document.id)).scalar_one()


def test_a_wrong_pin_comes_back_as_a_message_not_a_traceback(client, leader, document, db_session):
    client.login(leader)
    response = _sign(client, document.id, pin="999999")
    assert response.status_code == 302
    html = _flash(client, response)
    assert "Mã PIN không đúng" in html and "999999" not in html
    assert db_session.execute(select(Signature).where(Signature.document_id == document.id)).first() is None


def test_signing_without_the_csrf_token_is_refused(client, leader, document):
    client.login(leader)
    response = client.post(f"/documents/{document.id}/sign", {"kind": "personal", "pin": SIGNING_PIN}, csrf=False)
    assert response.status_code == 400


def test_an_official_posting_the_sign_form_directly_is_refused(client, make_user, document, department):
    official = make_user(Role.OFFICIAL, department=department)
    client.login(official)
    response = _sign(client, document.id)
    assert response.status_code == 403
    assert "Bạn không được ký loại chữ ký này" in response.get_data(as_text=True)


def test_another_departments_document_cannot_be_signed_by_url(client, make_user, make_department, issue_cert,
                                                               document):
    head = make_user(Role.HEAD, department=make_department())
    issue_cert(head)
    client.login(head)
    assert _sign(client, document.id, kind="initial").status_code == 403


def test_the_clerk_never_seals_a_document_on_its_page_even_after_the_personal_signature(
        client, leader, document, make_user, issue_cert, db_session):
    clerk = make_user(Role.CLERK)
    issue_cert(None, CertificateKind.ORGANISATION)
    client.login(leader)
    assert "Đã ký" in _flash(client, _sign(client, document.id))
    _switch(client, clerk)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'data-testid="sign-form"' not in page  # the seal goes on an outgoing document at issue only
    refused = _sign(client, document.id, kind="organisation")
    assert refused.status_code == 409
    assert [s.kind.value for s in db_session.execute(select(Signature).where(
        Signature.document_id == document.id)).scalars()] == ["personal"]


def test_the_report_downloads_as_json_with_the_command_line_fields(client, leader, document):
    client.login(leader)
    _sign(client, document.id)
    response = client.get(f"/documents/{document.id}/versions/2/verification?format=json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    report = json.loads(response.data)
    assert report["valid"] is True and "msgids" not in report
    assert set(report["signatures"][0]) >= {"field", "signer", "signing_time", "timestamp_time", "intact",
                                            "trusted", "revoked", "coverage", "modification_level",
                                            "pades_level", "problems"}
    printable = client.get(f"/documents/{document.id}/versions/2/verification").get_data(as_text=True)
    assert "Báo cáo kiểm tra chữ ký" in printable and "personal_1" in printable


def test_the_verify_page_reports_on_any_uploaded_pdf(client, make_user):
    client.login(make_user(Role.AUDITOR))
    assert client.get("/verify").status_code == 200
    response = client.post("/verify", {"file": (io.BytesIO(pdf_bytes("unsigned")), "x.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert 'data-valid="false"' in html and "không có chữ ký" in html


@pytest.mark.parametrize("content", [b"", b"%PDF-1.7\n garbage", b"GIF89a not a pdf"])
def test_the_verify_page_answers_bad_files_with_a_message(client, make_user, content):
    client.login(make_user(Role.OFFICIAL))
    response = client.post("/verify", {"file": (io.BytesIO(content), "x.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert 'data-testid="verify-error"' in response.get_data(as_text=True)


def test_an_unknown_report_is_not_found(client, make_user):
    client.login(make_user(Role.OFFICIAL))
    assert client.get("/verify/" + "0" * 64).status_code == 404
    assert client.get("/verify/not-a-hash").status_code == 404


def test_the_admin_issues_and_revokes_certificates_on_screen(client, make_user, db_session):
    holder = make_user(Role.HEAD, full_name="Đỗ Thị Lan")
    client.login(make_user(Role.ADMIN))
    issued = client.post("/admin/certificates", {"kind": "personal", "holder_id": str(holder.id)})
    html = issued.get_data(as_text=True)
    row = db_session.execute(select(Certificate).where(Certificate.holder_id == holder.id)).scalar_one()
    # No PIN is asked of the admin: a one-time enrolment code is shown, once, for the holder.
    assert issued.status_code == 200 and row.serial in html and 'data-testid="enrolment-code"' in html
    assert issued.headers["Cache-Control"] == "no-store"
    assert "Đỗ Thị Lan" in client.get("/admin/certificates").get_data(as_text=True)
    revoked = client.post(f"/admin/certificates/{row.id}/revoke", {"reason": "key_compromise"})
    assert revoked.status_code == 302
    db_session.refresh(row)
    assert row.status is CertificateStatus.REVOKED and row.revocation_reason == "key_compromise"


def test_the_certificate_screen_warns_before_expiry(client, make_user, issue_cert, db_session):
    from datetime import timedelta

    from docflow.models import utc_now
    row = issue_cert(make_user(Role.LEADER, full_name="Phạm Quốc Dũng"))
    row.not_after = utc_now() + timedelta(days=12)
    db_session.flush()
    client.login(make_user(Role.ADMIN))
    html = client.get("/admin/certificates").get_data(as_text=True)
    warning = re.search(r'data-testid="expiry-warning">(.*?)</div>', html, re.S)
    assert warning and "Phạm Quốc Dũng" in warning.group(1)


def test_only_admins_reach_the_certificate_screen(client, make_user):
    client.login(make_user(Role.LEADER))
    assert client.get("/admin/certificates").status_code == 403


def test_a_user_uploads_a_signature_image(client, make_user):
    user = make_user(Role.LEADER)
    client.login(user)
    out = io.BytesIO()
    Image.new("RGBA", (200, 80), (0, 0, 200, 0)).save(out, "PNG")
    response = client.post("/account/signature", {"image": (io.BytesIO(out.getvalue()), "ky.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert client.get("/account/signature/image").data == out.getvalue()
    bad = client.post("/account/signature", {"image": (io.BytesIO(b"GIF89a"), "ky.gif")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "PNG" in bad.get_data(as_text=True)


def test_the_crl_and_ocsp_endpoints_answer_for_the_wards_certificates(client, leader, db_session, ward_ca,
                                                                      make_user):
    row = db_session.execute(select(Certificate).where(Certificate.holder_id == leader.id)).scalar_one()
    certificate = x509.Certificate.load(row.der)
    issuer = ward_ca.chain()[0]
    request = ocsp.OCSPRequest({"tbs_request": {"request_list": [{"req_cert": {
        "hash_algorithm": {"algorithm": "sha1"},
        "issuer_name_hash": issuer.subject.sha1, "issuer_key_hash": issuer.public_key.sha1,
        "serial_number": certificate.serial_number}}]}})
    answer = ocsp.OCSPResponse.load(client.client.post("/pki/ocsp", data=request.dump(),
                                                       content_type="application/ocsp-request").data)
    status = answer["response_bytes"]["response"].parsed["tbs_response_data"]["responses"][0]["cert_status"]
    assert answer["response_status"].native == "successful" and status.name == "good"
    from docflow.services import keys as key_service
    key_service.revoke_certificate(db_session, settings=client.client.application.extensions["docflow.settings"],
                                   actor=make_user(Role.ADMIN), certificate_id=row.id, reason="key_compromise")
    answer = ocsp.OCSPResponse.load(client.client.post("/pki/ocsp", data=request.dump()).data)
    status = answer["response_bytes"]["response"].parsed["tbs_response_data"]["responses"][0]["cert_status"]
    assert status.name == "revoked"
    from asn1crypto import crl
    listed = crl.CertificateList.load(client.get("/pki/crl").data)
    assert certificate.serial_number in {r["user_certificate"].native for r in listed["tbs_cert_list"]["revoked_certificates"]}
    assert client.get("/pki/root.pem").data.startswith(b"-----BEGIN CERTIFICATE-----")


def test_a_signed_pdf_registered_as_a_document_is_verified_at_once(client, leader, document, make_user, store,
                                                                   db_session):
    from docflow.models import VerificationReport
    from docflow.services import signatures as signing_service
    outcome = signing_service.sign_version(db_session, settings=client.client.application.extensions["docflow.settings"],
                                           store=store, actor=leader, document_id=document.id,
                                           kind=signing_service.SignatureKind.PERSONAL, pin=SIGNING_PIN,
                                           expected_version=None)
    signed = store.read(outcome.version.sha256)
    db_session.execute(VerificationReport.__table__.delete().where(VerificationReport.sha256 == outcome.version.sha256))
    client.login(make_user(Role.CLERK))
    response = client.post("/documents/new", {
        "kind": "internal", "doc_type": "cong_van", "summary": "Văn bản đến đã ký số", "issuing_body": "UBND quận",
        "urgency": "normal", "confidentiality": "normal", "file": (io.BytesIO(signed), "da-ky.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    kept = db_session.execute(select(VerificationReport).where(
        VerificationReport.sha256 == outcome.version.sha256)).scalar_one()
    assert kept.valid is True
    html = client.get(response.location).get_data(as_text=True)
    assert 'data-valid="true"' in html and "Trần Văn Minh" in html

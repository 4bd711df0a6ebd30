"""Production mode: the ward's certificates come from a real CA (the certomancer test PKI, with its live TSA,
OCSP and CRL on 127.0.0.1); docflow holds no CA key, imports the officials' PKCS#12 files and checks
revocation online before every signature."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from docflow.errors import CertificateError, SigningError
from docflow.models import DocumentKind, Role
from docflow.services import keys as key_service
from docflow.services import signatures as signing_service
from docflow.signing.base import CertificateKind, SignatureKind

PIN = "424242"
FILE_PASSWORD = "mat-khau-cua-tep-p12"   # the PKCS#12 file's password, set by the CA


@pytest.fixture
def production(signing_settings: Any, test_pki: Any, tmp_path: Path) -> Any:
    issuing = tmp_path / "issuing.pem"
    issuing.write_bytes(_pem(test_pki.issuing.dump()))
    signing = dataclasses.replace(signing_settings.signing, ca="production", tsa_url=test_pki.tsa_url,
                                  ca_chain=(issuing, test_pki.root_pem_path), trust_roots=(),
                                  level_personal="B-LT", fetch_revocation=True)
    return dataclasses.replace(signing_settings, signing=signing)


def _pem(der: bytes) -> bytes:
    from asn1crypto import pem
    return pem.armor("CERTIFICATE", der)


def test_an_imported_real_ca_certificate_signs_at_b_lt_with_the_real_tsa(
        db_session, production, test_pki, store, make_user, make_department, make_document, tmp_path):
    leader = make_user(Role.LEADER, username="chutich-prod")
    leader.post = "Chủ tịch"  # entitled to sign by the ward's standing rule (the delegation register)
    leader.full_name = "Nguyễn Văn An"  # the certificate's holder (R61: a personal certificate signs only for them)
    p12 = test_pki.write_pkcs12("chutich", FILE_PASSWORD, tmp_path)
    imported = key_service.import_pkcs12_certificate(db_session, settings=production, actor=make_user(Role.ADMIN),
                                                     holder=leader, kind=CertificateKind.PERSONAL, source=p12,
                                                     pin=FILE_PASSWORD)
    row = imported.certificate
    copy = (production.app.keys_dir / row.key_path).read_bytes()
    with pytest.raises(ValueError):   # the kept copy is no longer under the file's password
        pkcs12.load_key_and_certificates(copy, FILE_PASSWORD.encode())
    # whoever imported the file knows its password: the holder chooses the signing PIN with the code
    assert imported.code is not None
    department = make_department()
    document = make_document(make_user(Role.OFFICIAL, department=department), department=department,
                             kind=DocumentKind.INTERNAL)
    with pytest.raises(SigningError, match="enrolment code"):
        signing_service.sign_version(db_session, settings=production, store=store, actor=leader,
                                     document_id=document.id, kind=SignatureKind.PERSONAL, pin=FILE_PASSWORD,
                                     expected_version=None)
    key_service.enrol_pin(db_session, settings=production, actor=leader, certificate_id=row.id,
                          code=imported.code, pin=PIN, confirm=PIN)
    with pytest.raises(ValueError):   # the kept copy is wrapped under the PIN and the server secret
        pkcs12.load_key_and_certificates((production.app.keys_dir / row.key_path).read_bytes(), PIN.encode())
    signing_service.sign_version(db_session, settings=production, store=store, actor=leader,
                                 document_id=document.id, kind=SignatureKind.PERSONAL, pin=PIN,
                                 expected_version=None)
    report = signing_service.verify_version(db_session, settings=production, store=store, actor=leader,
                                            document_id=document.id, version_number=None)
    assert report["valid"] is True, report
    assert report["signatures"][0]["pades_level"] == "B-LT"
    assert report["signatures"][0]["timestamp_time"] is not None


def test_a_revoked_real_ca_certificate_is_refused_when_imported(db_session, production, test_pki, make_user,
                                                                 tmp_path):
    p12 = test_pki.write_pkcs12("revoked", PIN, tmp_path)
    with pytest.raises(CertificateError, match="revoked"):
        key_service.import_pkcs12_certificate(db_session, settings=production, actor=make_user(Role.ADMIN),
                                              holder=make_user(Role.LEADER), kind=CertificateKind.PERSONAL,
                                              source=p12, pin=PIN)


def test_a_look_alike_ca_certificate_is_refused_when_imported(db_session, production, test_pki, make_user,
                                                               tmp_path):
    p12 = test_pki.write_pkcs12("lookalike", PIN, tmp_path)
    with pytest.raises(CertificateError, match="not issued by the ward's certificate authority"):
        key_service.import_pkcs12_certificate(db_session, settings=production, actor=make_user(Role.ADMIN),
                                              holder=make_user(Role.LEADER), kind=CertificateKind.PERSONAL,
                                              source=p12, pin=PIN)

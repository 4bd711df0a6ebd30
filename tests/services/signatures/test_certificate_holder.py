"""Rule R61 (QĐ 144/2025 Art. 8.4–8.5): a personal certificate is used only by its holder and within the
holder's post; docflow checks the certificate's subject against the signer before any signature is made."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from docflow.errors import CertificateError
from docflow.models import DocumentKind, Role, Signature, User
from docflow.services import keys
from docflow.services import signatures as signing_service
from docflow.signing.base import CertificateKind, SignatureKind
from docflow.signing.x509build import subject_holder

from tests.conftest import SIGNING_PIN as PIN


@pytest.fixture
def vice(make_user: Any, issue_cert: Any) -> User:
    user = make_user(Role.LEADER, full_name="Lê Thị Thu Hà")
    user.post = "Phó Chủ tịch"
    issue_cert(user)
    return user


def _sign(db_session, signing_settings, store, actor, document_id):
    return signing_service.sign_version(db_session, settings=signing_settings, store=store, actor=actor,
                                        document_id=document_id, kind=SignatureKind.PERSONAL, pin=PIN,
                                        expected_version=None, step=None)


def _document(make_document, make_department, owner):
    return make_document(owner, department=make_department(), kind=DocumentKind.INTERNAL)


def test_r61_issued_certificates_carry_the_holders_name_and_post(db_session, vice):
    certificate = keys.certificate_for(db_session, actor=vice, kind=CertificateKind.PERSONAL)
    assert subject_holder(certificate.der) == ("Lê Thị Thu Hà", "Phó Chủ tịch")


def test_r61_the_holder_signs_within_the_post(db_session, signing_settings, store, vice, make_document,
                                              make_department):
    document = _document(make_document, make_department, vice)
    outcome = _sign(db_session, signing_settings, store, vice, document.id)
    assert outcome.signature.signer_id == vice.id


def test_r61_a_changed_post_refuses_the_old_certificate_and_asks_for_reissue(
        db_session, signing_settings, store, vice, make_document, make_department, issue_cert):
    document = _document(make_document, make_department, vice)
    vice.post = "Chủ tịch"   # promoted: the certificate issued for "Phó Chủ tịch" no longer matches
    with pytest.raises(CertificateError) as refused:
        _sign(db_session, signing_settings, store, vice, document.id)
    assert "Phó Chủ tịch" in refused.value.params["cert_post"] and "reissue" in refused.value.message
    assert db_session.execute(select(func.count()).select_from(Signature)).scalar_one() == 0
    assert document.current_version.number == 1
    issue_cert(vice)   # reissued for the current post
    assert _sign(db_session, signing_settings, store, vice, document.id).signature.signer_id == vice.id


def test_r61_a_renamed_account_no_longer_matches_its_certificate(
        db_session, signing_settings, store, vice, make_document, make_department):
    document = _document(make_document, make_department, vice)
    vice.full_name = "Nguyễn Văn Khác"
    with pytest.raises(CertificateError) as refused:
        _sign(db_session, signing_settings, store, vice, document.id)
    assert refused.value.params["holder"] == "Lê Thị Thu Hà"
    assert db_session.execute(select(func.count()).select_from(Signature)).scalar_one() == 0

"""R61: signing with another person's certificate is refused before anything is signed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from docflow.errors import CertificateError
from docflow.models import Certificate, DocumentKind, Role, Signature
from docflow.services import signatures as signing_service
from docflow.signing.base import SignatureKind

from tests.conftest import SIGNING_PIN as PIN


def test_r61_signing_with_another_persons_certificate_is_refused(
        db_session, signing_settings, store, make_user, issue_cert, make_document, make_department):
    chairman = make_user(Role.LEADER, full_name="Nguyễn Văn An")
    chairman.post = "Chủ tịch"
    vice = make_user(Role.LEADER, full_name="Lê Thị Thu Hà")
    vice.post = "Phó Chủ tịch"
    theirs = issue_cert(chairman)
    # The chairman's certificate row handed to the vice-chairman (an admin's mistake or a tampered row):
    # its subject still names the chairman and his post.
    theirs.holder_id = vice.id
    db_session.flush()
    document = make_document(vice, department=make_department(), kind=DocumentKind.INTERNAL)
    with pytest.raises(CertificateError) as refused:
        signing_service.sign_version(db_session, settings=signing_settings, store=store, actor=vice,
                                     document_id=document.id, kind=SignatureKind.PERSONAL, pin=PIN,
                                     expected_version=None, step=None)
    assert refused.value.params["holder"] == "Nguyễn Văn An"
    assert db_session.execute(select(func.count()).select_from(Signature)).scalar_one() == 0
    assert db_session.get(Certificate, theirs.id).holder_id == vice.id and document.current_version.number == 1

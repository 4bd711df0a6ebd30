"""The ward's seal needs a VerifiedPersonalSignature: only verify_personal_signature makes one, a document
without an entitled personal signature gets none, and the seal refuses a proof made for another version."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from docflow import policy
from docflow.errors import InvalidTransitionError
from docflow.models import DocumentKind, Signature
from docflow.services import documents as doc_service
from docflow.services import signatures
from docflow.services.documents import UploadedFile
from docflow.services.signatures import seal
from docflow.signing.base import SignatureKind
from tests.conftest import SIGNING_PIN as PIN
from tests.conftest import pdf_bytes
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture

pytestmark = pytest.mark.usefixtures("app_ctx")


def test_nothing_but_the_verifying_function_makes_the_proof():
    with pytest.raises(TypeError):
        signatures.VerifiedPersonalSignature(document=None, sha256="0" * 64, _proof=object())  # type: ignore[arg-type]


def test_a_document_without_a_personal_signature_gets_no_proof(db_session, signing_settings, store, ward,
                                                               make_document):
    document = make_document(ward.clerk, kind=DocumentKind.INTERNAL)

    with pytest.raises(InvalidTransitionError, match="personal signature"):
        signatures.verify_personal_signature(db_session, settings=signing_settings, document=document, store=store)


def test_the_seal_refuses_a_proof_made_for_another_version(db_session, signing_settings, store, ward,
                                                           make_document, monkeypatch):
    document = make_document(ward.clerk, kind=DocumentKind.INTERNAL)
    monkeypatch.setattr(seal, "require_valid_personal_signature", lambda *a, **kw: None)
    monkeypatch.setattr(policy, "require_signature", lambda *a, **kw: None)
    proof = signatures.verify_personal_signature(db_session, settings=signing_settings, document=document, store=store)
    doc_service.add_version(db_session, actor=ward.clerk, document_id=document.id, store=store, max_bytes=10 ** 7,
                            upload=UploadedFile(io.BytesIO(pdf_bytes("another file")), "khac.pdf"),
                            expected_row_version=None)

    with pytest.raises(ValueError, match="another version"):
        signatures.sign_seal(db_session, settings=signing_settings, store=store, actor=ward.clerk, proof=proof,
                             pin=PIN, expected_version=None)
    assert db_session.execute(select(func.count()).select_from(Signature)).scalar_one() == 0


def test_the_seal_takes_no_other_kind_than_the_organisation_s(db_session, signing_settings, store, ward,
                                                              make_document, monkeypatch):
    document = make_document(ward.clerk, kind=DocumentKind.INTERNAL)
    monkeypatch.setattr(seal, "require_valid_personal_signature", lambda *a, **kw: None)
    proof = signatures.verify_personal_signature(db_session, settings=signing_settings, document=document, store=store)

    with pytest.raises(ValueError, match="not the organisation"):
        signatures.sign_seal(db_session, settings=signing_settings, store=store, actor=ward.clerk, proof=proof,
                             pin=PIN, expected_version=None, kind=SignatureKind.PERSONAL)


def test_the_ward_s_day_follows_its_time_zone(signing_settings):
    # 17:30 UTC on 31 December is already 1 January in Hà Nội (UTC+7)
    day = signatures.local_today(signing_settings, datetime(2026, 12, 31, 17, 30, tzinfo=UTC))

    assert (day.year, day.month, day.day) == (2027, 1, 1)

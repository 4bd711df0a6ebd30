"""Signing through the service with a key on a hardware token (SoftHSM2 standing in for a USB token)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from docflow.config import TokenSettings
from docflow.errors import SigningError, WrongPinError
from docflow.models import CertificateStatus, DocumentKind, KeyStorage, Role
from docflow.services import keys as key_service
from docflow.services import signatures as signing_service
from docflow.signing.base import CertificateKind, SignatureKind
from tests.signing.softhsm import MODULE, SoftHsmToken, import_credentials, init_token
from tests.signing.softhsm import softhsm_environment  # noqa: F401  (fixture)

TOKEN_PIN = "864202"


@pytest.fixture(scope="module")
def token_key(softhsm_environment: Path, ward_ca: Any, tmp_path_factory: pytest.TempPathFactory  # noqa: F811
              ) -> tuple[str, TokenSettings]:
    """A ward certificate for 'tokenleader', its key moved onto a fresh SoftHSM2 token."""
    issued = ward_ca.issue(holder="tokenleader", full_name="Hoàng Văn Token", post="Phó Chủ tịch",
                           organisation="UBND phường Thử Nghiệm", kind=CertificateKind.PERSONAL, pin="p12-pin-1",
                           out_dir=tmp_path_factory.mktemp("token-p12"), validity_days=365)
    key, cert, chain = pkcs12.load_key_and_certificates(issued.path.read_bytes(), b"p12-pin-1")
    assert isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)) and cert is not None
    issued.path.unlink()  # the key now lives only on the token
    init_token(softhsm_environment, "ward-token", TOKEN_PIN)
    import_credentials(SoftHsmToken(MODULE, "ward-token", TOKEN_PIN), key=key, certificate=cert, chain=chain,
                       key_label="tokenleader-key", cert_label="tokenleader")
    return issued.sha256, TokenSettings(module=MODULE, token_label="ward-token", key_label="tokenleader-key",
                                        cert_label="tokenleader")


@pytest.fixture
def token_settings(signing_settings: Any, token_key: tuple[str, TokenSettings]) -> Any:
    signing = dataclasses.replace(signing_settings.signing, tokens={"tokenleader": token_key[1]})
    return dataclasses.replace(signing_settings, signing=signing)


def test_a_leader_signs_with_the_key_on_the_token(db_session, token_settings, token_key, store, make_user,
                                                  make_department, make_document):
    leader = make_user(Role.LEADER, username="tokenleader", full_name="Hoàng Văn Token")
    leader.post = "Phó Chủ tịch"  # entitled to sign by the ward's standing rule (the delegation register)
    row = key_service.register_token_certificate(db_session, settings=token_settings, actor=make_user(Role.ADMIN),
                                                 holder=leader, pin=TOKEN_PIN)
    assert (row.storage, row.key_path, row.sha256) == (KeyStorage.PKCS11, None, token_key[0])
    department = make_department()
    document = make_document(make_user(Role.OFFICIAL, department=department), department=department,
                             kind=DocumentKind.INTERNAL)
    with pytest.raises(WrongPinError):
        signing_service.sign_version(db_session, settings=token_settings, store=store, actor=leader,
                                     document_id=document.id, kind=SignatureKind.PERSONAL, pin="000000",
                                     expected_version=None)
    outcome = signing_service.sign_version(db_session, settings=token_settings, store=store, actor=leader,
                                           document_id=document.id, kind=SignatureKind.PERSONAL, pin=TOKEN_PIN,
                                           expected_version=None)
    assert outcome.signature.certificate_id == row.id
    report = signing_service.verify_version(db_session, settings=token_settings, store=store, actor=leader,
                                            document_id=document.id, version_number=None)
    assert report["valid"] is True and "Hoàng Văn Token" in report["signatures"][0]["signer"]


def test_a_token_user_without_a_configured_token_is_told_so(db_session, signing_settings, token_key, make_user):
    leader = make_user(Role.LEADER, username="tokenleader")
    with pytest.raises(SigningError, match="No hardware token is configured"):
        key_service.register_token_certificate(db_session, settings=signing_settings,
                                               actor=make_user(Role.ADMIN), holder=leader, pin=TOKEN_PIN)


def test_registering_a_token_supersedes_the_file_key(db_session, token_settings, issue_cert, make_user):
    leader = make_user(Role.LEADER, username="tokenleader")
    old = issue_cert(leader)
    key_service.register_token_certificate(db_session, settings=token_settings, actor=make_user(Role.ADMIN),
                                           holder=leader, pin=TOKEN_PIN)
    assert old.status is CertificateStatus.SUPERSEDED

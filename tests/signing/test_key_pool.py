"""The session's key pool (tests/keypool.py): the keys of one test differ, the next test reuses them, and a
key handed to DevelopmentCA.issue is the one it certifies."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from docflow.signing.base import CertificateKind
from docflow.signing.issued import IssuedCertificate
from docflow.signing.pki import DevelopmentCA
from tests.keypool import KeyPool

PIN = "583920"


def _issue(ca: DevelopmentCA, out_dir: Path, holder: str, **kwargs: object) -> IssuedCertificate:
    return ca.issue(holder=holder, full_name="Phạm Thị Dung", post="Văn thư", organisation="UBND phường Thử Nghiệm",
                    kind=CertificateKind.PERSONAL, pin=PIN, out_dir=out_dir, validity_days=30,
                    **kwargs)   # type: ignore[arg-type]


def _public_der(issued: IssuedCertificate) -> bytes:
    return x509.load_der_x509_certificate(issued.der).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def test_certificates_issued_in_one_test_have_different_keys(ward_ca: DevelopmentCA, tmp_path: Path) -> None:
    first, second = _issue(ward_ca, tmp_path, "first"), _issue(ward_ca, tmp_path, "second")
    elliptic = _issue(ward_ca, tmp_path, "elliptic", key_type="ec")

    assert _public_der(first) != _public_der(second)
    assert isinstance(x509.load_der_x509_certificate(elliptic.der).public_key(), ec.EllipticCurvePublicKey)


@pytest.mark.fresh_keys
def test_a_key_handed_to_the_ca_is_the_one_it_certifies(ward_ca: DevelopmentCA, tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())

    issued = _issue(ward_ca, tmp_path, "given", key=key)

    assert _public_der(issued) == key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def test_the_pool_hands_the_same_keys_to_the_next_test_and_refuses_unknown_types() -> None:
    pool = KeyPool()
    pool.restart()
    first = [pool.take("ec"), pool.take("ec")]

    pool.restart()
    again = [pool.take("ec"), pool.take("ec"), pool.take("ec")]

    assert first[0] is not first[1] and again[:2] == first and again[2] not in first
    assert pool.size() == {"rsa": 0, "ec": 3}
    assert pool.take("dsa") is None
    assert not any(isinstance(key, rsa.RSAPrivateKey) for key in again)

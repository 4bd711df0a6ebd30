"""Loading a signer's PKCS#12 file and refusing certificates that cannot sign."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfWriter

from docflow.errors import CertificateError, SigningError, WrongPinError
from docflow.signing.base import CertificateKind
from docflow.signing.keys import SigningKey, check_certificate, crl_revocation, load_pkcs12
from docflow.signing.pki import DevelopmentCA, IssuedCertificate

WARD = "UBND phường Tích Sơn"
PIN = "731902"


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentCA:
    return DevelopmentCA.create(tmp_path_factory.mktemp("keys") / "ca", organisation=WARD, passphrase=b"ca secret",
                                ocsp_url="http://127.0.0.1:5000/pki/ocsp", crl_url="http://127.0.0.1:5000/pki/crl",
                                key_size=2048)


def _issue(ca: DevelopmentCA, directory: Path, holder: str) -> IssuedCertificate:
    return ca.issue(holder=holder, full_name="Phạm Thị Dung", post="Văn thư", organisation=WARD,
                    kind=CertificateKind.PERSONAL, pin=PIN, out_dir=directory, validity_days=365)


@pytest.fixture(scope="module")
def issued(ca: DevelopmentCA, tmp_path_factory: pytest.TempPathFactory) -> IssuedCertificate:
    return _issue(ca, tmp_path_factory.mktemp("users"), "phamthidung")


@pytest.fixture(scope="module")
def key(issued: IssuedCertificate) -> SigningKey:
    return load_pkcs12(issued.path, PIN)


@functools.cache
def _bare_key() -> rsa.RSAPrivateKey:
    """One key for every bare certificate: the refusals are about the certificate, not its key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _bare_certificate(key_usage: x509.KeyUsage | None) -> asn1_x509.Certificate:
    """A self-signed certificate for holder 'phamthidung' with the given key usage (or none)."""
    private = _bare_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Phạm Thị Dung"),
                      x509.NameAttribute(NameOID.USER_ID, "phamthidung")])
    now = datetime.now(timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
               .not_valid_after(now + timedelta(days=30)))
    if key_usage is not None:
        builder = builder.add_extension(key_usage, critical=True)
    cert = builder.sign(private, hashes.SHA256())
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _usage(*, digital_signature: bool, content_commitment: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=digital_signature, content_commitment=content_commitment,
                         key_encipherment=False, data_encipherment=False, key_agreement=False, key_cert_sign=False,
                         crl_sign=False, encipher_only=False, decipher_only=False)


def _refusal(certificate: asn1_x509.Certificate, **kwargs: object) -> CertificateError:
    with pytest.raises(CertificateError) as caught:
        check_certificate(certificate, **kwargs)   # type: ignore[arg-type]
    return caught.value


# --- load_pkcs12 ----------------------------------------------------------------------------------


def test_load_pkcs12_gives_the_certificate_its_chain_and_a_ready_signer(key: SigningKey, issued: IssuedCertificate,
                                                                        ca: DevelopmentCA) -> None:
    assert key.certificate.serial_number == issued.serial and key.sha256 == issued.sha256
    assert [c.dump() for c in key.chain] == [c.dump() for c in ca.chain()]   # issuing CA first, then root
    signing_cert = key.signer.signing_cert
    assert signing_cert is not None and signing_cert.dump() == key.certificate.dump()
    assert PIN not in repr(key) and "PRIVATE" not in repr(key) and "Phạm Thị Dung" in repr(key)


def test_one_loaded_key_signs_several_documents_that_validate(key: SigningKey, ca: DevelopmentCA) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    pdf = io.BytesIO()
    writer.write(pdf)

    signed = [signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf.getvalue())),
                               signers.PdfSignatureMetadata(field_name=f"Signature{i}"), signer=key.signer)
              for i in range(3)]

    assert len({s.getvalue() for s in signed}) == 3
    context = ValidationContext(trust_roots=[ca.chain()[1]], crls=[ca.crl_der()], allow_fetching=False)
    for document in signed:
        status = validate_pdf_signature(PdfFileReader(document).embedded_signatures[0],
                                        signer_validation_context=context)
        assert status.intact and status.trusted


def test_a_wrong_pin_raises_wrong_pin_error_without_echoing_it(issued: IssuedCertificate) -> None:
    for wrong in ("000000", ""):
        with pytest.raises(WrongPinError) as caught:
            load_pkcs12(issued.path, wrong)
        assert caught.value.message == "The PIN is not correct." and caught.value.params == {}
    assert "000000" not in str(caught.value)


def test_a_missing_key_file_is_a_signing_error_not_a_wrong_pin(tmp_path: Path) -> None:
    with pytest.raises(SigningError) as caught:
        load_pkcs12(tmp_path / "nobody.p12", PIN)
    assert not isinstance(caught.value, WrongPinError)
    assert caught.value.params == {"path": str(tmp_path / "nobody.p12")}
    assert "does not exist" in str(caught.value)


@pytest.mark.parametrize("damage", [lambda d: b"garbage" * 20, lambda d: d[: len(d) // 2], lambda d: b""])
def test_a_corrupt_key_file_is_a_signing_error_not_a_wrong_pin(issued: IssuedCertificate, tmp_path: Path,
                                                               damage: Callable[[bytes], bytes]) -> None:
    path = tmp_path / "broken.p12"
    path.write_bytes(damage(issued.path.read_bytes()))
    with pytest.raises(SigningError) as caught:
        load_pkcs12(path, PIN)
    assert not isinstance(caught.value, WrongPinError)


def test_a_pkcs12_file_without_a_private_key_is_a_signing_error(issued: IssuedCertificate, tmp_path: Path) -> None:
    path = tmp_path / "certs-only.p12"
    cert = x509.load_der_x509_certificate(issued.der)
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"certs", None, None, [cert], serialization.BestAvailableEncryption(PIN.encode())))
    with pytest.raises(SigningError, match="does not contain a key"):
        load_pkcs12(path, PIN)


# --- check_certificate ----------------------------------------------------------------------------


def test_a_current_certificate_of_the_holder_passes(key: SigningKey, issued: IssuedCertificate,
                                                    ca: DevelopmentCA) -> None:
    check_certificate(key.certificate, now=datetime.now(timezone.utc), holder="phamthidung",
                      expected_sha256=issued.sha256.upper(), revocation=ca.revocation_checker())


def test_somebody_elses_certificate_does_not_belong_to_the_holder(key: SigningKey) -> None:
    error = _refusal(key.certificate, now=datetime.now(timezone.utc), holder="nguyenvana")
    assert error.message == "The certificate does not belong to %(holder)s."
    assert error.params == {"holder": "nguyenvana"}


def test_a_certificate_with_another_fingerprint_is_not_the_registered_one(key: SigningKey) -> None:
    error = _refusal(key.certificate, now=datetime.now(timezone.utc), holder="phamthidung", expected_sha256="ab" * 32)
    assert error.message == "The certificate is not the one registered for %(holder)s."


def test_an_expired_certificate_is_refused_with_its_expiry_date(key: SigningKey, issued: IssuedCertificate) -> None:
    error = _refusal(key.certificate, now=issued.not_after + timedelta(seconds=1))
    assert error.message == "The certificate expired on %(date)s."
    assert error.params == {"date": issued.not_after}
    check_certificate(key.certificate, now=issued.not_after)   # the last second still counts


def test_a_certificate_not_yet_valid_is_refused_with_its_start_date(key: SigningKey,
                                                                    issued: IssuedCertificate) -> None:
    error = _refusal(key.certificate, now=issued.not_before - timedelta(days=1))
    assert error.message == "The certificate is not valid until %(date)s."
    assert error.params == {"date": issued.not_before}


def test_a_revoked_certificate_is_refused_with_the_revocation_date(ca: DevelopmentCA, tmp_path: Path) -> None:
    issued = _issue(ca, tmp_path, "revokedclerk")
    certificate = load_pkcs12(issued.path, PIN).certificate
    before = ca.revocation_checker()
    row = ca.revoke(issued.serial, reason="keyCompromise")

    error = _refusal(certificate, now=datetime.now(timezone.utc), holder="revokedclerk",
                     revocation=ca.revocation_checker())

    assert error.message == "The certificate was revoked on %(date)s."
    assert error.params == {"date": row.revoked_at}
    from_crl = _refusal(certificate, now=datetime.now(timezone.utc),
                        revocation=crl_revocation(ca.crl_der(), ca.chain()[0]))
    assert from_crl.params == {"date": row.revoked_at}
    check_certificate(certificate, now=datetime.now(timezone.utc), revocation=before)   # a snapshot


def test_a_crl_not_signed_by_the_given_issuer_is_refused(ca: DevelopmentCA) -> None:
    with pytest.raises(SigningError, match="not signed by"):
        crl_revocation(ca.crl_der(), ca.chain()[1])
    with pytest.raises(SigningError):
        crl_revocation(b"not a crl", ca.chain()[0])


@pytest.mark.parametrize(("usage", "missing"), [
    (_usage(digital_signature=True, content_commitment=False), "nonRepudiation"),
    (_usage(digital_signature=False, content_commitment=True), "digitalSignature"),
    (None, "digitalSignature, nonRepudiation"),
])
def test_a_certificate_without_signing_key_usage_is_refused(usage: x509.KeyUsage | None, missing: str) -> None:
    error = _refusal(_bare_certificate(usage), now=datetime.now(timezone.utc), holder="phamthidung")
    assert error.message == "The certificate's key usage does not allow signing documents (it lacks %(usage)s)."
    assert error.params == {"usage": missing}


def test_each_refusal_has_its_own_message(key: SigningKey, issued: IssuedCertificate) -> None:
    now = datetime.now(timezone.utc)
    refusals = [
        _refusal(key.certificate, now=now, holder="someoneelse"),
        _refusal(key.certificate, now=now, expected_sha256="00" * 32),
        _refusal(key.certificate, now=now, revocation=lambda cert: now),
        _refusal(key.certificate, now=issued.not_before - timedelta(days=1)),
        _refusal(key.certificate, now=issued.not_after + timedelta(days=1)),
        _refusal(_bare_certificate(None), now=now),
    ]
    assert len({r.message for r in refusals}) == len(refusals)

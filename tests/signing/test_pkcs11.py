"""open_token against a real SoftHSM2 token holding a key issued by the development CA."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pkcs11
import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfWriter

from docflow.config import TokenSettings
from docflow.errors import SigningError, WrongPinError
from docflow.signing.base import CertificateKind
from docflow.signing.keys import open_token
from docflow.signing.pki import DevelopmentCA
from tests.signing.softhsm import MODULE, SoftHsmToken, import_credentials, init_token
from tests.signing.softhsm import softhsm_environment  # noqa: F401  (fixture)

TOKEN_LABEL = "docflow-test"
USER_PIN = "246810"
P12_PIN = "135791"


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentCA:
    return DevelopmentCA.create(tmp_path_factory.mktemp("pkcs11-ca") / "ca", organisation="UBND phường Tích Sơn",
                                passphrase=b"ca passphrase", ocsp_url="http://127.0.0.1:5000/pki/ocsp",
                                crl_url="http://127.0.0.1:5000/pki/crl", key_size=2048)


@pytest.fixture(scope="module")
def token(softhsm_environment: Path, ca: DevelopmentCA,   # noqa: F811
          tmp_path_factory: pytest.TempPathFactory) -> TokenSettings:
    """A token holding Trần Thị B's key and certificate, moved there from the PKCS#12 file the CA wrote."""
    issued = ca.issue(holder="tranthib", full_name="Trần Thị B", post="Phó Chủ tịch",
                      organisation="UBND phường Tích Sơn", kind=CertificateKind.PERSONAL, pin=P12_PIN,
                      out_dir=tmp_path_factory.mktemp("p12"), validity_days=365)
    key, cert, chain = pkcs12.load_key_and_certificates(issued.path.read_bytes(), P12_PIN.encode())
    assert isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)) and cert is not None
    init_token(softhsm_environment, TOKEN_LABEL, USER_PIN)
    import_credentials(SoftHsmToken(MODULE, TOKEN_LABEL, USER_PIN), key=key, certificate=cert, chain=chain,
                       key_label="tranthib-key", cert_label="tranthib")
    return TokenSettings(module=MODULE, token_label=TOKEN_LABEL, key_label="tranthib-key", cert_label="tranthib")


def _tiny_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_key_on_the_token_signs_a_pdf_that_validates_as_trusted(token: TokenSettings,
                                                                   ca: DevelopmentCA) -> None:
    with open_token(token, USER_PIN) as key:
        assert key.certificate.subject.native["common_name"] == "Trần Thị B"
        assert [c.sha256 for c in key.chain] == [c.sha256 for c in ca.chain()]
        signed = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(_tiny_pdf())),
                                  signers.PdfSignatureMetadata(field_name="Signature1",
                                                               subfilter=fields.SigSeedSubFilter.PADES),
                                  signer=key.signer)

    root = asn1_x509.Certificate.load(pem.unarmor(ca.root_pem())[2])
    context = ValidationContext(trust_roots=[root], crls=[ca.crl_der()], allow_fetching=False)
    status = validate_pdf_signature(PdfFileReader(signed).embedded_signatures[0],
                                    signer_validation_context=context)
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.sha256 == key.certificate.sha256


def test_the_same_token_key_signs_several_documents_in_one_session(token: TokenSettings) -> None:
    with open_token(token, USER_PIN) as key:
        signatures = [
            signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(_tiny_pdf())),
                             signers.PdfSignatureMetadata(field_name=f"Signature{i}"), signer=key.signer)
            for i in range(3)]
    assert all(len(PdfFileReader(s).embedded_signatures) == 1 for s in signatures)


def test_a_wrong_pin_is_refused_with_wrong_pin_error_and_does_not_echo_it(token: TokenSettings) -> None:
    with pytest.raises(WrongPinError) as caught:
        with open_token(token, "999999"):
            pass  # pragma: no cover
    assert caught.value.message == "The PIN is not correct."
    assert "999999" not in str(caught.value) and "999999" not in repr(caught.value)


def test_a_missing_key_label_is_a_signing_error_naming_the_label(token: TokenSettings) -> None:
    with pytest.raises(SigningError) as caught:
        with open_token(replace(token, key_label="no-such-key", cert_label="tranthib"), USER_PIN):
            pass  # pragma: no cover
    assert not isinstance(caught.value, WrongPinError)
    assert caught.value.params["label"] == "no-such-key"
    assert "no-such-key" in str(caught.value)


def test_an_unknown_token_label_is_a_signing_error_naming_the_token(token: TokenSettings) -> None:
    with pytest.raises(SigningError) as caught:
        with open_token(replace(token, token_label="somebody-else"), USER_PIN):
            pass  # pragma: no cover
    assert caught.value.params["token"] == "somebody-else"


def test_the_session_is_closed_when_the_block_ends(token: TokenSettings) -> None:
    with open_token(token, USER_PIN) as key:
        pass
    with pytest.raises(pkcs11.SessionHandleInvalid):
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(_tiny_pdf())),
                         signers.PdfSignatureMetadata(field_name="Late"), signer=key.signer)
    with open_token(token, USER_PIN) as again:
        assert again.certificate.sha256 == key.certificate.sha256

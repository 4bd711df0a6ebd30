"""The test PKI fixture itself: real pyHanko runs against the live certomancer TSA / OCSP / CRL."""

from __future__ import annotations

import asyncio
import io
import urllib.request
from pathlib import Path

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509 as crypto_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp as crypto_ocsp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import PdfSignatureStatus, validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InvalidCertificateError,
    NotYetValidError,
    RevokedError,
)

from tests.testpki import SIGNATURE_FIELD, LivePKI, PdfSig, pdf_with_fields, tiny_pdf


def _sign(pdf: bytes, signer: signers.Signer, *, field_name: str = "Signature1",
          timestamper: HTTPTimeStamper | None = None, validation_context: ValidationContext | None = None,
          ) -> bytes:
    """PAdES signature; with a validation context, revocation data is fetched and embedded (B-LT)."""
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=validation_context is not None, validation_context=validation_context)
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer,
                           timestamper=timestamper)
    return out.getvalue()


def _validate(pdf: bytes, context: ValidationContext) -> PdfSignatureStatus:
    return validate_pdf_signature(PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0], context)


def test_pades_b_lt_signature_validates_offline_from_embedded_data(test_pki: LivePKI) -> None:
    signed = _sign(tiny_pdf(), test_pki.simple_signer("chutich"), timestamper=test_pki.timestamper(),
                   validation_context=test_pki.validation_context())

    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(signed)))
    assert dss.ocsps and dss.crls  # fetched from the live OCSP responder and CRL repository
    # hard-fail and no fetching: passes only because the revocation data is in the PDF
    offline = test_pki.validation_context(
        allow_fetching=False, revocation_mode="hard-fail", other_certs=list(dss.load_certs()),
        ocsps=[asn1_ocsp.OCSPResponse.load(ref.get_object().data) for ref in dss.ocsps],
        crls=[asn1_crl.CertificateList.load(ref.get_object().data) for ref in dss.crls])
    status = _validate(signed, offline)

    assert status.bottom_line, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert status.signing_cert.subject.native["common_name"] == "Nguyễn Văn An"
    assert status.signing_cert.subject.native["title"] == "CHỦ TỊCH"


def test_revoked_certificate_is_revoked_on_the_live_ocsp_responder_and_crl(test_pki: LivePKI) -> None:
    def ocsp_status(name: str) -> asn1_ocsp.CertStatus:
        load = crypto_x509.load_der_x509_certificate
        request = (crypto_ocsp.OCSPRequestBuilder()
                   .add_certificate(load(test_pki.cert(name).dump()), load(test_pki.issuing.dump()),
                                    hashes.SHA256())
                   .build().public_bytes(serialization.Encoding.DER))
        post = urllib.request.Request(test_pki.ocsp_url, data=request,
                                      headers={"Content-Type": "application/ocsp-request"})
        with urllib.request.urlopen(post, timeout=10) as response:
            # asn1crypto, not cryptography: certomancer's producedAt carries fractional seconds
            answer = asn1_ocsp.OCSPResponse.load(response.read())
        assert answer["response_status"].native == "successful"
        return answer.response_data["responses"][0]["cert_status"]

    revoked = ocsp_status("revoked")
    assert revoked.name == "revoked"
    assert revoked.chosen["revocation_reason"].native == "key_compromise"
    assert ocsp_status("chutich").name == "good"

    crl = asn1_crl.CertificateList.load(test_pki.crl_der("issuing"))
    entries = {entry["user_certificate"].native: entry.crl_reason_value.native for entry in
               crl["tbs_cert_list"]["revoked_certificates"]}
    assert entries == {test_pki.cert("revoked").serial_number: "key_compromise"}

    # and a path validation that follows the certificate's own AIA / CRL DP URLs says so too
    async def validate() -> None:
        context = test_pki.validation_context(revocation_mode="hard-fail")
        try:
            await CertificateValidator(test_pki.cert("revoked"), [test_pki.issuing], context
                                       ).async_validate_usage({"digital_signature"})
        finally:
            await context.aclose()

    with pytest.raises(RevokedError):
        asyncio.run(validate())


@pytest.mark.parametrize(("name", "error"), [
    ("expired", ExpiredError),
    ("not_yet_valid", NotYetValidError),
    ("wrong_ku", InvalidCertificateError),
])
def test_defective_certificates_fail_for_their_reason(test_pki: LivePKI, name: str, error: type) -> None:
    def validate(cert_name: str) -> None:
        context = test_pki.validation_context(allow_fetching=False)  # soft-fail, no revocation data
        asyncio.run(CertificateValidator(test_pki.cert(cert_name), [test_pki.issuing], context)
                    .async_validate_usage({"digital_signature", "non_repudiation"}))

    validate("chutich")
    with pytest.raises(error):
        validate(name)


def test_lookalike_signer_does_not_validate_against_the_real_root(test_pki: LivePKI) -> None:
    lookalike = test_pki.cert("lookalike")
    assert lookalike.subject.dump() == test_pki.cert("chutich").subject.dump()
    assert test_pki.lookalike_root.subject.dump() == test_pki.root.subject.dump()
    assert lookalike.public_key.dump() != test_pki.cert("chutich").public_key.dump()

    signed = _sign(tiny_pdf(), test_pki.simple_signer("lookalike"))

    status = _validate(signed, test_pki.validation_context(allow_fetching=False))
    assert status.intact and status.valid
    assert not status.trusted and not status.bottom_line
    # control: the same signature is trusted when its own (look-alike) root is the anchor
    own_root = ValidationContext(trust_roots=[test_pki.lookalike_root], allow_fetching=False)
    assert _validate(signed, own_root).bottom_line


def test_pkcs12_signer_on_the_form_pdf_reads_as_valid_in_pdfsig(
        test_pki: LivePKI, pdfsig: PdfSig, tmp_path: Path) -> None:
    p12 = test_pki.write_pkcs12("phochutich1", "1234", tmp_path)  # the ECDSA P-256 signer
    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=b"1234")
    assert signer is not None and signer.signing_cert.dump() == test_pki.cert("phochutich1").dump()

    form = pdf_with_fields()
    field_names = {name for name, _, _ in fields.enumerate_sig_fields(
        PdfFileReader(io.BytesIO(form)), filled_status=False)}
    assert field_names == {SIGNATURE_FIELD}
    signed_path = tmp_path / "signed.pdf"
    signed_path.write_bytes(_sign(form, signer, field_name=SIGNATURE_FIELD))

    result = pdfsig(signed_path)

    assert result.returncode == 0, result.stderr
    assert "Signer Certificate Common Name: Trần Thị Bình" in result.stdout
    assert "Signature Validation: Signature is Valid." in result.stdout
    assert "Total document signed" in result.stdout
    # No assertion on "Certificate Validation" here: poppler 22.12 reads NSS's last error instead of the
    # result, so any hiccup of the OCSP fetch reads as "Unknown issue" (certomancer's responses carry
    # fractional-second times). pdfsig's trust in docflow's own CA is asserted in test_pki.py and in
    # tests/cli/test_signing_commands.py, with docflow serving OCSP.

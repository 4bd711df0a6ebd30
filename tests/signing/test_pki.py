"""The development CA: creating and opening it, issuing PKCS#12 files, revoking, CRLs, OCSP and timestamps."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import shutil
import stat
import subprocess
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from asn1crypto import cms, pem, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import RevokedError
from pypdf import PdfWriter

from docflow.errors import ConfigurationError, ConflictError, NotFoundError, ValidationError
from docflow.signing.base import CertificateKind
from docflow.signing.keys import load_pkcs12
from docflow.signing.pki import CertificateStatus, DevelopmentCA, IssuedCertificate
from docflow.signing.timestamp import DEVELOPMENT_TSA_POLICY, LocalTimeStamper, timestamper_for

Issue = Callable[..., IssuedCertificate]
WARD = "UBND phường Tích Sơn"
PASSPHRASE = b"correct horse battery staple"
PIN = "482913"
OCSP_URL = "http://127.0.0.1:5000/pki/ocsp"
CRL_URL = "http://127.0.0.1:5000/pki/crl"


def _create(directory: Path, **kwargs: object) -> DevelopmentCA:
    return DevelopmentCA.create(directory, organisation=WARD, passphrase=PASSPHRASE, ocsp_url=OCSP_URL,
                                crl_url=CRL_URL, key_size=2048, **kwargs)   # type: ignore[arg-type]


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> DevelopmentCA:
    return _create(tmp_path_factory.mktemp("keys") / "ca")


@pytest.fixture
def issue(ca: DevelopmentCA, tmp_path: Path) -> Issue:
    def make(holder: str = "nguyenvana", **overrides: object) -> IssuedCertificate:
        values: dict[str, object] = dict(holder=holder, full_name="Nguyễn Văn Ánh", post="Chủ tịch",
                                         organisation=WARD, kind=CertificateKind.PERSONAL, pin=PIN,
                                         out_dir=tmp_path / "users", validity_days=730)
        values.update(overrides)
        return ca.issue(**values)   # type: ignore[arg-type]
    return make


def _cert(issued: IssuedCertificate) -> x509.Certificate:
    return x509.load_der_x509_certificate(issued.der)


def _root(ca: DevelopmentCA) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(pem.unarmor(ca.root_pem())[2])


def _ocsp_request(issued: IssuedCertificate, ca: DevelopmentCA, *, nonce: bytes | None = None) -> bytes:
    issuer = x509.load_der_x509_certificate(ca.chain()[0].dump())
    builder = ocsp.OCSPRequestBuilder().add_certificate(_cert(issued), issuer, hashes.SHA1())
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def _tiny_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _sign(pdf: bytes, signer: signers.Signer, timestamper: LocalTimeStamper | None = None) -> io.BytesIO:
    meta = signers.PdfSignatureMetadata(field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES)
    return signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer, timestamper=timestamper)


# --- creating and opening -------------------------------------------------------------------------


def test_a_created_ca_opens_again_with_its_passphrase(tmp_path: Path) -> None:
    created = _create(tmp_path / "ca")

    opened = DevelopmentCA.open(tmp_path / "ca", PASSPHRASE)

    assert opened.root_pem() == created.root_pem()
    assert [c.dump() for c in opened.chain()] == [c.dump() for c in created.chain()]
    assert "PRIVATE" not in repr(opened) and "PRIVATE" not in repr(opened.tsa_signer())


def test_creating_a_ca_where_one_exists_is_refused_and_keeps_the_old_one(tmp_path: Path) -> None:
    first = _create(tmp_path / "ca")

    with pytest.raises(ConfigurationError) as caught:
        _create(tmp_path / "ca")

    assert "already holds a CA" in str(caught.value)
    assert DevelopmentCA.open(tmp_path / "ca", PASSPHRASE).root_pem() == first.root_pem()


def test_opening_with_a_wrong_passphrase_is_a_configuration_error(ca: DevelopmentCA) -> None:
    with pytest.raises(ConfigurationError) as caught:
        DevelopmentCA.open(ca.directory, b"not the passphrase")
    assert caught.value.message == "The CA passphrase is not correct."
    assert "not the passphrase" not in str(caught.value)


def test_opening_a_directory_without_a_ca_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no development CA"):
        DevelopmentCA.open(tmp_path / "nothing-here", PASSPHRASE)


def test_an_empty_ca_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        DevelopmentCA.create(tmp_path / "ca", organisation=WARD, passphrase=b"", ocsp_url=OCSP_URL,
                             crl_url=CRL_URL, key_size=2048)
    assert not (tmp_path / "ca" / "root.key").exists()


def test_ca_private_keys_are_encrypted_and_readable_only_by_the_owner(ca: DevelopmentCA) -> None:
    for role in ("root", "issuing", "tsa", "ocsp"):
        path = ca.directory / f"{role}.key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        data = path.read_bytes()
        assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        with pytest.raises(TypeError):   # cryptography: encrypted, but no password given
            serialization.load_pem_private_key(data, password=None)
        assert serialization.load_pem_private_key(data, password=PASSPHRASE) is not None


def test_the_ca_hierarchy_has_the_roles_and_lifetimes_asked_for(ca: DevelopmentCA) -> None:
    issuing, root = (x509.load_der_x509_certificate(c.dump()) for c in ca.chain())
    tsa = x509.load_pem_x509_certificate((ca.directory / "tsa.pem").read_bytes())
    responder = x509.load_pem_x509_certificate((ca.directory / "ocsp.pem").read_bytes())

    assert root.subject == root.issuer and issuing.issuer == root.subject
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == f"{WARD} Root CA"
    assert (root.not_valid_after_utc - root.not_valid_before_utc).days >= 3650
    assert (issuing.not_valid_after_utc - issuing.not_valid_before_utc).days >= 1825
    assert issuing.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    tsa_eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert tsa_eku.critical and list(tsa_eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert list(responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.OCSP_SIGNING]
    assert responder.extensions.get_extension_for_oid(ExtensionOID.OCSP_NO_CHECK)
    for crl_name, issuer in (("root.crl", root), ("issuing.crl", issuing)):
        crl = x509.load_der_x509_crl((ca.directory / crl_name).read_bytes())
        assert crl.issuer == issuer.subject and crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]


# --- issuing --------------------------------------------------------------------------------------


def test_an_issued_certificate_names_the_official_in_utf8_with_title_and_user_id(issue: Issue) -> None:
    issued = issue(holder="nguyenvana")
    cert = _cert(issued)

    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Nguyễn Văn Ánh"
    assert subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "Chủ tịch"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == WARD
    assert subject.get_attributes_for_oid(NameOID.USER_ID)[0].value == "nguyenvana"
    common_name = next(a for rdn in asn1_x509.Certificate.load(issued.der).subject.chosen for a in rdn
                       if a["type"].native == "common_name")
    assert common_name["value"].name == "utf8_string"
    assert "CN=Nguyễn Văn Ánh" in issued.subject and "UID=nguyenvana" in issued.subject
    assert issued.serial == cert.serial_number
    assert issued.sha256 == cert.fingerprint(hashes.SHA256()).hex()
    assert issued.not_after - issued.not_before == timedelta(days=730)


def test_an_issued_certificate_allows_signing_only_and_points_at_crl_and_ocsp(issue: Issue) -> None:
    cert = _cert(issue())

    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign and not usage.value.key_encipherment
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [n.value for n in points[0].full_name or []] == [CRL_URL]
    access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [a.access_location.value for a in access] == [OCSP_URL]


@pytest.mark.fresh_keys   # the key DevelopmentCA.issue generates itself
def test_the_pkcs12_file_opens_with_the_pin_and_not_without_it(issue: Issue) -> None:
    issued = issue()
    data = issued.path.read_bytes()

    key, cert, chain = pkcs12.load_key_and_certificates(data, PIN.encode())
    assert key is not None and cert is not None and cert.serial_number == issued.serial
    assert len(chain) == 2
    for wrong in (b"000000", None):
        with pytest.raises(ValueError):
            pkcs12.load_key_and_certificates(data, wrong)
    assert issued.path.name == "nguyenvana.p12"
    assert stat.S_IMODE(issued.path.stat().st_mode) == 0o600


def test_a_pin_shorter_than_six_characters_is_refused_before_anything_is_written(issue: Issue, ca: DevelopmentCA) -> None:
    before = len(ca.certificates())
    with pytest.raises(ValidationError) as caught:
        issue(holder="shortpin", pin="12345")
    assert caught.value.params == {"minimum": 6} and "12345" not in str(caught.value)
    assert len(ca.certificates()) == before


def test_a_user_name_that_is_not_a_plain_file_name_is_refused(issue: Issue) -> None:
    with pytest.raises(ValidationError):
        issue(holder="../etc/passwd")


def test_organisation_and_system_certificates_get_their_own_file_names(issue: Issue) -> None:
    organisation = issue(holder="organisation", full_name=WARD, post="", kind=CertificateKind.ORGANISATION)
    system = issue(holder="system", full_name=f"{WARD} hệ thống", post="", kind=CertificateKind.SYSTEM)

    assert organisation.path.name == "organisation.p12" and system.path.name == "system.p12"
    assert not _cert(organisation).subject.get_attributes_for_oid(NameOID.TITLE)


@pytest.mark.fresh_keys   # the key DevelopmentCA.issue generates itself
def test_an_ec_key_is_issued_when_asked_for(issue: Issue) -> None:
    issued = issue(holder="ecuser", key_type="ec")
    assert isinstance(_cert(issued).public_key(), ec.EllipticCurvePublicKey)
    assert load_pkcs12(issued.path, PIN).certificate.serial_number == issued.serial


def test_a_certificate_cannot_outlive_the_issuing_ca(issue: Issue) -> None:
    with pytest.raises(ValidationError) as caught:
        issue(holder="toolong", validity_days=365 * 6)
    assert caught.value.field == "validity_days"


def test_the_ca_database_lists_every_issued_certificate_across_reopening(issue: Issue, ca: DevelopmentCA) -> None:
    issued = issue(holder="listed")

    reopened = DevelopmentCA.open(ca.directory, PASSPHRASE)
    [row] = [c for c in reopened.certificates() if c.serial == issued.serial]
    assert row == issued and row.der == issued.der
    assert row.status is CertificateStatus.VALID
    assert json.loads((ca.directory / "index.json").read_text(encoding="utf-8"))   # plain JSON on disk


# --- revocation: CRL and OCSP ---------------------------------------------------------------------


def test_a_revoked_certificate_is_on_the_new_crl_with_its_reason(issue: Issue, ca: DevelopmentCA) -> None:
    issued = issue(holder="revoked")
    old_number = x509.load_der_x509_crl(ca.crl_der()).extensions.get_extension_for_class(x509.CRLNumber).value

    row = ca.revoke(issued.serial, reason="keyCompromise")

    crl = x509.load_der_x509_crl(ca.crl_der())
    entry = crl.get_revoked_certificate_by_serial_number(issued.serial)
    assert entry is not None and entry.revocation_date_utc == row.revoked_at
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason is x509.ReasonFlags.key_compromise
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number > old_number.crl_number
    assert crl.is_signature_valid(x509.load_der_x509_certificate(ca.chain()[0].dump()).public_key())  # type: ignore[arg-type]
    assert row.status is CertificateStatus.REVOKED and row.reason == "keyCompromise"


def test_revoking_accepts_the_snake_case_reason_names_too(issue: Issue, ca: DevelopmentCA) -> None:
    assert ca.revoke(issue(holder="moved").serial, reason="affiliation_changed").reason == "affiliationChanged"


def test_revoking_an_unknown_or_revoked_serial_or_with_a_made_up_reason_is_refused(issue: Issue, ca: DevelopmentCA) -> None:
    issued = issue(holder="twice")
    with pytest.raises(ValidationError):
        ca.revoke(issued.serial, reason="boredom")
    with pytest.raises(NotFoundError):
        ca.revoke(12345, reason="superseded")
    ca.revoke(issued.serial, reason="superseded")
    with pytest.raises(ConflictError):
        ca.revoke(issued.serial, reason="superseded")


def test_the_crl_is_reissued_when_it_is_close_to_its_next_update(ca: DevelopmentCA) -> None:
    current = x509.load_der_x509_crl(ca.crl_der())
    assert current.next_update_utc is not None

    later = x509.load_der_x509_crl(ca.crl_der(now=current.next_update_utc - timedelta(hours=1)))

    assert later.next_update_utc is not None and later.next_update_utc > current.next_update_utc
    assert x509.load_der_x509_crl(ca.crl_der("root")).issuer == x509.load_der_x509_certificate(
        ca.chain()[1].dump()).subject


def test_ocsp_says_good_for_a_valid_certificate_signed_by_the_responder_with_the_nonce(issue: Issue, ca: DevelopmentCA) -> None:
    issued = issue(holder="ocspgood")

    response = ocsp.load_der_ocsp_response(ca.ocsp_response(_ocsp_request(issued, ca, nonce=b"n0nce-123456")))

    assert response.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert response.certificate_status is ocsp.OCSPCertStatus.GOOD and response.serial_number == issued.serial
    [responder] = response.certificates
    assert responder.extensions.get_extension_for_oid(ExtensionOID.OCSP_NO_CHECK)
    responder_key = responder.public_key()
    assert isinstance(responder_key, rsa.RSAPublicKey)
    responder_key.verify(response.signature, response.tbs_response_bytes, padding.PKCS1v15(), hashes.SHA256())
    assert response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"n0nce-123456"


def test_ocsp_says_good_for_the_tsa_certificate_which_is_not_in_the_index(ca: DevelopmentCA) -> None:
    tsa = x509.load_pem_x509_certificate((ca.directory / "tsa.pem").read_bytes())
    issuing = x509.load_der_x509_certificate(ca.chain()[0].dump())
    request = ocsp.OCSPRequestBuilder().add_certificate(tsa, issuing, hashes.SHA256()).build()

    response = ocsp.load_der_ocsp_response(ca.ocsp_response(request.public_bytes(serialization.Encoding.DER)))

    assert response.certificate_status is ocsp.OCSPCertStatus.GOOD
    assert tsa.serial_number not in {c.serial for c in ca.certificates()}


def test_ocsp_says_revoked_with_time_and_reason(issue: Issue, ca: DevelopmentCA) -> None:
    issued = issue(holder="ocsprevoked")
    row = ca.revoke(issued.serial, reason="cessationOfOperation")

    response = ocsp.load_der_ocsp_response(ca.ocsp_response(_ocsp_request(issued, ca)))

    assert response.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert response.revocation_time_utc == row.revoked_at
    assert response.revocation_reason is x509.ReasonFlags.cessation_of_operation


def test_ocsp_says_unknown_for_a_serial_the_ca_never_issued(ca: DevelopmentCA) -> None:
    issuer = x509.load_der_x509_certificate(ca.chain()[0].dump())
    name_hash = hashes.Hash(hashes.SHA256())
    name_hash.update(issuer.subject.public_bytes())
    key_hash = hashes.Hash(hashes.SHA256())
    key_hash.update(issuer.public_key().public_bytes(serialization.Encoding.DER,
                                                     serialization.PublicFormat.PKCS1))
    request = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        name_hash.finalize(), key_hash.finalize(), 424242, hashes.SHA256()).build()

    response = ocsp.load_der_ocsp_response(ca.ocsp_response(request.public_bytes(serialization.Encoding.DER)))

    assert response.certificate_status is ocsp.OCSPCertStatus.UNKNOWN and response.serial_number == 424242


def test_ocsp_refuses_to_answer_for_certificates_of_another_issuer(ca: DevelopmentCA) -> None:
    issuing, root = (x509.load_der_x509_certificate(c.dump()) for c in ca.chain())
    about_issuing_ca = ocsp.OCSPRequestBuilder().add_certificate(issuing, root, hashes.SHA1()).build()

    response = ocsp.load_der_ocsp_response(ca.ocsp_response(about_issuing_ca.public_bytes(serialization.Encoding.DER)))

    assert response.response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED


@pytest.mark.parametrize("garbage", [b"", b"not an OCSP request", b"\x30\x03\x02\x01\x01"])
def test_ocsp_answers_garbage_with_malformed_request(ca: DevelopmentCA, garbage: bytes) -> None:
    response = ocsp.load_der_ocsp_response(ca.ocsp_response(garbage))
    assert response.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_pyhanko_certvalidator_accepts_the_ocsp_answers(issue: Issue, ca: DevelopmentCA) -> None:
    good, bad = issue(holder="ocspvalid"), issue(holder="ocspbad")
    ca.revoke(bad.serial, reason="keyCompromise")

    def validate(issued: IssuedCertificate) -> None:
        context = ValidationContext(trust_roots=[_root(ca)], allow_fetching=False, revocation_mode="hard-fail",
                                    ocsps=[ca.ocsp_response(_ocsp_request(issued, ca))])
        validator = CertificateValidator(asn1_x509.Certificate.load(issued.der),
                                         intermediate_certs=list(ca.chain()), validation_context=context)
        asyncio.run(validator.async_validate_usage({"digital_signature", "non_repudiation"}))

    validate(good)
    with pytest.raises(RevokedError):
        validate(bad)


# --- signing and timestamping with pyHanko ---------------------------------------------------------


def test_pyhanko_signature_with_a_dev_ca_key_is_intact_and_trusted(issue: Issue, ca: DevelopmentCA) -> None:
    key = load_pkcs12(issue(holder="signer").path, PIN)

    signed = _sign(_tiny_pdf(), key.signer)

    context = ValidationContext(trust_roots=[_root(ca)], crls=[ca.crl_der()], allow_fetching=False)
    status = validate_pdf_signature(PdfFileReader(signed).embedded_signatures[0], signer_validation_context=context)
    assert status.intact and status.valid and status.trusted and status.bottom_line


def test_a_revoked_signer_is_reported_by_validation_with_the_crl(issue: Issue, ca: DevelopmentCA) -> None:
    issued = issue(holder="revokedsigner")
    signed = _sign(_tiny_pdf(), load_pkcs12(issued.path, PIN).signer)
    ca.revoke(issued.serial, reason="keyCompromise")

    context = ValidationContext(trust_roots=[_root(ca)], crls=[ca.crl_der()], allow_fetching=False,
                                revocation_mode="hard-fail")
    status = validate_pdf_signature(PdfFileReader(signed).embedded_signatures[0], signer_validation_context=context)
    assert status.intact and status.revoked and not status.bottom_line


def test_a_b_t_signature_with_the_local_tsa_carries_a_valid_timestamp(issue: Issue, ca: DevelopmentCA) -> None:
    key = load_pkcs12(issue(holder="timestamped").path, PIN)

    signed = _sign(_tiny_pdf(), key.signer, timestamper=ca.tsa_signer())

    context = ValidationContext(trust_roots=[_root(ca)], crls=[ca.crl_der()], allow_fetching=False)
    embedded = PdfFileReader(signed).embedded_signatures[0]
    status = validate_pdf_signature(embedded, signer_validation_context=context, ts_validation_context=context)
    assert status.bottom_line
    timestamp = status.timestamp_validity
    assert timestamp is not None and timestamp.intact and timestamp.valid and timestamp.trusted
    assert timestamp.signing_cert.subject.native["common_name"] == f"{WARD} TSA"
    assert abs(timestamp.timestamp - datetime.now(timezone.utc)) < timedelta(minutes=5)
    token = embedded.signer_info["unsigned_attrs"][0]["values"][0]
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    assert isinstance(token, cms.ContentInfo) and isinstance(tst_info, tsp.TSTInfo)
    assert tst_info["policy"].dotted == DEVELOPMENT_TSA_POLICY


def test_the_local_tsa_honours_a_fixed_time(ca: DevelopmentCA) -> None:
    moment = datetime(2025, 3, 8, 7, 30, tzinfo=timezone.utc)
    stamper = ca.tsa_signer(fixed_time=moment)

    token = asyncio.run(stamper.async_timestamp(b"\x00" * 32, "sha256"))

    assert token["content"]["encap_content_info"]["content"].parsed["gen_time"].native == moment


def test_timestamper_for_prefers_the_configured_tsa_url(ca: DevelopmentCA) -> None:
    remote = timestamper_for("https://tsa.example.vn/tsr", ca)
    assert isinstance(remote, HTTPTimeStamper) and remote.url == "https://tsa.example.vn/tsr"
    assert isinstance(timestamper_for(None, ca), LocalTimeStamper)
    local = ca.tsa_signer()
    assert timestamper_for("", local) is local
    for url, local_tsa in (("ftp://tsa.example.vn", ca), (None, None)):
        with pytest.raises(ConfigurationError):
            timestamper_for(url, local_tsa)


def test_with_a_root_crl_url_the_whole_chain_validates_when_revocation_is_required(tmp_path: Path) -> None:
    ca = _create(tmp_path / "ca", root_crl_url="http://127.0.0.1:5000/pki/root.crl")
    issued = ca.issue(holder="strict", full_name="Lê Văn C", post="Công chức", organisation=WARD,
                      kind=CertificateKind.PERSONAL, pin=PIN, out_dir=tmp_path / "users", validity_days=30)
    context = ValidationContext(trust_roots=[_root(ca)], crls=[ca.crl_der(), ca.crl_der("root")],
                                allow_fetching=False, revocation_mode="require")
    validator = CertificateValidator(asn1_x509.Certificate.load(issued.der), intermediate_certs=list(ca.chain()),
                                     validation_context=context)

    path = asyncio.run(validator.async_validate_usage({"non_repudiation"}))

    assert len(path) == 3


# --- poppler's pdfsig (NSS) --------------------------------------------------------------------------


@pytest.fixture
def served_ca(tmp_path: Path) -> Iterator[tuple[DevelopmentCA, list[str]]]:
    """A development CA whose certificates' OCSP and CRL URLs point at a live local server answering for it.

    Yields the CA and the list of request paths the server has answered.
    """
    holder: list[DevelopmentCA] = []
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:   # noqa: N802 (http.server's naming)
            if self.path.startswith("/ocsp/"):
                self._answer(holder[0].ocsp_response(base64.b64decode(urllib.parse.unquote(self.path[6:]))),
                             "application/ocsp-response")
            elif self.path == "/crl":
                self._answer(holder[0].crl_der(), "application/pkix-crl")
            else:
                self.send_error(404)

        def do_POST(self) -> None:   # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path == "/ocsp":
                self._answer(holder[0].ocsp_response(body), "application/ocsp-response")
            else:
                self.send_error(404)

        def _answer(self, body: bytes, mimetype: str) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", mimetype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:   # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)   # bound first: the URLs need the port
    base = f"http://127.0.0.1:{server.server_address[1]}"
    holder.append(DevelopmentCA.create(tmp_path / "ca", organisation=WARD, passphrase=PASSPHRASE,
                                       ocsp_url=f"{base}/ocsp", crl_url=f"{base}/crl", key_size=2048))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0], hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.skipif(shutil.which("pdfsig") is None or shutil.which("certutil") is None,
                    reason="needs poppler-utils (pdfsig) and libnss3-tools (certutil)")
def test_pdfsig_finds_a_dev_ca_signature_valid_and_its_certificate_trusted(
        served_ca: tuple[DevelopmentCA, list[str]], tmp_path: Path) -> None:
    """pdfsig (NSS) trusts a dev-CA signer once the ward's root is in its database and the OCSP URL answers.

    The responder must be reachable: poppler up to 22.12 reads NSS's last error code instead of
    CERT_PKIXVerifyCert's result, so a soft-failed OCSP fetch (nothing listening at the AIA URL) turns a
    successful verification into "Unknown issue with Certificate or corrupted data.", and so does
    ``-no-ocsp`` (NSS leaves SEC_ERROR_EXTENSION_NOT_FOUND behind).
    """
    ca, hits = served_ca
    issued = ca.issue(holder="pdfsig", full_name="Nguyễn Văn Ánh", post="Chủ tịch", organisation=WARD,
                      kind=CertificateKind.PERSONAL, pin=PIN, out_dir=tmp_path / "users", validity_days=30)
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(_sign(_tiny_pdf(), load_pkcs12(issued.path, PIN).signer).getvalue())
    (tmp_path / "root.pem").write_bytes(ca.root_pem())
    nssdb = tmp_path / "nssdb"
    nssdb.mkdir()
    env = {**os.environ, "HOME": str(tmp_path)}   # keep ~/.pki/nssdb and Firefox profiles out of it
    for command in (["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"],
                    ["certutil", "-A", "-d", f"sql:{nssdb}", "-n", "ward-root", "-t", "CT,C,C",
                     "-i", str(tmp_path / "root.pem")]):
        subprocess.run(command, check=True, capture_output=True, env=env, timeout=60)

    result = subprocess.run(["pdfsig", "-nssdir", f"sql:{nssdb}", str(pdf)], capture_output=True, text=True,
                            env=env, timeout=120)

    assert "Signature Validation: Signature is Valid." in result.stdout, result.stdout + result.stderr
    assert "Certificate Validation: Certificate is Trusted." in result.stdout, result.stdout + result.stderr
    assert any(hit.startswith("/ocsp") for hit in hits)   # NSS asked the responder named in the certificate

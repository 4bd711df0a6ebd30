"""Pins every private pyHanko behaviour docflow relies on (docflow/signing/_pyhanko_compat.py), and the public
paths taken instead of private ones, to the locked pyHanko: an upgrade that breaks one fails here."""

from __future__ import annotations

import asyncio
import hashlib
import io
import urllib.request
from importlib import metadata
from typing import Any

import pytest
from asn1crypto import cms, tsp
from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter, PdfFileWriter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.revinfo.manager import RevinfoManager

from docflow.signing import _pyhanko_compat as compat
from docflow.signing.base import PadesLevel, SignatureKind
from docflow.signing.incremental import FlatPageTreeWriter, open_incremental
from docflow.signing.sign import Appearance, SignRequest, SigningContext, sign_pdf
from docflow.signing.signer import LoadedKeySigner, keep_key_loaded
from docflow.signing.timestamp import DEVELOPMENT_TSA_POLICY, LocalTimeStamper
from tests.testpki import LivePKI, assemble_pdf, tiny_pdf


def test_the_installed_pyhanko_is_the_one_the_compat_module_was_checked_against() -> None:
    installed = {name: metadata.version(name) for name in compat.PINNED}
    assert installed == compat.PINNED, "re-check docflow/signing/_pyhanko_compat.py, then update PINNED"


# --- a signature larger than its reservation ------------------------------------------------------

def test_a_signature_that_outgrows_its_reservation_is_recognised(test_pki: LivePKI) -> None:
    signer = PdfSigner(PdfSignatureMetadata(field_name="sig"), test_pki.simple_signer("chutich"))
    writer = IncrementalPdfFileWriter(io.BytesIO(tiny_pdf()))

    with pytest.raises(PyHankoSigningError) as excinfo:
        signer.sign_pdf(writer, bytes_reserved=64, output=io.BytesIO())

    assert compat.reservation_too_small(excinfo.value)
    assert not compat.reservation_too_small(PyHankoSigningError("Could not set up a default signature mechanism."))


# --- stamps drawn by docflow ------------------------------------------------------------------------

class _Square(compat.ContentStamp):
    def render_content(self, writer: BasePdfFileWriter) -> list[bytes]:
        self.seen_writer = writer
        return [b"0 0 10 10 re f"]


def test_a_content_stamp_draws_what_render_content_returns_into_its_writer() -> None:
    writer = PdfFileWriter()
    stamp = _Square(writer, BaseStampStyle(border_width=0), layout.BoxConstraints(20, 20))

    ref = stamp.register()

    assert stamp.seen_writer is writer
    assert b"0 0 10 10 re f" in ref.get_object().data


# --- the development TSA's token hooks --------------------------------------------------------------

class _CountingStamper(compat.TimeStamperHooks):
    calls: list[str]

    def build_tst_info(self, message_imprint: tsp.MessageImprint, dt: Any, req: tsp.TimeStampReq) -> tsp.TSTInfo:
        self.calls.append("build")
        return super().build_tst_info(message_imprint, dt, req)

    def sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt: Any) -> tuple[bytes, cms.CMSAttributes]:
        self.calls.append("sign")
        return super().sign_tst_info(tst_info_data, md_algorithm, dt)


def _token_info(token: cms.ContentInfo) -> tsp.TSTInfo:
    return token["content"]["encap_content_info"]["content"].parsed


def test_pyhankos_dummy_tsa_builds_and_signs_each_token_through_the_hooks(test_pki: LivePKI) -> None:
    stamper = _CountingStamper(tsa_cert=test_pki.cert("tsa"), tsa_key=test_pki.key("tsa"))
    stamper.calls = []

    token = asyncio.run(stamper.async_timestamp(hashlib.sha256(b"x").digest(), "sha256"))

    assert stamper.calls == ["build", "sign"]
    assert _token_info(token)["message_imprint"]["hashed_message"].native == hashlib.sha256(b"x").digest()


def test_the_local_tsa_s_own_hooks_set_its_policy_and_accuracy(test_pki: LivePKI) -> None:
    key = serialization.load_der_private_key(test_pki.key("tsa").dump(), password=None)
    stamper = LocalTimeStamper(test_pki.cert("tsa"), key)  # type: ignore[arg-type]

    info = _token_info(asyncio.run(stamper.async_timestamp(hashlib.sha256(b"x").digest(), "sha256")))

    assert info["policy"].dotted == DEVELOPMENT_TSA_POLICY
    assert info["accuracy"]["seconds"].native == 1


# --- OCSP responses about the certificate itself ----------------------------------------------------

def _ocsp_response(test_pki: LivePKI, name: str) -> asn1_ocsp.OCSPResponse:
    cert = x509.load_der_x509_certificate(test_pki.cert(name).dump())
    issuer = x509.load_der_x509_certificate(test_pki.issuing.dump())
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
    post = urllib.request.Request(test_pki.ocsp_url, data=request.public_bytes(serialization.Encoding.DER),
                                  headers={"Content-Type": "application/ocsp-request"})
    with urllib.request.urlopen(post, timeout=10) as answer:
        return asn1_ocsp.OCSPResponse.load(answer.read())


def test_a_validation_context_builds_a_plain_revinfo_manager() -> None:
    assert type(ValidationContext(trust_roots=[]).revinfo_manager) is RevinfoManager


def test_only_the_certificates_own_ocsp_responses_are_offered(test_pki: LivePKI) -> None:
    own, sibling = _ocsp_response(test_pki, "chutich"), _ocsp_response(test_pki, "phochutich1")
    plain = ValidationContext(trust_roots=[test_pki.root], other_certs=[test_pki.issuing], ocsps=[own, sibling])
    filtered = ValidationContext(trust_roots=[test_pki.root], other_certs=[test_pki.issuing], ocsps=[own, sibling])

    compat.offer_only_own_ocsp(filtered)
    cert = test_pki.cert("chutich")
    offered = asyncio.run(filtered.revinfo_manager.async_retrieve_ocsps(cert, None))  # type: ignore[arg-type]

    assert len(asyncio.run(plain.revinfo_manager.async_retrieve_ocsps(cert, None))) == 2  # type: ignore[arg-type]
    assert [c.ocsp_response_data.dump() for c in offered] == [own.dump()]


# --- public paths taken instead of private ones -------------------------------------------------------

def test_the_loaded_key_signer_copies_every_attribute_of_a_simple_signer(test_pki: LivePKI) -> None:
    signer = test_pki.simple_signer("chutich")

    loaded = keep_key_loaded(signer)

    assert isinstance(loaded, LoadedKeySigner)
    copied = {k: v for k, v in vars(loaded).items() if k != "loaded_key"}
    assert copied.keys() == vars(signer).keys()
    assert all(copied[k] is v or copied[k] == v for k, v in vars(signer).items())


def _three_pages() -> bytes:
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
    return assemble_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                         b"<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >>", page, page, page])


def test_the_flat_page_tree_writer_finds_the_pages_pyhanko_finds() -> None:
    ours = open_incremental(_three_pages())
    theirs = IncrementalPdfFileWriter(io.BytesIO(_three_pages()))

    for index in (0, 1, 2, -1):
        assert ours.find_page_for_modification(index)[0].idnum == theirs.find_page_for_modification(index)[0].idnum


def test_pyhanko_places_a_signature_field_through_find_page_for_modification(
        test_pki: LivePKI, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    real = FlatPageTreeWriter.find_page_for_modification

    def counting(self: FlatPageTreeWriter, page_ix: int) -> Any:
        asked.append(page_ix)
        return real(self, page_ix)

    monkeypatch.setattr(FlatPageTreeWriter, "find_page_for_modification", counting)
    appearance = Appearance(post="CHỦ TỊCH", full_name="Nguyễn Văn An", box=(300, 100, 520, 210), page=2)
    data = sign_pdf(_three_pages(), test_pki.simple_signer("chutich"),
                    SignRequest(SignatureKind.PERSONAL, PadesLevel.B_B, appearance), SigningContext())

    assert 2 in asked
    assert len(PdfFileReader(io.BytesIO(data)).embedded_signatures) == 1

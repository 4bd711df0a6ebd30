"""Every known attack on PDF signatures is caught, and its legitimate counterpart still verifies.

Each case names a builder in tests/signing/attacks.py, the legitimately signed document it starts
from and the problem code that must be reported. The counterpart check is what makes each case able
to fail: an attack "detected" on a document that was never valid proves nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

import pytest
from asn1crypto.crl import CertificateList
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields
from pyhanko.sign.validation.dss import DocumentSecurityStore

from docflow.errors import UnreadablePdfError
from docflow.signing.verify import TrustSettings, VerificationResult, Verdict, verify_pdf
from tests.signing import attacks
from tests.testpki import pdf_with_fields, tiny_pdf


def codes(result: VerificationResult) -> set[str]:
    return {p.code for p in result.errors} | {p.code for s in result.signatures for p in s.problems}


@pytest.fixture(scope="module")
def trust(test_pki) -> TrustSettings:
    return TrustSettings(roots=(test_pki.root,))


@dataclass(frozen=True)
class Docs:
    """Legitimately signed starting points, built once per module."""
    signed: bytes                # tiny PDF, approval signature by chutich
    shadow: bytes                # the shadow-attack original, signed
    locked: bytes                # form PDF, signature whose FieldMDP lock covers so_ky_hieu
    certified_p2: bytes          # form PDF, certification allowing form filling
    certified_p1: bytes          # form PDF, certification allowing no changes


@pytest.fixture(scope="module")
def docs(test_pki) -> Docs:
    chutich = test_pki.simple_signer("chutich")
    lock = fields.FieldMDPSpec(fields.FieldMDPAction.INCLUDE, ["so_ky_hieu"])
    return Docs(
        signed=attacks.sign(tiny_pdf(), chutich),
        shadow=attacks.sign(attacks.shadow_original(), chutich),
        locked=attacks.sign(pdf_with_fields(), chutich, field="khoa_so", field_lock=lock),
        certified_p2=attacks.sign(pdf_with_fields(), chutich, field="chung_thuc", certify=True,
                                  docmdp=fields.MDPPerm.FILL_FORMS),
        certified_p1=attacks.sign(pdf_with_fields(), chutich, field="chung_thuc", certify=True,
                                  docmdp=fields.MDPPerm.NO_CHANGES),
    )


@dataclass(frozen=True)
class Case:
    start: str
    attack: Callable[[bytes], bytes]
    code: str


CASES: dict[str, Case] = {
    # USF: the signature dictionary itself is broken
    "usf_byte_range_missing": Case("signed", attacks.usf_byte_range_missing, "malformed_signature"),
    "usf_byte_range_null": Case("signed", attacks.usf_byte_range_null, "malformed_signature"),
    "usf_byte_range_malformed": Case("signed", attacks.usf_byte_range_malformed, "malformed_signature"),
    "usf_byte_range_covers_nothing": Case("signed", attacks.usf_byte_range_elsewhere, "byte_range_invalid"),
    "usf_contents_missing": Case("signed", attacks.usf_contents_missing, "malformed_signature"),
    "usf_contents_null": Case("signed", attacks.usf_contents_null, "malformed_signature"),
    "usf_contents_malformed": Case("signed", attacks.usf_contents_malformed, "malformed_signature"),
    "usf_empty_signature": Case("signed", attacks.usf_empty_signature, "malformed_signature"),
    # ISA: a later revision (or bare bytes) changes what is shown
    "isa_page_content": Case("signed", attacks.isa_change_page_content, "disallowed_modification"),
    "isa_add_page": Case("signed", attacks.isa_add_page, "disallowed_modification"),
    "isa_replace_catalog": Case("signed", attacks.isa_replace_catalog, "disallowed_modification"),
    "isa_objects_after_eof_without_xref": Case("signed", attacks.isa_append_without_xref, "trailing_bytes"),
    # SWA: the signed bytes are relocated and new content sits in the gap
    "swa_relocated_second_part": Case("signed", attacks.swa_relocate, "byte_range_invalid"),
    # shadow attacks
    "shadow_hide_overlay_removed": Case("shadow", attacks.shadow_hide_reveal, "disallowed_modification"),
    "shadow_hide_overlay_flag_flipped": Case("shadow", attacks.shadow_hide_by_flag, "disallowed_modification"),
    "shadow_hide_and_replace": Case("shadow", attacks.shadow_hide_and_replace, "disallowed_modification"),
    "shadow_replace_font": Case("signed", attacks.replace_font, "disallowed_modification"),
    "shadow_replace_locked_field": Case(
        "locked", lambda d: attacks.replace_field_value(d, "so_ky_hieu", "Số: 99/UBND-VP"),
        "disallowed_modification"),
    # EAA: annotations after a certification that allows form filling or nothing
    "eaa_freetext_after_p2": Case("certified_p2", attacks.add_annotation, "disallowed_modification"),
    "eaa_stamp_after_p2": Case("certified_p2", lambda d: attacks.add_annotation(d, "/Stamp"),
                               "disallowed_modification"),
    "eaa_widget_after_p2": Case("certified_p2", attacks.add_text_widget, "disallowed_modification"),
    "eaa_freetext_after_p1": Case("certified_p1", attacks.add_annotation, "disallowed_modification"),
    "p1_form_filling": Case("certified_p1", lambda d: attacks.replace_field_value(d, "so_ky_hieu", "x"),
                            "disallowed_modification"),
    # SSA: a new signature field whose appearance overlays the content
    "ssa_empty_field_after_p2": Case("certified_p2", attacks.add_overlay_signature_field,
                                     "disallowed_modification"),
    "ssa_empty_field_after_p1": Case("certified_p1", attacks.add_overlay_signature_field,
                                     "disallowed_modification"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_attack_is_detected_while_the_original_verifies(name, docs, trust):
    case = CASES[name]
    original = getattr(docs, case.start)
    assert verify_pdf(original, trust).valid

    result = verify_pdf(case.attack(original), trust)

    assert not result.valid
    assert result.verdict is Verdict.INVALID
    assert case.code in codes(result)


def test_signature_wrapping_keeps_the_digest_intact_but_not_the_verdict(docs, trust):
    result = verify_pdf(attacks.swa_relocate(docs.signed), trust)
    [report] = result.signatures
    assert report.intact  # the cryptography alone is fooled: the signed bytes are all there
    assert report.coverage == "partial"
    assert not result.valid


def test_a_pdf_eof_marker_after_bare_objects_is_unreadable_or_invalid(docs, trust):
    attacked = attacks.isa_append_fake_eof(docs.signed)
    try:
        result = verify_pdf(attacked, trust)
    except UnreadablePdfError:
        return
    assert not result.valid


def test_a_new_visible_signature_after_certification_is_disallowed(docs, trust, test_pki):
    attacked = attacks.sign(docs.certified_p2, test_pki.simple_signer("phochutich1"), field="moi",
                            box=(0, 0, 595, 842))
    result = verify_pdf(attacked, trust)
    certification = result.signatures[0]
    assert certification.field == "chung_thuc"
    assert "disallowed_modification" in {p.code for p in certification.problems}
    assert not result.valid


def test_signing_the_prepared_field_after_certification_is_allowed(docs, trust, test_pki):
    filled = attacks.replace_field_value(docs.certified_p2, "so_ky_hieu", "Số: 07/UBND-VP")
    signed = attacks.sign(filled, test_pki.simple_signer("phochutich1"), field="chu_ky")
    result = verify_pdf(signed, trust)
    assert result.valid, codes(result)
    assert [s.modification_level for s in result.signatures] == ["form_filling", "none"]


def test_filling_a_field_outside_the_lock_is_allowed(docs, trust):
    result = verify_pdf(attacks.replace_field_value(docs.locked, "ngay_ban_hanh", "27/11/2026"), trust)
    assert result.valid, codes(result)
    assert result.signatures[0].modification_level == "form_filling"


# --- certificate attacks ----------------------------------------------------------------------

@pytest.mark.parametrize(("signer", "code"), [
    ("lookalike", "untrusted_chain"),
    ("wrong_ku", "key_usage"),
    ("expired", "expired"),
    ("not_yet_valid", "not_yet_valid"),
])
def test_a_signature_by_an_unacceptable_certificate_is_not_valid(signer, code, test_pki, trust):
    result = verify_pdf(attacks.sign(tiny_pdf(), test_pki.simple_signer(signer)), trust)
    [report] = result.signatures
    assert report.intact and not report.trusted
    assert code in {p.code for p in report.problems}
    assert not result.valid


def test_a_self_signed_certificate_copying_the_chairmans_name_is_untrusted(test_pki, trust):
    forger = attacks.self_signed_signer(test_pki.cert("chutich"))
    result = verify_pdf(attacks.sign(tiny_pdf(), forger), trust)
    [report] = result.signatures
    assert report.signer_common_name == "Nguyễn Văn An"
    assert "untrusted_chain" in {p.code for p in report.problems}
    assert not result.valid


def test_the_lookalike_chain_is_trusted_only_when_its_own_root_is(test_pki):
    signed = attacks.sign(tiny_pdf(), test_pki.simple_signer("lookalike"))
    assert verify_pdf(signed, TrustSettings(roots=(test_pki.lookalike_root,))).valid
    assert not verify_pdf(signed, TrustSettings(roots=(test_pki.root,))).valid


def test_a_sha1_signature_is_weak(test_pki, trust):
    result = verify_pdf(attacks.sign(tiny_pdf(), test_pki.simple_signer("chutich"), md_algorithm="sha1"), trust)
    assert "weak_digest" in codes(result)
    assert result.signatures[0].digest_algorithm == "sha1"
    assert not result.valid


def test_a_revoked_signer_is_caught_when_revocation_data_is_fetched(test_pki):
    signed = attacks.sign(tiny_pdf(), test_pki.simple_signer("revoked"))
    result = verify_pdf(signed, TrustSettings(roots=(test_pki.root,), allow_fetching=True))
    [report] = result.signatures
    assert report.revoked is True and report.revocation_source == "fetched"
    assert "revoked" in {p.code for p in report.problems}
    assert not result.valid


def test_a_revoked_signer_is_caught_from_a_crl_embedded_in_the_document(test_pki):
    signed = attacks.sign(tiny_pdf(), test_pki.simple_signer("revoked"))
    out = BytesIO(signed)
    DocumentSecurityStore.add_dss(out, None, certs=list(test_pki.chain("revoked")),
                                  crls=[CertificateList.load(test_pki.crl_der("issuing"))], force_write=True)
    result = verify_pdf(out.getvalue(), TrustSettings(roots=(test_pki.root,)))
    [report] = result.signatures
    assert report.revoked is True and report.revocation_source == "embedded"
    assert not result.valid


def test_the_same_embedded_crl_clears_a_signer_who_is_not_revoked(test_pki):
    signed = attacks.sign(tiny_pdf(), test_pki.simple_signer("chutich"))
    out = BytesIO(signed)
    DocumentSecurityStore.add_dss(out, None, certs=list(test_pki.chain("chutich")),
                                  crls=[CertificateList.load(test_pki.crl_der("issuing"))], force_write=True)
    result = verify_pdf(out.getvalue(), TrustSettings(roots=(test_pki.root,)))
    [report] = result.signatures
    assert report.revoked is False and report.revocation_source == "embedded"
    assert result.valid, codes(result)


# --- malformed input ----------------------------------------------------------------------------

MALFORMED: dict[str, Callable[[bytes], bytes]] = {
    "not_a_pdf": lambda signed: b"GIF89a this is not a PDF at all",
    "empty": lambda signed: b"",
    "truncated_in_the_middle": attacks.truncated,
    "xref_prev_loop": attacks.xref_prev_loop,
    "nested_100000_arrays": lambda signed: attacks.deeply_nested(),
    "nested_arrays_hidden_by_comments": lambda signed: attacks.deeply_nested(comments=True),
    "stream_claiming_10_gb": lambda signed: attacks.huge_stream_length(),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_input_is_unreadable_or_not_valid_and_never_hangs(name, docs, trust):
    data = MALFORMED[name](docs.signed)
    started = time.monotonic()
    try:
        result = verify_pdf(data, trust)
    except UnreadablePdfError as exc:
        assert exc.message
    else:
        assert not result.valid
    assert time.monotonic() - started < 30


def test_pyhankos_own_xref_loop_check_is_what_stops_the_loop(docs):
    # Guards the assumption that lets verify.py skip a /Prev pre-scan.
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    with pytest.raises(PdfReadError, match="loop"):
        PdfFileReader(BytesIO(attacks.xref_prev_loop(docs.signed)))


def test_an_incremental_update_written_by_pyhanko_is_not_trailing_garbage(docs, trust):
    writer = IncrementalPdfFileWriter(BytesIO(docs.signed))
    writer.root["/Lang"] = attacks.generic.TextStringObject("vi")
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue(), trust)
    assert "trailing_bytes" not in codes(result)
    assert "disallowed_modification" in codes(result)

"""verify_pdf on documents signed with pyHanko directly: what it reports, and when it says valid."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from io import BytesIO

import pytest
from pyhanko.sign import fields

from docflow.errors import ConfigurationError, UnreadablePdfError
from docflow.signing.verify import (
    MESSAGES,
    Problem,
    TrustSettings,
    Verdict,
    message_vi,
    verify_pdf,
)
from tests.signing import attacks
from tests.testpki import pdf_with_fields, tiny_pdf

FOUR_YEARS_ON = datetime.now(timezone.utc) + timedelta(days=4 * 365)  # signers expire after 3 years


@pytest.fixture(scope="module")
def trust(test_pki) -> TrustSettings:
    return TrustSettings(roots=(test_pki.root,))


@pytest.fixture(scope="module")
def signed(test_pki) -> bytes:
    return attacks.sign(tiny_pdf(), test_pki.simple_signer("chutich"))


@pytest.fixture(scope="module")
def chain(test_pki) -> bytes:
    """The Decree 30 chain (DESIGN.md §3): initial, personal B-T, number filled, organisation B-LT
    locked with P=1, then a document timestamp."""
    timestamper = test_pki.timestamper()
    data = attacks.sign(pdf_with_fields(), test_pki.simple_signer("phochutich2"), field="nhay")
    data = attacks.sign(data, test_pki.simple_signer("chutich"), field="chu_ky", timestamper=timestamper,
                        box=None)
    data = attacks.replace_field_value(data, "so_ky_hieu", "Số: 07/UBND-VP")
    data = attacks.sign(data, test_pki.simple_signer("organisation"), field="con_dau", timestamper=timestamper,
                        validation_context=test_pki.validation_context(),
                        field_lock=fields.FieldMDPSpec(fields.FieldMDPAction.ALL),
                        docmdp=fields.MDPPerm.NO_CHANGES)
    return attacks.document_timestamp(data, timestamper, test_pki.validation_context())


def test_a_signature_by_the_chairman_is_valid_and_reported_in_full(signed, trust, test_pki):
    result = verify_pdf(signed, trust)

    assert result.valid and result.verdict is Verdict.VALID and result.errors == ()
    [report] = result.signatures
    cert = test_pki.cert("chutich")
    assert report.field == "Signature1"
    assert report.signer_common_name == "Nguyễn Văn An"
    assert "CHỦ TỊCH" in report.signer
    assert report.certificate_sha256 == cert.sha256.hex()
    assert int(report.serial, 16) == cert.serial_number
    assert "Test Issuing CA docflow" in report.issuer
    assert report.signing_time is not None and report.timestamp_time is None
    assert (report.intact, report.trusted, report.key_usage_ok) == (True, True, True)
    assert (report.coverage, report.modification_level, report.pades_level) == ("whole_file", "none", "B-B")
    assert (report.digest_algorithm, report.signature_algorithm) == ("sha256", "sha256_rsa")
    assert report.ok and not report.is_timestamp


def test_without_revocation_data_the_status_is_unknown_but_not_a_problem(signed, trust):
    result = verify_pdf(signed, trust)
    [report] = result.signatures
    assert (report.revoked, report.revocation_source) == (None, "none")
    assert report.problems == () and result.valid


def test_fetching_revocation_data_answers_not_revoked(signed, test_pki):
    [report] = verify_pdf(signed, TrustSettings(roots=(test_pki.root,), allow_fetching=True)).signatures
    assert (report.revoked, report.revocation_source) == (False, "fetched")
    assert report.problems == ()


@pytest.mark.parametrize(("signer", "md", "mechanism"), [
    ("phochutich1", "sha256", "sha256_ecdsa"),
    ("phochutich2", "sha384", "sha384_rsa"),
    ("chutich", "sha512", "sha512_rsa"),
])
def test_rsa_and_ecdsa_with_sha2_digests_are_accepted(signer, md, mechanism, test_pki, trust):
    result = verify_pdf(attacks.sign(tiny_pdf(), test_pki.simple_signer(signer), md_algorithm=md), trust)
    [report] = result.signatures
    assert (report.digest_algorithm, report.signature_algorithm) == (md, mechanism)
    assert result.valid


def test_an_unsigned_document_is_never_valid(trust):
    result = verify_pdf(tiny_pdf(), trust)
    assert not result.valid
    assert result.verdict is Verdict.UNSIGNED
    assert [e.code for e in result.errors] == ["unsigned"]


def test_an_empty_signature_field_does_not_count_as_a_signature(trust):
    result = verify_pdf(pdf_with_fields(), trust)
    assert result.signatures == () and result.verdict is Verdict.UNSIGNED


def test_changing_one_signed_byte_breaks_the_signature(signed, trust):
    tampered = signed.replace(b"UBND phuong Tich Son", b"UBND phuong Tich Som", 1)
    assert tampered != signed
    result = verify_pdf(tampered, trust)
    assert not result.signatures[0].intact
    assert "not_intact" in {p.code for p in result.signatures[0].problems}
    assert result.verdict is Verdict.INVALID


def test_only_configured_roots_are_trusted(signed, test_pki):
    result = verify_pdf(signed, TrustSettings(roots=(test_pki.lookalike_root,)))
    assert not result.signatures[0].trusted
    assert "untrusted_chain" in {p.code for p in result.signatures[0].problems}
    assert not verify_pdf(signed, TrustSettings(roots=())).valid


def test_the_whole_decree_30_chain_is_valid_oldest_first(chain, trust):
    result = verify_pdf(chain, trust)

    assert result.valid, [(s.field, [p.code for p in s.problems]) for s in result.signatures]
    assert [s.field for s in result.signatures] == ["nhay", "chu_ky", "con_dau", chain_timestamp_field(result)]
    initial, personal, organisation, stamp = result.signatures
    assert [s.modification_level for s in result.signatures[:2]] == ["form_filling", "form_filling"]
    assert organisation.modification_level == "none"  # only DSS and a document timestamp came after
    assert [s.pades_level for s in result.signatures] == ["B-B", "B-T", "B-LTA", None]
    assert personal.timestamp_time is not None
    assert organisation.revocation_source == "embedded" and organisation.revoked is False
    assert stamp.is_timestamp and stamp.signer_common_name == "Test TSA docflow"
    assert all(s.coverage == "whole_revision" for s in result.signatures[:3])


def chain_timestamp_field(result) -> str:
    return [s.field for s in result.signatures if s.is_timestamp][0]


def test_nothing_may_follow_the_locked_organisation_signature(chain, trust):
    result = verify_pdf(attacks.replace_field_value(chain, "ngay_ban_hanh", "28/11/2026"), trust)
    organisation = [s for s in result.signatures if s.field == "con_dau"][0]
    assert "disallowed_modification" in {p.code for p in organisation.problems}
    assert not result.valid


def test_a_timestamp_proves_a_signature_made_before_the_certificate_expired(test_pki, trust):
    stamped = attacks.sign(tiny_pdf(), test_pki.simple_signer("chutich"), timestamper=test_pki.timestamper())
    plain = attacks.sign(tiny_pdf(), test_pki.simple_signer("chutich"))

    later_plain = verify_pdf(plain, trust, now=FOUR_YEARS_ON)
    later_stamped = verify_pdf(stamped, trust, now=FOUR_YEARS_ON)

    assert "expired" in {p.code for p in later_plain.signatures[0].problems}
    assert not later_plain.valid
    assert later_stamped.valid, [p.code for p in later_stamped.signatures[0].problems]
    assert later_stamped.signatures[0].pades_level == "B-T"


def test_a_tight_time_limit_makes_the_document_unreadable(signed, test_pki):
    with pytest.raises(UnreadablePdfError) as caught:
        verify_pdf(signed, TrustSettings(roots=(test_pki.root,), time_limit_seconds=0.0))
    assert caught.value.params == {"seconds": "0"}


def test_an_encrypted_pdf_is_unreadable(trust):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(BytesIO(tiny_pdf())))
    writer.encrypt("mat-khau", algorithm="AES-128")
    out = BytesIO()
    writer.write(out)
    with pytest.raises(UnreadablePdfError, match="password"):
        verify_pdf(out.getvalue(), trust)


def test_the_json_form_has_exactly_the_command_line_keys(signed, trust):
    tampered = signed + b"\ngarbage"
    data = verify_pdf(tampered, trust).to_json(lang="vi")

    assert set(data) == {"valid", "signatures", "errors"}
    assert set(data["signatures"][0]) == {"field", "signer", "signing_time", "timestamp_time", "intact",
                                          "trusted", "revoked", "coverage", "modification_level",
                                          "pades_level", "problems"}
    assert data["errors"] == [{"code": "trailing_bytes", "message": data["errors"][0]["message"]}]
    assert data["errors"][0]["message"].startswith("Có 7 byte")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", data["signatures"][0]["signing_time"])


def test_the_result_carries_the_sha256_of_the_input(signed, trust):
    import hashlib

    assert verify_pdf(signed, trust).sha256 == hashlib.sha256(signed).hexdigest()


def test_every_message_has_a_vietnamese_translation_with_the_same_placeholders():
    placeholder = re.compile(r"%\((\w+)\)s")
    for message in MESSAGES.values():
        assert message in message_vi
        assert set(placeholder.findall(message)) == set(placeholder.findall(message_vi[message]))
    assert Problem.of("revoked", date="2026-11-22", reason="key_compromise").text("vi") == (
        "Chứng thư số của người ký đã bị thu hồi vào 2026-11-22 (key_compromise).")


def test_trust_roots_load_from_pem_files_and_reject_anything_else(test_pki, tmp_path):
    trust = TrustSettings.from_pem_files([test_pki.root_pem_path, test_pki.lookalike_root_pem_path])
    assert [c.sha256 for c in trust.roots] == [test_pki.root.sha256, test_pki.lookalike_root.sha256]
    broken = tmp_path / "broken.pem"
    broken.write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(ConfigurationError, match="broken.pem"):
        TrustSettings.from_pem_files([broken])
    with pytest.raises(ConfigurationError, match="missing.pem"):
        TrustSettings.from_pem_files([tmp_path / "missing.pem"])


def test_the_chain_still_verifies_offline_a_month_later(chain, trust):
    # The embedded OCSP responses are stale by then; the signatures are judged at their timestamps.
    result = verify_pdf(chain, trust, now=datetime.now(timezone.utc) + timedelta(days=30))
    assert result.valid, [(s.field, [p.code for p in s.problems]) for s in result.signatures]
    initial, personal, organisation, _ = result.signatures
    assert (organisation.revoked, organisation.revocation_source) == (False, "embedded")
    assert (initial.revoked, initial.revocation_source) == (None, "none")


def test_a_stale_embedded_crl_that_lists_the_signer_still_counts(test_pki):
    from asn1crypto.crl import CertificateList
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    out = BytesIO(attacks.sign(tiny_pdf(), test_pki.simple_signer("revoked")))
    DocumentSecurityStore.add_dss(out, None, certs=list(test_pki.chain("revoked")),
                                  crls=[CertificateList.load(test_pki.crl_der("issuing"))], force_write=True)
    result = verify_pdf(out.getvalue(), TrustSettings(roots=(test_pki.root,)),
                        now=datetime.now(timezone.utc) + timedelta(days=30))
    [report] = result.signatures
    assert report.revoked is True
    assert "revoked" in {p.code for p in report.problems}
    assert not result.valid

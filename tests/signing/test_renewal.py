"""B-LTA renewal of a signed PDF against the live test PKI: what renew_pdf appends, and what check_renewal
accepts (validation data and document timestamps only) and refuses (a new page, a new signature, changed
content, bytes after the end)."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from docflow.errors import SigningError
from docflow.signing.base import PadesLevel, SignatureKind
from docflow.signing.renewal import check_renewal, renew_pdf, renewal_due_at
from docflow.signing.sign import SignRequest, SigningContext, sign_pdf
from docflow.signing.trust import TrustSettings
from docflow.signing.verify import verify_pdf
from tests.signing.test_sign import context, decree30_chain
from tests.testpki import LivePKI


@pytest.fixture(scope="module")
def issued(test_pki: LivePKI) -> bytes:
    return decree30_chain(test_pki)["organisation"]


@pytest.fixture(scope="module")
def renewed(issued: bytes, test_pki: LivePKI) -> bytes:
    return renew_pdf(issued, context(test_pki))


def _trust(pki: LivePKI) -> TrustSettings:
    return TrustSettings.from_pem_files([pki.root_pem_path], allow_fetching=False)


def test_a_renewal_is_one_incremental_update_with_the_dss_and_a_document_timestamp(issued, renewed):
    reader = PdfFileReader(io.BytesIO(renewed))

    assert renewed.startswith(issued)
    assert reader.xrefs.total_revisions == PdfFileReader(io.BytesIO(issued)).xrefs.total_revisions + 1
    assert [s.sig_object_type for s in reader.embedded_signatures][-1] == "/DocTimeStamp"
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.ocsps or dss.crls


def test_a_renewal_is_accepted_and_every_signature_reaches_b_lta(issued, renewed, test_pki):
    check = check_renewal(issued, renewed)
    result = verify_pdf(renewed, _trust(test_pki))

    assert check.ok, check.problems
    assert len(check.timestamps) == 1
    assert result.valid, [p.text() for s in result.signatures for p in s.problems]
    assert [s.pades_level for s in result.signatures if not s.is_timestamp] == ["B-B", "B-LTA", "B-LTA"]
    # the DSS now speaks about the personal signer too, not only the seal's B-LT data
    assert all(s.revocation_source.value == "embedded" for s in result.signatures if s.pades_level == "B-LTA")


def test_renewing_a_renewal_chains_a_second_document_timestamp(issued, renewed, test_pki):
    again = renew_pdf(renewed, context(test_pki))

    assert check_renewal(issued, again).ok and len(check_renewal(issued, again).timestamps) == 2
    assert check_renewal(renewed, again).ok
    assert verify_pdf(again, _trust(test_pki)).valid


def test_the_due_date_is_the_earliest_certificate_expiry_then_the_last_timestamps(issued, renewed, test_pki):
    signer_ends = [test_pki.cert(n).not_valid_after for n in ("phochutich2", "phochutich1", "organisation")]

    assert renewal_due_at(issued) == min([*signer_ends, test_pki.cert("tsa").not_valid_after])
    assert renewal_due_at(renewed) == test_pki.cert("tsa").not_valid_after


def _appended(data: bytes, change) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _new_page(writer: IncrementalPdfFileWriter) -> None:
    writer.insert_page(generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Page"),
        generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 595, 842)]),
        generic.NameObject("/Contents"): writer.add_object(generic.StreamObject(stream_data=b"BT ET")),
    }))


def _changed_title(writer: IncrementalPdfFileWriter) -> None:
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()


def test_a_new_page_after_the_issued_bytes_is_not_a_renewal(issued, renewed, test_pki):
    forged = renew_pdf(_appended(issued, _new_page), context(test_pki))

    check = check_renewal(issued, forged)

    assert not check.ok
    assert any("change" in p.message for p in check.problems)


def test_changed_content_after_a_true_renewal_is_not_a_renewal(issued, renewed):
    check = check_renewal(issued, _appended(renewed, _changed_title))

    assert not check.ok


def test_a_new_signature_after_the_issued_bytes_is_not_a_renewal(issued, test_pki):
    signed = sign_pdf(issued, test_pki.simple_signer("chutich"), SignRequest(SignatureKind.INITIAL, PadesLevel.B_B),
                      context(test_pki))
    forged = renew_pdf(signed, context(test_pki))

    check = check_renewal(issued, forged)

    assert any("new signature" in p.message for p in check.problems)


@pytest.mark.parametrize("tail", [b"\n% appended comment\n", b"\n1 0 obj\n<< >>\nendobj\n"])
def test_bytes_after_the_end_or_a_bare_copy_are_not_a_renewal(issued, renewed, tail):
    assert not check_renewal(issued, renewed + tail).ok
    assert not check_renewal(issued, issued).ok
    assert not check_renewal(renewed, issued).ok


def test_dss_only_without_a_document_timestamp_is_not_a_renewal(issued, test_pki):
    def dss_only(writer: IncrementalPdfFileWriter) -> None:
        DocumentSecurityStore.supply_dss_in_writer(writer, None, certs=[test_pki.cert("wrong_ku")])
    check = check_renewal(issued, _appended(issued, dss_only))

    assert [p.message for p in check.problems] == ["The added revisions hold no document timestamp."]


def test_renewal_needs_a_tsa_and_revocation_data(issued, test_pki):
    with pytest.raises(SigningError):
        renew_pdf(issued, SigningContext(timestamper=test_pki.timestamper(), validation_context=None))

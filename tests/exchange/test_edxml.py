"""edXML messages: built, signed, read and verified round trip (R65, R66), and every tampering refused."""

from __future__ import annotations

import base64
import hashlib
from datetime import date

import pytest
from lxml import etree

from docflow import exchange
from docflow.errors import PermissionDeniedError, ValidationError
from docflow.exchange import Kind, Status, edxml
from tests.conftest import pdf_bytes
from tests.exchange.partner import NOW, PARTNER_ID, Partner

PDF = pdf_bytes("edxml")


@pytest.fixture(scope="module")
def partner(test_pki):
    return Partner(test_pki)


def opened(data: bytes, partner: Partner, **kw):
    return exchange.open_message(data, root_for={PARTNER_ID: partner.root_pem}.get, moment=NOW, **kw)


def test_r65_an_edoc_message_round_trips_with_its_header_and_signed_pdf(partner) -> None:
    message = partner.edoc(PDF)
    result = opened(partner.seal(message), partner)
    assert result.message == message
    assert result.message.document_id == "000.00.02.H99,2026/12/05,15/QĐ-UBND"
    assert result.message.attachments[0].data == PDF
    assert "UBND" in result.signer or "docflow" in result.signer


def test_r65_the_envelope_follows_the_qcvn_102_structure(partner) -> None:
    root = etree.fromstring(partner.seal(partner.edoc(PDF)))
    ns = {"e": edxml.NS}
    header = root.find("e:edXMLHeader/e:MessageHeader", ns)
    assert header.findtext("e:From/e:OrganId", namespaces=ns) == PARTNER_ID
    assert header.findtext("e:Code/e:CodeNotation", namespaces=ns) == "QĐ-UBND"
    assert header.findtext("e:PromulgationInfo/e:PromulgationDate", namespaces=ns) == "2026-12-05"
    assert header.findtext("e:SignerInfo/e:FullName", namespaces=ns) == "Nguyễn Văn Ký"
    digest = root.findtext("e:edXMLBody/e:Attachment/e:Digest", namespaces=ns)
    assert digest == hashlib.sha256(PDF).hexdigest()
    assert root.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is not None


def test_r66_a_status_message_carries_its_code_and_reason(partner) -> None:
    about = exchange.document_id("000.00.01.H99", date(2026, 12, 5), "07/UBND-VP")
    message = partner.status(about, Status.REFUSED, description="Gửi nhầm nơi nhận")
    result = opened(partner.seal(message), partner).message
    assert (result.kind, result.status_code, result.description) == (Kind.STATUS, "02", "Gửi nhầm nơi nhận")


def test_r66_a_refusal_without_a_reason_is_not_built(partner) -> None:
    with pytest.raises(ValidationError, match="reason"):
        partner.seal(partner.status("000.00.01.H99,2026/12/05,07/UBND-VP", Status.REFUSED))


def test_r66_an_unknown_status_code_is_not_built(partner) -> None:
    with pytest.raises(ValidationError, match="status code"):
        partner.seal(partner.status("000.00.01.H99,2026/12/05,07/UBND-VP", "99"))


def test_r42_a_byte_of_the_pdf_changed_is_refused(partner) -> None:
    data = partner.seal(partner.edoc(PDF))
    altered = base64.b64encode(PDF[:-20] + b"X" + PDF[-19:])
    data = data.replace(base64.b64encode(PDF), altered)
    with pytest.raises(ValidationError, match="altered"):
        opened(data, partner)


def test_r42_a_changed_subject_is_refused(partner) -> None:
    data = partner.seal(partner.edoc(PDF, subject="Về việc phối hợp thử nghiệm"))
    with pytest.raises(ValidationError, match="altered"):
        opened(data.replace("phối hợp".encode(), "hủy bỏ".encode()), partner)


def test_r42_a_changed_signature_value_is_refused(partner) -> None:
    data = partner.seal(partner.edoc(PDF))
    root = etree.fromstring(data)
    value = root.find(".//{http://www.w3.org/2000/09/xmldsig#}SignatureValue")
    raw = bytearray(base64.b64decode(value.text))
    raw[10] ^= 0xFF
    value.text = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(ValidationError, match="altered"):
        opened(etree.tostring(root), partner)


def test_r42_the_signature_removed_is_refused(partner) -> None:
    root = etree.fromstring(partner.seal(partner.edoc(PDF)))
    root.remove(root.find("{http://www.w3.org/2000/09/xmldsig#}Signature"))
    with pytest.raises(ValidationError, match="not signed"):
        opened(etree.tostring(root), partner)


def test_a_message_signed_under_another_root_is_refused_though_it_carries_its_chain(test_pki, partner) -> None:
    impostor = Partner(test_pki, cert_name="lookalike")
    data = impostor.seal(impostor.edoc(PDF))
    with pytest.raises(ValidationError, match="not trusted"):
        opened(data, partner)


def test_a_message_from_an_unknown_sender_is_refused(partner) -> None:
    data = partner.seal(partner.edoc(PDF))
    with pytest.raises(PermissionDeniedError, match="not a registered"):
        exchange.open_message(data, root_for={}.get, moment=NOW)


def test_another_partners_organ_id_with_our_partners_key_is_refused(test_pki, partner) -> None:
    # the partner signs a message claiming to come from a third organ: that organ's root is not the partner's
    other = Partner(test_pki, organ_id="000.00.03.H99")
    data = other.seal(other.edoc(PDF))
    with pytest.raises(ValidationError, match="not trusted"):
        exchange.open_message(data, root_for={"000.00.03.H99": Partner(test_pki, "lookalike").root_pem}.get,
                              moment=NOW)


def test_an_expired_signing_certificate_is_refused(test_pki) -> None:
    expired = Partner(test_pki, cert_name="expired")
    with pytest.raises(ValidationError, match="not trusted"):
        opened(expired.seal(expired.edoc(PDF)), expired)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">&x;</edXML:edXMLEnvelope>"""
BILLION = b"""<?xml version="1.0"?>
<!DOCTYPE e [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;">]>
<edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">&c;</edXML:edXMLEnvelope>"""


@pytest.mark.parametrize("data", [XXE, BILLION], ids=["xxe", "entity-expansion"])
def test_a_message_with_a_dtd_is_refused_and_no_entity_is_read(data: bytes, partner) -> None:
    with pytest.raises(ValidationError, match="DTD"):
        opened(data, partner)


def test_a_message_above_the_size_limit_is_refused_before_parsing(partner) -> None:
    with pytest.raises(ValidationError, match="larger than the limit"):
        opened(partner.seal(partner.edoc(PDF)), partner, max_bytes=1024)


@pytest.mark.parametrize("data, words", [
    (b"not xml at all", "well-formed"),
    (b"<a/>", "not an edXML"),
    (b'<e:edXMLEnvelope xmlns:e="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>', "no edXMLHeader"),
])
def test_malformed_messages_get_a_clear_message(data: bytes, words: str, partner) -> None:
    with pytest.raises(ValidationError, match=words):
        opened(data, partner)


def test_a_malformed_document_id_is_refused(partner) -> None:
    with pytest.raises(ValidationError, match="OrganId,yyyy/MM/dd,Notation"):
        partner.seal(partner.edoc(PDF, document_id="15/QĐ-UBND"))

"""The envelope's XMLDSig signature (enveloped, RSA-SHA256 or ECDSA-SHA256) by the sending ward's system key,
and its verification against the ONE trust root registered for the sender: the certificates the message
carries may complete the path, never anchor it."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml import InvalidInput, InvalidSignature, SignatureMethod, XMLSigner, XMLVerifier
from signxml.exceptions import SignXMLException

from docflow.auditlog.checkpoints import Trust, load_certificates
from docflow.errors import N_, ValidationError

DS = "http://www.w3.org/2000/09/xmldsig#"
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def sign(root: etree._Element, *, key: PrivateKey, chain: Sequence[asn1_x509.Certificate]) -> bytes:
    """The envelope signed with ``key``; ``chain`` (the signer's certificate first, then the CAs above it)
    goes into KeyInfo so the receiver can build the path to the root it registered for us."""
    method = SignatureMethod.ECDSA_SHA256 if isinstance(key, ec.EllipticCurvePrivateKey) else SignatureMethod.RSA_SHA256
    signer = XMLSigner(signature_algorithm=method, digest_algorithm="sha256")
    certs = [pem.armor("CERTIFICATE", c.dump()).decode("ascii") for c in chain]
    signed = signer.sign(root, key=key, cert=certs)
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


def carried_certificates(root: etree._Element) -> list[asn1_x509.Certificate]:
    """The certificates in the signature's KeyInfo, signer first. Raises ValidationError."""
    signatures = root.findall(f"{{{DS}}}Signature")
    if len(signatures) != 1:
        raise ValidationError(N_("The message is not signed (or carries more than one signature)."))
    texts = [t.text or "" for t in signatures[0].iter(f"{{{DS}}}X509Certificate")]
    try:
        certs = load_certificates([_der(text) for text in texts])
    except (ValueError, binascii.Error):
        raise ValidationError(N_("The message's signing certificate cannot be read.")) from None
    if not certs:
        raise ValidationError(N_("The message's signature carries no certificate."))
    return certs


def _der(text: str) -> bytes:
    return base64.b64decode("".join(text.split()), validate=True)


def verify(root: etree._Element, *, trust_root_pem: bytes, moment: datetime) -> tuple[etree._Element, str]:
    """The part of ``root`` the signature covers (the whole envelope) and the signer's subject, when the
    signature is intact and its certificate chains to ``trust_root_pem`` at ``moment``.

    Raises ValidationError: unsigned, altered, or signed by a certificate that does not chain to that root.
    """
    certs = carried_certificates(root)
    signer = certs[0]
    problem = Trust([trust_root_pem]).path_problem(signer, certs[1:], moment, "signing")
    if problem is not None:
        raise ValidationError(N_("The message's signature is not trusted: %(problem)s."), problem=problem)
    signer_pem = pem.armor("CERTIFICATE", signer.dump()).decode("ascii")
    try:
        result = XMLVerifier().verify(root, x509_cert=signer_pem)
    except (InvalidSignature, InvalidInput, SignXMLException):
        raise ValidationError(N_("The message's signature does not match its content: it was altered.")) from None
    if isinstance(result, list):
        raise ValidationError(N_("The message is not signed (or carries more than one signature)."))
    signed = result.signed_xml
    if signed is None or signed.tag != root.tag:
        raise ValidationError(N_("The message's signature does not cover the whole envelope."))
    return signed, signer.subject.human_friendly

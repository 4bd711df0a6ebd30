"""X.509 building blocks of the development CA: names, extensions, CA and service certificates, CRL
entries and OCSP hashes (cryptography in, cryptography out)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID


def ca_name(organisation: str, common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def certificate_builder(subject: x509.Name, issuer: x509.Name, public_key: Any, not_before: datetime,
             not_after: datetime) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def key_usage(*, digital_signature: bool = False, content_commitment: bool = False,
               cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=digital_signature, content_commitment=content_commitment,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=cert_sign, crl_sign=cert_sign, encipher_only=False, decipher_only=False)


def crl_points(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints([x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(url)], relative_name=None, reasons=None, crl_issuer=None)])


def ocsp_access(url: str) -> x509.AuthorityInformationAccess:
    return x509.AuthorityInformationAccess([x509.AccessDescription(
        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(url))])


def ca_certificate(subject: x509.Name, issuer: x509.Name, public_key: rsa.RSAPublicKey,
                    signing_key: rsa.RSAPrivateKey, not_before: datetime, not_after: datetime, *,
                    path_length: int, crl_url: str | None) -> x509.Certificate:
    builder = (certificate_builder(subject, issuer, public_key, not_before, not_after)
               .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
               .add_extension(key_usage(cert_sign=True), critical=True)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()),
                              critical=False))
    if crl_url:
        builder = builder.add_extension(crl_points(crl_url), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


def service_certificate(subject: x509.Name, public_key: rsa.RSAPublicKey, issuing_key: rsa.RSAPrivateKey,
                         issuing: x509.Certificate, now: datetime, purpose: x509.ObjectIdentifier, *,
                         ocsp_url: str | None, crl_url: str | None) -> x509.Certificate:
    """The TSA's or the OCSP responder's certificate: one critical extended key usage, as RFC 3161 asks."""
    builder = (certificate_builder(subject, issuing.subject, public_key, now, issuing.not_valid_after_utc)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(key_usage(digital_signature=True), critical=True)
               .add_extension(x509.ExtendedKeyUsage([purpose]), critical=True)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuing_key.public_key()),
                              critical=False))
    if purpose == ExtendedKeyUsageOID.OCSP_SIGNING:
        # The responder's own certificate is not checked by OCSP (RFC 6960 §4.2.2.2.1).
        builder = builder.add_extension(x509.OCSPNoCheck(), critical=False)
    if crl_url:
        builder = builder.add_extension(crl_points(crl_url), critical=False)
    if ocsp_url:
        builder = builder.add_extension(ocsp_access(ocsp_url), critical=False)
    return builder.sign(issuing_key, hashes.SHA256())


def revoked_entry(serial: int, revoked_at: datetime, reason: str | None) -> x509.RevokedCertificate:
    """A CRL entry; ``reason`` is an RFC 5280 reason name."""
    builder = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at)
    if reason and reason != "unspecified":   # RFC 5280 §5.3.1: omit reasonCode for unspecified
        builder = builder.add_extension(x509.CRLReason(x509.ReasonFlags(reason)), critical=False)
    return builder.build()


def issuer_hashes(issuer: x509.Certificate, algorithm: str) -> tuple[bytes, bytes]:
    """RFC 6960 CertID hashes: of the issuer's DER name and of its subjectPublicKey bit string contents."""
    key_bits = to_asn1(issuer).public_key["public_key"].contents[1:]   # drop the unused-bits octet
    return (hashlib.new(algorithm, issuer.subject.public_bytes()).digest(),
            hashlib.new(algorithm, key_bits).digest())


def unsuccessful_ocsp(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))




def holder_name(*, organisation: str, full_name: str, post: str, holder: str) -> x509.Name:
    """A signing certificate's subject: country, organisation, the holder's name, post (title) if any and
    docflow user name (UID)."""
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                  x509.NameAttribute(NameOID.COMMON_NAME, full_name)]
    if post.strip():
        attributes.append(x509.NameAttribute(NameOID.TITLE, post))
    attributes.append(x509.NameAttribute(NameOID.USER_ID, holder))
    return x509.Name(attributes)


def subject_holder(der: bytes) -> tuple[str, str]:
    """The holder a signing certificate names: its common name and its post (the title attribute, which
    holder_name writes; an organisational unit where a certificate from another CA carries the post there)."""
    subject = x509.load_der_x509_certificate(der).subject

    def first(oid: x509.ObjectIdentifier) -> str:
        values = subject.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""
    return first(NameOID.COMMON_NAME), first(NameOID.TITLE) or first(NameOID.ORGANIZATIONAL_UNIT_NAME)


def end_entity_certificate(subject: x509.Name, public_key: Any, issuing: x509.Certificate,
                           issuing_key: rsa.RSAPrivateKey, not_before: datetime, not_after: datetime, *,
                           crl_url: str, ocsp_url: str) -> x509.Certificate:
    """A signing certificate: digitalSignature and nonRepudiation, pointing at the CRL and the OCSP responder."""
    return (certificate_builder(subject, issuing.subject, public_key, not_before, not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(key_usage(digital_signature=True, content_commitment=True), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuing_key.public_key()),
                           critical=False)
            .add_extension(crl_points(crl_url), critical=False)
            .add_extension(ocsp_access(ocsp_url), critical=False)
            .sign(issuing_key, hashes.SHA256()))

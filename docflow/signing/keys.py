"""Loading a signer's key (PKCS#12 file or PKCS#11 token) once, and checking a certificate before use.

A ``SigningKey`` is loaded once and reused for a whole batch of documents: decrypting a PKCS#12 file costs
far more than one signature. PINs are used to open the key and then forgotten; no message, log line or
repr here contains one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pkcs11
from asn1crypto import keys as asn1_keys
from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from docflow.config import TokenSettings
from docflow.errors import N_, CertificateError, ConfigurationError, SigningError, WrongPinError

RevocationCheck = Callable[[asn1_x509.Certificate], "datetime | None"]
"""Answers when a certificate was revoked, or None if it is not (CA database, CRL, ...)."""

# asn1crypto's names for the key usages a document signature needs (RFC 5280 digitalSignature and
# nonRepudiation, a.k.a. contentCommitment).
REQUIRED_KEY_USAGE = ("digital_signature", "non_repudiation")
_RFC_USAGE_NAMES = {"digital_signature": "digitalSignature", "non_repudiation": "nonRepudiation"}
_WRONG_PIN = (pkcs11.PinIncorrect, pkcs11.PinInvalid, pkcs11.PinLenRange)


@dataclass(frozen=True)
class SigningKey:
    """A signer ready for many documents, with its certificate and the CA certificates above it."""
    signer: Signer = field(repr=False)
    certificate: asn1_x509.Certificate = field(repr=False)
    chain: tuple[asn1_x509.Certificate, ...] = field(repr=False)

    def __repr__(self) -> str:
        return f"<SigningKey {self.certificate.subject.human_friendly!r}>"

    @property
    def sha256(self) -> str:
        """Hex SHA-256 fingerprint of the signing certificate."""
        return hashlib.sha256(self.certificate.dump()).hexdigest()


def load_pkcs12(path: Path, pin: str) -> SigningKey:
    """Open a PKCS#12 file with ``pin`` and build a reusable signer from it.

    Raises WrongPinError if the PIN does not open the file, SigningError if the file is missing, unreadable,
    not PKCS#12, or lacks a key and its certificate.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SigningError(N_("The key file %(path)s does not exist."), path=str(path)) from None
    except OSError:
        raise SigningError(N_("The key file %(path)s cannot be read."), path=str(path)) from None
    if not _is_pkcs12(data):
        raise SigningError(N_("The key file %(path)s is not a PKCS#12 file."), path=str(path))
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, pin.encode() or None)
    except ValueError:
        # The outer structure parsed, so a failure to decrypt or to check the MAC means the PIN is wrong.
        raise WrongPinError(N_("The PIN is not correct.")) from None
    if key is None or cert is None:
        raise SigningError(N_("The key file %(path)s does not contain a key and its certificate."),
                           path=str(path))
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise SigningError(N_("The key in %(path)s is neither RSA nor ECDSA."), path=str(path))
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if (key.public_key().public_bytes(serialization.Encoding.DER, spki)
            != cert.public_key().public_bytes(serialization.Encoding.DER, spki)):
        raise SigningError(N_("The key in %(path)s does not match its certificate."), path=str(path))
    certificate = _asn1(cert)
    chain = _ordered_chain(certificate, [_asn1(c) for c in extra])
    key_info = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    signer = SimpleSigner(signing_cert=certificate, signing_key=key_info,
                          cert_registry=SimpleCertificateStore.from_certs(chain))
    return SigningKey(signer=signer, certificate=certificate, chain=chain)


def private_key(key: SigningKey) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    """The private key of a key opened from a PKCS#12 file, as ``cryptography`` holds it (what an XML signature
    takes). Raises ConfigurationError for a key that never leaves its token."""
    signer = key.signer
    if not isinstance(signer, SimpleSigner):
        raise ConfigurationError("this key is on a token: it signs PDFs only")
    loaded = serialization.load_der_private_key(signer.signing_key.dump(), None)
    if not isinstance(loaded, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise ConfigurationError("the key is neither RSA nor ECDSA")
    return loaded


def rewrap_pkcs12(data: bytes, old_password: str, new_password: str) -> bytes:
    """The same key, certificate and chain as a PKCS#12 file under ``new_password``.

    Raises WrongPinError if ``old_password`` does not open ``data``, SigningError if it is not PKCS#12.
    """
    if not _is_pkcs12(data):
        raise SigningError(N_("The key file is not a PKCS#12 file."))
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, old_password.encode() or None)
    except ValueError:
        raise WrongPinError(N_("The PIN is not correct.")) from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)) or cert is None:
        raise SigningError(N_("The key file does not contain a key and its certificate."))
    return pkcs12.serialize_key_and_certificates(b"docflow", key, cert, extra,
                                                 serialization.BestAvailableEncryption(new_password.encode()))


@contextmanager
def open_token(settings: TokenSettings, pin: str) -> Iterator[SigningKey]:
    """Log in to a PKCS#11 token and yield a SigningKey backed by that session; the session closes at exit.

    Raises WrongPinError for a PIN the token rejects, SigningError if the module cannot be loaded, the token
    is missing or locked, or it holds no key (or certificate) with the configured label.
    """
    try:
        session = open_pkcs11_session(str(settings.module), token_criteria=TokenCriteria(
            label=settings.token_label), user_pin=pin)
    except _WRONG_PIN:
        raise WrongPinError(N_("The PIN is not correct.")) from None
    except pkcs11.PinLocked:
        raise SigningError(N_("The token %(token)s is locked."), token=settings.token_label) from None
    except (pkcs11.PKCS11Error, OSError):
        # pyHanko raises a bare PKCS11Error when no token has the label; python-pkcs11 when the module fails.
        raise SigningError(N_("The token %(token)s cannot be opened with module %(module)s."),
                           token=settings.token_label, module=str(settings.module)) from None
    try:
        cert_label = settings.cert_label or settings.key_label
        for object_class, label in ((pkcs11.ObjectClass.PRIVATE_KEY, settings.key_label),
                                    (pkcs11.ObjectClass.CERTIFICATE, cert_label)):
            found = list(session.get_objects({pkcs11.Attribute.CLASS: object_class,
                                              pkcs11.Attribute.LABEL: label}))
            if len(found) != 1:
                raise SigningError(N_("The token %(token)s has no single %(kind)s labelled %(label)s."),
                                   token=settings.token_label, label=label,
                                   kind="private key" if object_class == pkcs11.ObjectClass.PRIVATE_KEY
                                   else "certificate")
        # other_certs_to_pull=None: take every certificate on the token, so the CA chain travels with it.
        signer = PKCS11Signer(session, cert_label=cert_label, key_label=settings.key_label,
                              other_certs_to_pull=None)
        certificate: asn1_x509.Certificate = signer.signing_cert   # loads the key handle and certs now
        others = [c for c in signer.cert_registry if c.dump() != certificate.dump()]
        yield SigningKey(signer=signer, certificate=certificate, chain=_ordered_chain(certificate, others))
    finally:
        session.close()


def check_certificate(certificate: asn1_x509.Certificate, *, now: datetime, holder: str | None = None,
                      expected_sha256: str | None = None, revocation: RevocationCheck | None = None) -> None:
    """Refuse a certificate that cannot sign for ``holder`` at ``now``.

    ``holder`` is compared with the certificate's UID attribute (the docflow user name), ``expected_sha256``
    with its fingerprint. Raises CertificateError: does not belong to the holder, revoked, not yet valid,
    expired, or its key usage lacks digitalSignature or nonRepudiation.
    """
    if holder is not None and holder not in _user_ids(certificate):
        raise CertificateError(N_("The certificate does not belong to %(holder)s."), holder=holder)
    if expected_sha256 is not None and (
            hashlib.sha256(certificate.dump()).hexdigest() != expected_sha256.replace(":", "").lower()):
        raise CertificateError(N_("The certificate is not the one registered for %(holder)s."),
                               holder=holder or certificate.subject.human_friendly)
    revoked_at = revocation(certificate) if revocation is not None else None
    if revoked_at is not None:
        raise CertificateError(N_("The certificate was revoked on %(date)s."), date=revoked_at)
    validity = certificate["tbs_certificate"]["validity"]
    not_before: datetime = validity["not_before"].native
    not_after: datetime = validity["not_after"].native
    if now < not_before:
        raise CertificateError(N_("The certificate is not valid until %(date)s."), date=not_before)
    if now > not_after:
        raise CertificateError(N_("The certificate expired on %(date)s."), date=not_after)
    usage = certificate.key_usage_value.native if certificate.key_usage_value is not None else set()
    missing = [_RFC_USAGE_NAMES[name] for name in REQUIRED_KEY_USAGE if name not in usage]
    if missing:
        raise CertificateError(N_("The certificate's key usage does not allow signing documents "
                                  "(it lacks %(usage)s)."), usage=", ".join(missing))


def crl_revocation(crl_der: bytes, issuer: asn1_x509.Certificate) -> RevocationCheck:
    """A RevocationCheck answering from a CRL whose signature by ``issuer`` has been verified.

    Raises SigningError if the bytes are not a CRL or not signed by ``issuer``.
    """
    try:
        crl = x509.load_der_x509_crl(crl_der)
        issuer_cert = x509.load_der_x509_certificate(issuer.dump())
        signed = crl.is_signature_valid(issuer_cert.public_key())   # type: ignore[arg-type]
    except (ValueError, TypeError):
        signed = False
    if not signed:
        raise SigningError(N_("The revocation list is not signed by %(issuer)s."),
                           issuer=issuer.subject.human_friendly)

    def revoked_at(certificate: asn1_x509.Certificate) -> datetime | None:
        if certificate.issuer != issuer.subject:
            return None
        entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
        return entry.revocation_date_utc if entry is not None else None

    return revoked_at


def _is_pkcs12(data: bytes) -> bool:
    try:
        pfx = asn1_pkcs12.Pfx.load(data, strict=True)
        return bool(pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native)
    except (ValueError, TypeError, KeyError):
        return False


def _user_ids(certificate: asn1_x509.Certificate) -> set[str]:
    return {attribute["value"].native for rdn in certificate.subject.chosen for attribute in rdn
            if attribute["type"].native == "user_id"}


def _ordered_chain(certificate: asn1_x509.Certificate,
                   candidates: Iterable[asn1_x509.Certificate]) -> tuple[asn1_x509.Certificate, ...]:
    """The CA certificates from ``candidates`` above ``certificate``, nearest first; others are dropped."""
    pool = list(candidates)
    chain: list[asn1_x509.Certificate] = []
    current = certificate
    while current.issuer != current.subject:
        parent = next((c for c in pool if c.subject == current.issuer and c not in chain), None)
        if parent is None:
            break
        chain.append(parent)
        current = parent
    return tuple(chain)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

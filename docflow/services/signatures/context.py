"""What a signature is made with: its PAdES level, the timestamper and validation data for that level,
the certificate kind behind it, and a key opened once for a batch; and the ward's calendar day."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.config import local_date as local_today  # noqa: F401 - re-exported
from docflow.errors import PermissionDeniedError
from docflow.models import User
from docflow.services import keys
from docflow.signing.base import CertificateKind, PadesLevel, SignatureKind

if TYPE_CHECKING:
    from docflow.models import Certificate
    from docflow.signing.sign import KeyLike, SigningContext, SigningSession
    from docflow.signing.textstamp import TextStampSession

# The kinds that lock a document: the ward's seal, and its text-only signature for attachments.
ORGANISATION_KINDS = (SignatureKind.ORGANISATION, SignatureKind.ORGANISATION_TEXT)


def level_for(settings: Settings, kind: SignatureKind) -> PadesLevel:
    """The PAdES level configured for a kind of signature."""
    if kind is SignatureKind.INITIAL:
        return PadesLevel(settings.signing.level_initial)
    if kind is SignatureKind.PERSONAL:
        return PadesLevel(settings.signing.level_personal)
    return PadesLevel(settings.signing.level_organisation)


def certificate_kind(kind: SignatureKind) -> CertificateKind:
    return CertificateKind.ORGANISATION if kind in ORGANISATION_KINDS else CertificateKind.PERSONAL


def signing_context(settings: Settings, level: PadesLevel) -> SigningContext:
    """Timestamper and validation data for ``level``: the configured TSA, or the development CA's own."""
    # pyHanko and its validator take seconds to import: only a signature pays for them, not the CLI's start.
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

    from docflow.signing.sign import SigningContext
    from docflow.signing.timestamp import timestamper_for
    if level is PadesLevel.B_B:
        return SigningContext(timestamper=None, validation_context=None)
    ca = keys.open_ca(settings) if settings.signing.ca == "development" else None
    timestamper = timestamper_for(settings.signing.tsa_url or None, ca)
    validation = None
    if level in (PadesLevel.B_LT, PadesLevel.B_LTA):
        from asn1crypto import crl as asn1_crl
        from asn1crypto import pem, x509
        roots = [x509.Certificate.load(pem.unarmor(p)[2]) for p in keys.root_certificates_pem(settings)]
        crls = [asn1_crl.CertificateList.load(ca.crl_der())] if ca is not None else []
        others = list(ca.chain()) if ca is not None else []
        fetching = ca is None or settings.signing.fetch_revocation
        validation = ValidationContext(trust_roots=roots, other_certs=others, crls=crls, allow_fetching=fetching,
                                       fetcher_backend=RequestsFetcherBackend() if fetching else None)
    return SigningContext(timestamper=timestamper, validation_context=validation)


@dataclass(frozen=True)
class OpenedKey:
    """A signer's key opened once with the PIN, for signing a batch of documents in one sitting."""
    certificate: Certificate
    level: PadesLevel
    signing: SigningSession


@contextmanager
def _opened_key(session: Session, *, settings: Settings, actor: User, kind: SignatureKind, pin: str,
                now: datetime | None) -> Iterator[tuple[Certificate, PadesLevel, KeyLike]]:
    """``actor``'s certificate and key for ``kind``, the key opened with the PIN (checked here), and the
    configured level: the one path by which a signing session gets a key."""
    if not policy.may_apply(actor, kind):
        raise PermissionDeniedError(policy.MAY_NOT)
    certificate = keys.certificate_for(session, actor=actor, kind=certificate_kind(kind))
    with keys.open_signing_key(session, settings, actor=actor, certificate=certificate, pin=pin, now=now) as key:
        yield certificate, level_for(settings, kind), key


@contextmanager
def open_key(session: Session, *, settings: Settings, actor: User, kind: SignatureKind, pin: str,
             now: datetime | None = None) -> Iterator[OpenedKey]:
    """Open ``actor``'s key for ``kind`` once (the PIN is checked here) and keep one SigningSession, whose
    fonts, images and appearances are built once for all the documents signed with it.

    Raises PermissionDeniedError, KeyLockedError, WrongPinError, CertificateError, SigningError. Flushes only
    the key's PIN state.
    """
    # pyHanko takes seconds to import: only a signature pays for it, not the CLI's start.
    from docflow.signing.sign import SigningSession
    with _opened_key(session, settings=settings, actor=actor, kind=kind, pin=pin, now=now) as (certificate, level,
                                                                                               key):
        yield OpenedKey(certificate=certificate, level=level, signing=SigningSession(key, signing_context(settings, level)))


@contextmanager
def open_text_stamp(session: Session, *, settings: Settings, actor: User, pin: str,
                    now: datetime | None = None) -> Iterator[tuple[Certificate, PadesLevel, TextStampSession]]:
    """The ward's organisation key, opened once with the clerk's PIN, as a text-stamp signing session (the
    attachments at issue, copies, a closed register). Raises PermissionDeniedError, KeyLockedError,
    WrongPinError, CertificateError. Flushes the PIN state."""
    # pyHanko takes seconds to import: only a signature pays for it, not the CLI's start.
    from docflow.signing.textstamp import TextStampSession
    with _opened_key(session, settings=settings, actor=actor, kind=SignatureKind.ORGANISATION_TEXT, pin=pin,
                     now=now) as (certificate, level, key):
        yield certificate, level, TextStampSession(key, signing_context(settings, level))

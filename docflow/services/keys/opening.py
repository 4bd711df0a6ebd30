"""Opening the acting user's signing key with a PIN: every route that signs goes through open_signing_key.

A key file from before wrapping (wrap NULL) still opens with the bare PIN once, then is rewrapped under a
password derived from the PIN and the server secret.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.db import after_commit
from docflow.errors import N_, CertificateError, SigningError, WrongPinError
from docflow.models import Certificate, CertificateStatus, KeyGuard, KeyStorage, User, utc_now
from docflow.private_files import write_private
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.keys import pins
from docflow.services.keys.ca import kdf_params, revocation_checker, root_certificates_pem
from docflow.signing.base import CertificateKind
from docflow.signing.keywrap import KeyWrap

if TYPE_CHECKING:
    from docflow.signing.keys import SigningKey


@contextmanager
def open_signing_key(session: Session, settings: Settings, *, actor: User, certificate: Certificate, pin: str,
                     now: datetime | None = None) -> Iterator[SigningKey]:
    """Open the key of ``certificate`` with ``pin`` and check the certificate may sign now.

    Every opening of a key goes through here: a locked key refuses every PIN, a wrong PIN is counted and
    audited (durably: the caller's rollback does not undo it), a right one ends the count, and a key file
    still under the bare PIN is rewrapped under the server secret. Raises KeyLockedError, WrongPinError,
    CertificateError, SigningError. The PIN is used once and not kept. Flushes.
    """
    now = now or utc_now()
    if certificate.status is not CertificateStatus.VALID:
        raise CertificateError(N_("The signing certificate was revoked on %(date)s and cannot sign. "
                                  "Ask the administrator to issue a new one."),
                               date=(certificate.revoked_at or now).date().isoformat())
    # Certificates docflow's development CA issues name the user (UID); a token's or a real CA's need not,
    # and the fingerprint on record binds them to the user instead.
    holder = (actor.username if certificate.kind is CertificateKind.PERSONAL and certificate.storage is KeyStorage.PKCS12
              and settings.signing.ca == "development" else None)
    guard = usable_guard(session, certificate=certificate, actor=actor, now=now)
    if certificate.storage is KeyStorage.PKCS11:
        with _token_key(session, settings, actor=actor, guard=guard, pin=pin, now=now) as key:
            _check(key, certificate, holder, now, settings)
            yield key
        return
    key, password = unlock_file(session, settings, certificate=certificate, guard=guard, actor=actor, pin=pin,
                                now=now)
    _check(key, certificate, holder, now, settings)
    if guard.wrap is None and certificate.kind is not CertificateKind.SYSTEM:
        rewrap(session, settings, certificate=certificate, guard=guard, old_password=password, new_pin=pin)
        audit.record(session, action=AuditAction.KEY_REWRAPPED, actor=actor, object_type="certificate",
                     object_id=certificate.id, now=now, details={"key_path": certificate.key_path})
    yield key


@contextmanager
def _token_key(session: Session, settings: Settings, *, actor: User, guard: KeyGuard, pin: str,
               now: datetime) -> Iterator[SigningKey]:
    """The key on ``actor``'s hardware token, open while the block runs; a wrong PIN is counted and raised."""
    from docflow.signing import keys  # pyHanko loads when a key is used, not at start-up
    token = settings.signing.tokens.get(actor.username)
    if token is None:
        raise SigningError(N_("No hardware token is configured for %(user)s (signing.tokens)."),
                           user=actor.username)
    with ExitStack() as stack:
        try:
            key = stack.enter_context(keys.open_token(token, pin))
        except WrongPinError:
            raise pins.record_wrong_pin(session, settings=settings, guard=guard, actor=actor, now=now) from None
        pins.record_success(session, guard=guard)
        yield key


def usable_guard(session: Session, *, certificate: Certificate, actor: User, now: datetime) -> KeyGuard:
    """The key's guard, locked for this transaction, once the key is neither locked nor waiting for a PIN."""
    guard = pins.guard_of(session, certificate, lock=True)
    pins.refuse_if_locked(session, guard=guard, actor=actor, now=now)
    if guard.pin_set_at is None:
        raise SigningError(N_("No PIN has been chosen for this signing key yet: enter the enrolment code the "
                              "administrator gave you, and your new PIN, on the “My signature” page."))
    return guard


def unlock_file(session: Session, settings: Settings, *, certificate: Certificate, guard: KeyGuard, actor: User,
                pin: str, now: datetime) -> tuple[SigningKey, str]:
    """The key from its PKCS#12 file, and the file's password; a wrong PIN is counted and raised."""
    from docflow.signing import keys  # pyHanko loads when a key is used, not at start-up
    if certificate.key_path is None:
        raise SigningError(N_("The key of this certificate is not stored by docflow."))
    password = (pin if guard.wrap is None
                else KeyWrap.from_json(guard.wrap).password(pin, server_secret=settings.key_secret()))
    try:
        key = keys.load_pkcs12(settings.app.keys_dir / certificate.key_path, password)
    except WrongPinError:
        raise pins.record_wrong_pin(session, settings=settings, guard=guard, actor=actor, now=now) from None
    pins.record_success(session, guard=guard)
    return key, password


def rewrap(session: Session, settings: Settings, *, certificate: Certificate, guard: KeyGuard, old_password: str,
           new_pin: str) -> None:
    """Write the key under a password derived from ``new_pin`` to a new file and point the certificate at it;
    the old file goes once the transaction commits (a rollback leaves the old one in use). Flushes."""
    from docflow.signing import keys  # pyHanko loads when a key is used, not at start-up
    if certificate.key_path is None:
        raise SigningError(N_("The key of this certificate is not stored by docflow."))
    source = settings.app.keys_dir / certificate.key_path
    wrap = KeyWrap.new(kdf_params(settings))
    data = keys.rewrap_pkcs12(source.read_bytes(), old_password,
                              wrap.password(new_pin, server_secret=settings.key_secret()))
    target = source.with_name(f"{source.name.split('.')[0]}.{secrets.token_hex(6)}.p12")
    write_private(target, data)
    certificate.key_path = str(target.relative_to(settings.app.keys_dir))
    guard.wrap = wrap.to_json()
    session.flush()
    after_commit(session, lambda: source.unlink(missing_ok=True))


def _check(key: SigningKey, certificate: Certificate, holder: str | None, now: datetime,
           settings: Settings) -> None:
    from docflow.signing import keys  # pyHanko loads when a key is used, not at start-up
    if hashlib.sha256(key.certificate.dump()).hexdigest() != certificate.sha256:
        raise CertificateError(N_("The key opened does not match the certificate docflow has on record."))
    keys.check_certificate(key.certificate, now=now, holder=holder, revocation=revocation_checker(settings))
    if settings.signing.ca == "production":
        check_online(key, settings, now)


def check_online(key: SigningKey, settings: Settings, now: datetime) -> None:
    """Production: the certificate must chain to the configured CA and not be revoked, asking its OCSP
    responder or CRL now (hard-fail: an unanswered revocation check refuses the signature)."""
    import asyncio

    from asn1crypto import pem, x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError
    from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

    roots = [x509.Certificate.load(pem.unarmor(p)[2]) for p in root_certificates_pem(settings)]
    context = ValidationContext(trust_roots=roots, allow_fetching=True, revocation_mode="hard-fail", moment=now,
                                fetcher_backend=RequestsFetcherBackend())
    validator = CertificateValidator(key.certificate, intermediate_certs=list(key.chain), validation_context=context)
    try:
        asyncio.run(validator.async_validate_usage({"digital_signature", "non_repudiation"}))
    except RevokedError:
        raise CertificateError(N_("The certificate was revoked on %(date)s."), date=now.date().isoformat()) from None
    except PathBuildingError:
        raise CertificateError(N_("The certificate is not issued by the ward's certificate authority.")) from None
    except PathValidationError:
        raise CertificateError(N_("The certificate's revocation status could not be checked; try again later.")) \
            from None

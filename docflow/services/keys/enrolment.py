"""The holder's own PIN: an enrolment code redeemed with a PIN of their choosing, a PIN changed, and the
keys waiting for either. Nobody else, the administrator included, ever chooses a holder's PIN.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import Certificate, CertificateStatus, KeyGuard, KeyStorage, User, utc_now
from docflow.services import audit, notifications
from docflow.services.audit import AuditAction
from docflow.services.keys import pins
from docflow.services.keys.issuing import normal_code
from docflow.services.keys.opening import rewrap, unlock_file, usable_guard
from docflow.signing.base import CertificateKind
from docflow.signing.keywrap import KeyWrap


def _held_certificate(session: Session, *, actor: User, certificate_id: int) -> Certificate:
    """A valid certificate whose PIN ``actor`` holds: their own, or (a clerk) the ward's organisation key."""
    row = session.get(Certificate, certificate_id)
    if row is None or row.organisation_id != actor.organisation_id:
        raise NotFoundError(N_("No such certificate."))
    if actor.id not in {u.id for u in pins.holders_of(session, row)} or not actor.is_active:
        raise PermissionDeniedError(N_("Only the holder of a signing key chooses or changes its PIN."))
    if row.status is not CertificateStatus.VALID:
        raise ValidationError(N_("This certificate is no longer valid."))
    if row.storage is not KeyStorage.PKCS12:
        raise ValidationError(N_("The PIN of a hardware token is changed with the token's own tool."))
    return row


def _new_pin(pin: str, confirm: str) -> None:
    if pin != confirm:
        raise ValidationError(N_("The two PINs do not match."), field="confirm_pin")
    pins.check_pin_strength(pin)


def enrol_pin(session: Session, *, settings: Settings, actor: User, certificate_id: int, code: str, pin: str,
              confirm: str, now: datetime | None = None) -> Certificate:
    """The holder redeems the enrolment code with a PIN of their own choosing (typed twice); the code is
    then spent. A wrong code counts as a wrong PIN. Raises NotFoundError, PermissionDeniedError,
    ValidationError, KeyLockedError. Flushes."""
    now = now or utc_now()
    certificate = _held_certificate(session, actor=actor, certificate_id=certificate_id)
    guard = pins.guard_of(session, certificate, lock=True)
    pins.refuse_if_locked(session, guard=guard, actor=actor, now=now)
    if guard.pin_set_at is not None or guard.enrolment_sha256 is None or guard.wrap is None:
        raise ValidationError(N_("The PIN of this key has already been chosen; change it with your current PIN."))
    if guard.enrolment_expires_at is None or guard.enrolment_expires_at <= now:
        raise ValidationError(N_("The enrolment code has expired. Ask the administrator to issue a new "
                                 "certificate."), field="code")
    digest = hashlib.sha256(normal_code(code).encode()).hexdigest()
    if not hmac.compare_digest(digest, guard.enrolment_sha256):
        pins.record_wrong_pin(session, settings=settings, guard=guard, actor=actor, now=now)
        raise ValidationError(N_("The enrolment code is not correct."), field="code")
    _new_pin(pin, confirm)
    old_password = KeyWrap.from_json(guard.wrap).password(normal_code(code), server_secret=settings.key_secret())
    rewrap(session, settings, certificate=certificate, guard=guard, old_password=old_password, new_pin=pin)
    guard.pin_set_at, guard.enrolment_sha256, guard.enrolment_expires_at = now, None, None
    guard.failed_pins = 0
    session.flush()
    audit.record(session, action=AuditAction.KEY_PIN_SET, actor=actor, object_type="certificate",
                 object_id=certificate.id, now=now, details={"serial": certificate.serial})
    # The administrator saw the code: if anyone but the holder redeemed it, the holder learns of it at once.
    notifications.notify(session, users=pins.holders_of(session, certificate), document=None, urgent=True, now=now,
                         params={"subject": certificate.subject, "name": actor.full_name},
                         message=N_("The PIN of the signing key %(subject)s was chosen by %(name)s. If that was "
                                    "not you, tell the administrator at once."))
    return certificate


def change_pin(session: Session, *, settings: Settings, actor: User, certificate_id: int, old_pin: str,
               new_pin: str, confirm: str, now: datetime | None = None) -> Certificate:
    """The holder replaces the PIN, proving the current one (counted like any wrong PIN). Raises
    NotFoundError, PermissionDeniedError, ValidationError, KeyLockedError, WrongPinError. Flushes."""
    now = now or utc_now()
    certificate = _held_certificate(session, actor=actor, certificate_id=certificate_id)
    _new_pin(new_pin, confirm)
    guard = usable_guard(session, certificate=certificate, actor=actor, now=now)
    _, password = unlock_file(session, settings, certificate=certificate, guard=guard, actor=actor, pin=old_pin,
                               now=now)
    rewrap(session, settings, certificate=certificate, guard=guard, old_password=password, new_pin=new_pin)
    audit.record(session, action=AuditAction.KEY_PIN_CHANGED, actor=actor, object_type="certificate",
                 object_id=certificate.id, now=now, details={"serial": certificate.serial})
    return certificate


def pending_enrolments(session: Session, *, actor: User) -> list[Certificate]:
    """The valid PKCS#12 certificates ``actor`` holds whose PIN waits for an enrolment code."""
    rows = session.execute(select(Certificate).join(KeyGuard, KeyGuard.certificate_id == Certificate.id).where(
        Certificate.status == CertificateStatus.VALID, Certificate.organisation_id == actor.organisation_id,
        KeyGuard.pin_set_at.is_(None)).order_by(Certificate.id)).scalars()
    return [c for c in rows if actor.id in {u.id for u in pins.holders_of(session, c)}]


def pin_certificates(session: Session, *, actor: User) -> list[Certificate]:
    """The valid PKCS#12 certificates whose PIN ``actor`` may change (their own, a clerk's ward key)."""
    rows = session.execute(select(Certificate).join(KeyGuard, KeyGuard.certificate_id == Certificate.id).where(
        Certificate.status == CertificateStatus.VALID, Certificate.storage == KeyStorage.PKCS12,
        Certificate.organisation_id == actor.organisation_id, KeyGuard.pin_set_at.is_not(None))
        .order_by(Certificate.id)).scalars()
    return [c for c in rows if c.kind is not CertificateKind.SYSTEM
            and actor.id in {u.id for u in pins.holders_of(session, c)}]

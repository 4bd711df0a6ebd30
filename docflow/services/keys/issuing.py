"""Certificates docflow's development CA issues, and the guard row each PIN-protected key gets.

A holder's key file is PKCS#12 under a password derived from the PIN and the server secret
(docflow.signing.keywrap); its KeyGuard row keeps the wrap's salt and cost, the wrong-PIN count and lock
(docflow.services.keys.pins) and the pending enrolment code's SHA-256. Keeping the PKCS#12 container (rather
than a format of our own) means any PKCS#12 reader, pyHanko's included, opens the file given the derived
password.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_, PermissionDeniedError, SigningError
from docflow.models import Certificate, CertificateStatus, KeyGuard, KeyStorage, Organisation, User, utc_now
from docflow.private_files import private_dir
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.keys.ca import ca_passphrase, kdf_params, open_ca, revoke_at_ca, ward_keys_dir
from docflow.services.keys.certificates import check_holder, guard_admin, supersede, ward_organisation
from docflow.services.keys.pins import check_pin_strength
from docflow.signing.base import CertificateKind
from docflow.signing.keywrap import KeyWrap

if TYPE_CHECKING:
    from docflow.signing.pki import DevelopmentCA

# No 0/O/1/I/L: the code is read off a screen and typed again.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Enrolment:
    """A certificate issued without a PIN, and the one-time code its holder redeems to choose one."""
    certificate: Certificate
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class PendingPin:
    """A key waiting for its holder's PIN: the enrolment code's SHA-256 (never the code) and its expiry."""
    sha256: str
    expires_at: datetime

    @classmethod
    def for_code(cls, code: str, settings: Settings, now: datetime) -> PendingPin:
        return cls(sha256=hashlib.sha256(normal_code(code).encode()).hexdigest(),
                   expires_at=now + timedelta(hours=settings.signing.pin_enrolment_hours))


def new_enrolment_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def normal_code(code: str) -> str:
    """The code as compared and hashed: without spaces and dashes, in capitals."""
    return "".join(code.split()).replace("-", "").upper()


def add_guard(session: Session, certificate: Certificate, *, wrap: KeyWrap | None, now: datetime,
              pending: PendingPin | None = None) -> KeyGuard:
    """The key's guard row: its wrap (None: a token's key or one under the bare PIN) and, for a key issued
    without a PIN, the enrolment code waiting to be redeemed. Flushes."""
    guard = KeyGuard(organisation_id=certificate.organisation_id, certificate_id=certificate.id, failed_pins=0,
                     lock_count=0, pin_set_at=None if pending else now)
    if wrap is not None:
        guard.wrap = wrap.to_json()
    if pending is not None:
        guard.enrolment_sha256, guard.enrolment_expires_at = pending.sha256, pending.expires_at
    session.add(guard)
    session.flush()
    return guard


def issue_certificate(session: Session, *, settings: Settings, actor: User | None, holder: User | None,
                      kind: CertificateKind, pin: str, key_type: str = "rsa",
                      now: datetime | None = None) -> Certificate:
    """Issue a certificate from the development CA with its key wrapped under ``pin`` at once: for the
    server's shell (`docflow keys issue --pin-env`) and tests; the web and the demo use issue_for_enrolment,
    so that the holder chooses the PIN. A system certificate's key is encrypted under the CA passphrase
    (``pin`` is ignored). Raises PermissionDeniedError, ValidationError (a trivial PIN), SigningError,
    ConfigurationError. Flushes."""
    now = now or utc_now()
    if kind is not CertificateKind.SYSTEM:
        if settings.app.mode == "production":
            # Decree 30's signer alone holds the means of signing: in production no one chooses a PIN for
            # somebody else, not even from the server's shell.
            raise PermissionDeniedError(N_("In production the holder chooses the PIN: issue the certificate "
                                           "without a PIN and give the holder the enrolment code."))
        check_pin_strength(pin)
    return _issue(session, settings=settings, actor=actor, holder=holder, kind=kind, secret=pin,
                  key_type=key_type, now=now)


def issue_for_enrolment(session: Session, *, settings: Settings, actor: User | None, holder: User | None,
                        kind: CertificateKind, key_type: str = "rsa", now: datetime | None = None) -> Enrolment:
    """Issue a certificate whose key waits for its holder's PIN: the key is wrapped under a one-time
    enrolment code, shown once to the administrator and kept only as its SHA-256, which the holder redeems
    with a PIN of their own (``enrol_pin``). Raises what issue_certificate raises. Flushes."""
    now = now or utc_now()
    if kind is CertificateKind.SYSTEM:
        raise SigningError(N_("The system certificate opens with the CA passphrase; it has no PIN."))
    code = new_enrolment_code()
    pending = PendingPin.for_code(code, settings, now)
    row = _issue(session, settings=settings, actor=actor, holder=holder, kind=kind, secret=normal_code(code),
                 key_type=key_type, now=now, pending=pending)
    return Enrolment(certificate=row, code=code, expires_at=pending.expires_at)


def _issue(session: Session, *, settings: Settings, actor: User | None, holder: User | None,
           kind: CertificateKind, secret: str, key_type: str, now: datetime,
           pending: PendingPin | None = None) -> Certificate:
    """Issue at the CA, supersede the holder's current certificate of ``kind``, record the new one and, for
    a key that opens with a PIN, its guard. Flushes."""
    guard_admin(actor)
    organisation = ward_organisation(session)
    if kind is CertificateKind.PERSONAL:
        holder = check_holder(holder)
    else:
        holder = None
    wrap = None if kind is CertificateKind.SYSTEM else KeyWrap.new(kdf_params(settings))
    # The system key signs audit checkpoints unattended: it opens with the CA passphrase, not a PIN.
    password = (ca_passphrase(settings).decode("utf-8") if wrap is None
                else wrap.password(secret, server_secret=settings.key_secret()))
    ca = open_ca(settings)
    row = _issue_at_ca(ca, settings, organisation, holder=holder, kind=kind, password=password,
                       key_type=key_type, now=now)
    for old in supersede(session, holder_id=holder.id if holder else None, kind=kind, now=now):
        revoke_at_ca(ca, old, "superseded", now)
    row.created_by_id = actor.id if actor else None
    session.add(row)
    session.flush()
    if wrap is not None:
        add_guard(session, row, wrap=wrap, now=now, pending=pending)
    audit.record(session, action=AuditAction.CERTIFICATE_ISSUED, actor=actor, object_type="certificate",
                 object_id=row.id, now=now,
                 details={"serial": row.serial, "kind": kind.value, "holder": holder.username if holder else None,
                          "subject": row.subject, "not_after": row.not_after.isoformat(), "sha256": row.sha256,
                          "pin": "enrolment" if pending else "set"})
    return row


def _issue_at_ca(ca: DevelopmentCA, settings: Settings, organisation: Organisation, *, holder: User | None,
                 kind: CertificateKind, password: str, key_type: str, now: datetime) -> Certificate:
    """The CA's new certificate with its key file under ``password``, as a row not yet added."""
    name, post, file_stem = ((holder.full_name, holder.post, holder.username) if holder is not None
                             else (organisation.name, "", kind.value))
    out_dir = ward_keys_dir(settings) / "users"   # the ward's own folder (keys_dir/users for the first ward)
    private_dir(settings.app.keys_dir)
    private_dir(out_dir)
    issued = ca.issue(holder=holder.username if holder else kind.value, full_name=name, post=post,
                      organisation=organisation.name, kind=kind, pin=password,
                      out_dir=out_dir, validity_days=settings.signing.certificate_validity_days,
                      key_type=key_type, now=now, file_stem=file_stem)
    return Certificate(organisation_id=organisation.id, holder_id=holder.id if holder else None, kind=kind,
                       serial=format(issued.serial, "x"), sha256=issued.sha256, subject=issued.subject,
                       issuer=issued.issuer, not_before=issued.not_before, not_after=issued.not_after,
                       status=CertificateStatus.VALID, storage=KeyStorage.PKCS12,
                       key_path=str(issued.path.relative_to(settings.app.keys_dir)), der=issued.der,
                       created_at=now)

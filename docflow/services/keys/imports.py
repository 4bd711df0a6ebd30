"""Keys docflow did not make: a certificate on a holder's hardware token, and a PKCS#12 file issued by the
ward's real CA (production). Both are checked before they are recorded, and supersede the holder's current
certificate of that kind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_, SigningError
from docflow.models import Certificate, CertificateStatus, KeyStorage, User, utc_now
from docflow.private_files import private_dir, write_private
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.keys.ca import ca_passphrase, kdf_params, revocation_checker, ward_keys_dir
from docflow.services.keys.certificates import check_holder, guard_admin, supersede, ward_organisation
from docflow.services.keys.issuing import PendingPin, add_guard, new_enrolment_code, normal_code
from docflow.services.keys.opening import check_online
from docflow.signing.base import CertificateKind
from docflow.signing.keywrap import KeyWrap

if TYPE_CHECKING:
    from asn1crypto import x509


@dataclass(frozen=True)
class Imported:
    """An imported certificate and, unless it is the system's, the enrolment code its holder redeems."""
    certificate: Certificate
    code: str | None
    expires_at: datetime | None


def register_token_certificate(session: Session, *, settings: Settings, actor: User | None, holder: User,
                               pin: str, now: datetime | None = None) -> Certificate:
    """Record the certificate on ``holder``'s hardware token (signing.tokens) as their signing certificate.

    The key never leaves the token; the PIN opens it once to read the certificate and is not kept.
    Raises PermissionDeniedError, SigningError (no token configured, or it cannot be opened), WrongPinError,
    CertificateError (expired, revoked, wrong key usage). Flushes.
    """
    from docflow.signing import keys  # pyHanko loads when a key is used, not at start-up
    now = now or utc_now()
    guard_admin(actor)
    token = settings.signing.tokens.get(holder.username)
    if token is None:
        raise SigningError(N_("No hardware token is configured for %(user)s (signing.tokens)."), user=holder.username)
    check_holder(holder)
    with keys.open_token(token, pin) as key:
        certificate = key.certificate
    keys.check_certificate(certificate, now=now, revocation=revocation_checker(settings))
    der = certificate.dump()
    sha256 = hashlib.sha256(der).hexdigest()
    existing = session.execute(select(Certificate).where(Certificate.sha256 == sha256)).scalar_one_or_none()
    if existing is not None and existing.status is CertificateStatus.VALID and existing.holder_id == holder.id:
        return existing
    if existing is not None:
        raise SigningError(N_("This certificate is already registered and cannot be registered again."))
    supersede(session, holder_id=holder.id, kind=CertificateKind.PERSONAL, now=now)
    row = _record(session, certificate, organisation_id=holder.organisation_id, holder=holder,
                  kind=CertificateKind.PERSONAL, storage=KeyStorage.PKCS11, key_path=None, actor=actor, now=now)
    add_guard(session, row, wrap=None, now=now)
    audit.record(session, action=AuditAction.CERTIFICATE_ISSUED, actor=actor, object_type="certificate",
                 object_id=row.id, now=now,
                 details={"serial": row.serial, "kind": "personal", "holder": holder.username, "storage": "pkcs11",
                          "token": token.token_label, "subject": row.subject, "sha256": sha256,
                          "not_after": row.not_after.isoformat()})
    return row


def import_pkcs12_certificate(session: Session, *, settings: Settings, actor: User | None, holder: User | None,
                              kind: CertificateKind, source: Path, pin: str,
                              now: datetime | None = None) -> Imported:
    """Take a PKCS#12 file issued by the ward's real CA (production) as ``holder``'s signing key.

    The file is opened with its password ``pin`` (not kept), copied under keys_dir/users and recorded; the
    holder's previous certificate of that kind is superseded. Whoever imports a file knows its password, so
    that password never becomes the signing PIN: the copy waits, wrapped under a one-time enrolment code,
    for its holder to choose one (``enrol_pin``), as a key docflow issues does. The system key is
    re-encrypted under the CA passphrase instead (unattended checkpoints). Raises PermissionDeniedError,
    WrongPinError, CertificateError, SigningError. Flushes.
    """
    from docflow.signing import keys  # pyHanko loads when a key is used, not at start-up
    now = now or utc_now()
    guard_admin(actor)
    holder = check_holder(holder) if kind is CertificateKind.PERSONAL else None
    key = keys.load_pkcs12(source, pin)
    keys.check_certificate(key.certificate, now=now, revocation=revocation_checker(settings))
    if settings.signing.ca == "production":
        check_online(key, settings, now)
    sha256 = hashlib.sha256(key.certificate.dump()).hexdigest()
    if session.execute(select(Certificate.id).where(Certificate.sha256 == sha256)).first():
        raise SigningError(N_("This certificate is already registered and cannot be registered again."))
    target, wrap, code = _copy(settings, source, pin, holder=holder, kind=kind, sha256=sha256)
    supersede(session, holder_id=holder.id if holder else None, kind=kind, now=now)
    row = _record(session, key.certificate, organisation_id=ward_organisation(session).id, holder=holder, kind=kind,
                  storage=KeyStorage.PKCS12, key_path=str(target.relative_to(settings.app.keys_dir)), actor=actor,
                  now=now)
    pending = None
    if wrap is not None and code is not None:
        pending = PendingPin.for_code(code, settings, now)
        add_guard(session, row, wrap=wrap, now=now, pending=pending)
    audit.record(session, action=AuditAction.CERTIFICATE_ISSUED, actor=actor, object_type="certificate",
                 object_id=row.id, now=now,
                 details={"serial": row.serial, "kind": kind.value, "holder": holder.username if holder else None,
                          "storage": "pkcs12-imported", "subject": row.subject, "sha256": sha256,
                          "not_after": row.not_after.isoformat()})
    return Imported(certificate=row, code=code, expires_at=pending.expires_at if pending else None)


def _copy(settings: Settings, source: Path, pin: str, *, holder: User | None, kind: CertificateKind,
          sha256: str) -> tuple[Path, KeyWrap | None, str | None]:
    """Write the imported key under keys_dir/users in docflow's own wrapping; returns the copy, its wrap and
    the enrolment code that opens it (None for the system key, which opens with the CA passphrase)."""
    from docflow.signing import keys  # pyHanko loads when a key is used, not at start-up
    stem = holder.username if holder else kind.value
    target = ward_keys_dir(settings) / "users" / f"{stem}-{sha256[:12]}.p12"
    target.parent.mkdir(parents=True, exist_ok=True)
    private_dir(target.parent)
    # The system key signs audit checkpoints unattended: the copy opens with the CA passphrase, not the PIN.
    # Any other copy is wrapped under the PIN and the server secret, like the keys docflow issues.
    wrap = None if kind is CertificateKind.SYSTEM else KeyWrap.new(kdf_params(settings))
    code = None if wrap is None else new_enrolment_code()
    password = (ca_passphrase(settings).decode("utf-8") if wrap is None or code is None
                else wrap.password(normal_code(code), server_secret=settings.key_secret()))
    write_private(target, keys.rewrap_pkcs12(source.read_bytes(), pin, password))
    return target, wrap, code


def _record(session: Session, certificate: x509.Certificate, *, organisation_id: int, holder: User | None,
            kind: CertificateKind, storage: KeyStorage, key_path: str | None, actor: User | None,
            now: datetime) -> Certificate:
    """The row of a certificate docflow did not issue, read from the certificate itself. Flushes."""
    validity = certificate["tbs_certificate"]["validity"]
    der = certificate.dump()
    row = Certificate(organisation_id=organisation_id, holder_id=holder.id if holder else None, kind=kind,
                      serial=format(certificate.serial_number, "x"), sha256=hashlib.sha256(der).hexdigest(),
                      subject=certificate.subject.human_friendly, issuer=certificate.issuer.human_friendly,
                      not_before=validity["not_before"].native, not_after=validity["not_after"].native,
                      status=CertificateStatus.VALID, storage=storage, key_path=key_path, der=der,
                      created_at=now, created_by_id=actor.id if actor else None)
    session.add(row)
    session.flush()
    return row


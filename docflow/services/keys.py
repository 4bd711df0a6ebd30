"""The ward's signing certificates: issue, revoke, list, and open the acting user's key with a PIN.

The development CA (``signing.ca = "development"``) lives under ``keys_dir/ca``; its private keys are
encrypted under a passphrase from the environment (or, in development, a random file under data_dir).
The database keeps each certificate, its holder and where its key lives, never the key or the PIN.

A holder's key file is PKCS#12 under a password derived from the PIN and the server secret
(docflow.signing.keywrap); its KeyGuard row keeps the wrap's salt and cost, the wrong-PIN count and lock
(docflow.services.pins) and the pending enrolment code's SHA-256. Keeping the PKCS#12 container (rather than
a format of our own) means any PKCS#12 reader, pyHanko's included, opens the file given the derived password,
and a file from before wrapping (wrap NULL) still opens with the bare PIN once, then is rewrapped.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.db import after_commit
from docflow.errors import (
    N_,
    CertificateError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    SigningError,
    ValidationError,
    WrongPinError,
)
from docflow.models import Certificate, CertificateStatus, KeyGuard, KeyStorage, Organisation, Role, User, utc_now
from docflow.private_files import private_dir, write_private
from docflow.services import audit, notifications, pins
from docflow.services.audit import AuditAction
from docflow.signing.base import CertificateKind
from docflow.signing.keywrap import KdfParams, KeyWrap

if TYPE_CHECKING:
    from docflow.signing.keys import SigningKey
    from docflow.signing.pki import DevelopmentCA

# Who may hold a personal signing certificate: everyone who drafts, reviews or signs. Auditors only read.
_HOLDER_ROLES = (Role.OFFICIAL, Role.HEAD, Role.LEADER, Role.CLERK, Role.ADMIN)
REVOCATION_REASONS = ("unspecified", "key_compromise", "affiliation_changed", "superseded",
                      "cessation_of_operation")


def ca_directory(settings: Settings) -> Path:
    return settings.app.keys_dir / "ca"


def kdf_params(settings: Settings) -> KdfParams:
    return KdfParams(memory_kib=settings.signing.pin_kdf_memory_kib, time_cost=settings.signing.pin_kdf_time_cost,
                     parallelism=settings.signing.pin_kdf_parallelism)


@dataclass(frozen=True)
class Enrolment:
    """A certificate issued without a PIN, and the one-time code its holder redeems to choose one."""
    certificate: Certificate
    code: str
    expires_at: datetime


def ca_passphrase(settings: Settings) -> bytes:
    """The development CA's key passphrase: the environment, else (development only) a random file."""
    value = os.environ.get(settings.signing.ca_passphrase_env, "")
    if value:
        return value.encode("utf-8")
    if settings.app.mode == "production":
        raise ConfigurationError(f"set {settings.signing.ca_passphrase_env} to open the development CA")
    path = settings.app.data_dir / "ca_passphrase"
    if not path.exists():
        private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def _require_development(settings: Settings) -> None:
    if settings.signing.ca != "development":
        raise ConfigurationError("signing.ca is \"production\": certificates come from the ward's CA, "
                                 "docflow holds no CA key")


def init_ca(settings: Settings, *, organisation: str, base_url: str = "http://127.0.0.1:5000") -> DevelopmentCA:
    """Create the ward's development CA, or open it when it exists. Raises ConfigurationError."""
    from docflow.signing.pki import DevelopmentCA
    _require_development(settings)
    directory = ca_directory(settings)
    private_dir(settings.app.keys_dir)
    private_dir(directory)
    if (directory / "root.pem").exists():
        return DevelopmentCA.open(directory, ca_passphrase(settings))
    return DevelopmentCA.create(directory, organisation=organisation, passphrase=ca_passphrase(settings),
                                ocsp_url=f"{base_url}/pki/ocsp", crl_url=f"{base_url}/pki/crl")


def open_ca(settings: Settings) -> DevelopmentCA:
    """The existing development CA. Raises ConfigurationError when `docflow keys init` has not run.

    Opened once per process: decrypting its four keys costs about 0.35 s, and every signature needs the
    CA (timestamps, revocation data). Its index of issued and revoked certificates is read from disk on
    each use, so revocations by another process are seen at once.
    """
    _require_development(settings)
    directory = ca_directory(settings)
    if not (directory / "root.pem").exists():
        raise ConfigurationError("the ward's CA does not exist yet: run `docflow keys init`")
    # The root's mtime is part of the key: a CA made again in the same place is a different CA.
    return _open_ca(str(directory.resolve()), (directory / "root.pem").stat().st_mtime_ns,
                    ca_passphrase(settings))


@functools.lru_cache(maxsize=4)
def _open_ca(directory: str, root_mtime: int, passphrase: bytes) -> DevelopmentCA:
    from docflow.signing.pki import DevelopmentCA
    return DevelopmentCA.open(Path(directory), passphrase)


def root_certificates_pem(settings: Settings) -> list[bytes]:
    """PEM roots docflow trusts: configured roots, plus the development root when it exists."""
    roots = [path.read_bytes() for path in settings.signing.trust_roots]
    if settings.signing.ca == "development":
        root = ca_directory(settings) / "root.pem"
        if root.exists():
            roots.append(root.read_bytes())
    else:
        roots.append(settings.signing.ca_chain[-1].read_bytes())
    return roots


def _guard_admin(actor: User | None) -> None:
    # actor None is the `docflow keys` command, run by whoever holds the server's shell.
    if actor is not None and (actor.role is not Role.ADMIN or not actor.is_active):
        raise PermissionDeniedError(N_("Only an administrator manages signing certificates."))


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
        pins.check_pin_strength(pin)
    row, _ = _issue(session, settings=settings, actor=actor, holder=holder, kind=kind, secret=pin,
                    key_type=key_type, now=now)
    return row


def issue_for_enrolment(session: Session, *, settings: Settings, actor: User | None, holder: User | None,
                        kind: CertificateKind, key_type: str = "rsa", now: datetime | None = None) -> Enrolment:
    """Issue a certificate whose key waits for its holder's PIN: the key is wrapped under a one-time
    enrolment code, shown once to the administrator and kept only as its SHA-256, which the holder redeems
    with a PIN of their own (``enrol_pin``). Raises what issue_certificate raises. Flushes."""
    now = now or utc_now()
    if kind is CertificateKind.SYSTEM:
        raise SigningError(N_("The system certificate opens with the CA passphrase; it has no PIN."))
    code = _new_enrolment_code()
    row, guard = _issue(session, settings=settings, actor=actor, holder=holder, kind=kind,
                        secret=_normal_code(code), key_type=key_type, now=now, enrolment=True)
    assert guard is not None
    expires_at = now + timedelta(hours=settings.signing.pin_enrolment_hours)
    guard.pin_set_at, guard.enrolment_expires_at = None, expires_at
    guard.enrolment_sha256 = hashlib.sha256(_normal_code(code).encode()).hexdigest()
    session.flush()
    return Enrolment(certificate=row, code=code, expires_at=expires_at)


def _issue(session: Session, *, settings: Settings, actor: User | None, holder: User | None,
           kind: CertificateKind, secret: str, key_type: str, now: datetime,
           enrolment: bool = False) -> tuple[Certificate, KeyGuard | None]:
    _guard_admin(actor)
    organisation = session.execute(select(Organisation).order_by(Organisation.id)).scalars().first()
    if organisation is None:
        raise ConfigurationError("run `docflow init` first")
    if kind is CertificateKind.PERSONAL:
        if holder is None or not holder.is_active or holder.role not in _HOLDER_ROLES:
            raise SigningError(N_("Only an active official can hold a personal signing certificate."))
        name, post, file_stem = holder.full_name, holder.post, holder.username
    else:
        holder = None
        name, post, file_stem = organisation.name, "", kind.value
    wrap = None if kind is CertificateKind.SYSTEM else KeyWrap.new(kdf_params(settings))
    # The system key signs audit checkpoints unattended: it opens with the CA passphrase, not a PIN.
    password = (ca_passphrase(settings).decode("utf-8") if wrap is None
                else wrap.password(secret, server_secret=settings.key_secret()))
    ca = open_ca(settings)
    private_dir(settings.app.keys_dir)
    private_dir(settings.app.keys_dir / "users")
    issued = ca.issue(holder=holder.username if holder else kind.value, full_name=name, post=post,
                      organisation=organisation.name, kind=kind, pin=password,
                      out_dir=settings.app.keys_dir / "users", validity_days=settings.signing.certificate_validity_days,
                      key_type=key_type, now=now, file_stem=file_stem)
    for old in _current(session, holder_id=holder.id if holder else None, kind=kind):
        old.status = CertificateStatus.SUPERSEDED
        old.revoked_at, old.revocation_reason = now, "superseded"
        _revoke_at_ca(ca, old, "superseded", now)
    row = Certificate(organisation_id=organisation.id, holder_id=holder.id if holder else None, kind=kind,
                      serial=format(issued.serial, "x"), sha256=issued.sha256, subject=issued.subject,
                      issuer=issued.issuer, not_before=issued.not_before, not_after=issued.not_after,
                      status=CertificateStatus.VALID, storage=KeyStorage.PKCS12,
                      key_path=str(issued.path.relative_to(settings.app.keys_dir)), der=issued.der,
                      created_at=now, created_by_id=actor.id if actor else None)
    session.add(row)
    session.flush()
    guard = None
    if wrap is not None:
        guard = KeyGuard(organisation_id=organisation.id, certificate_id=row.id, failed_pins=0, lock_count=0,
                         wrap=wrap.to_json(), pin_set_at=now)
        session.add(guard)
        session.flush()
    audit.record(session, action=AuditAction.CERTIFICATE_ISSUED, actor=actor, object_type="certificate",
                 object_id=row.id, now=now,
                 details={"serial": row.serial, "kind": kind.value, "holder": holder.username if holder else None,
                          "subject": row.subject, "not_after": row.not_after.isoformat(), "sha256": row.sha256,
                          "pin": "enrolment" if enrolment else "set"})
    return row, guard


# No 0/O/1/I/L: the code is read off a screen and typed again.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _new_enrolment_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _normal_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def register_token_certificate(session: Session, *, settings: Settings, actor: User | None, holder: User,
                               pin: str, now: datetime | None = None) -> Certificate:
    """Record the certificate on ``holder``'s hardware token (signing.tokens) as their signing certificate.

    The key never leaves the token; the PIN opens it once to read the certificate and is not kept.
    Raises PermissionDeniedError, SigningError (no token configured, or it cannot be opened), WrongPinError,
    CertificateError (expired, revoked, wrong key usage). Flushes.
    """
    from docflow.signing import keys
    now = now or utc_now()
    _guard_admin(actor)
    token = settings.signing.tokens.get(holder.username)
    if token is None:
        raise SigningError(N_("No hardware token is configured for %(user)s (signing.tokens)."), user=holder.username)
    if not holder.is_active or holder.role not in _HOLDER_ROLES:
        raise SigningError(N_("Only an active official can hold a personal signing certificate."))
    with keys.open_token(token, pin) as key:
        certificate = key.certificate
    keys.check_certificate(certificate, now=now, revocation=_revocation(settings))
    der = certificate.dump()
    sha256 = hashlib.sha256(der).hexdigest()
    existing = session.execute(select(Certificate).where(Certificate.sha256 == sha256)).scalar_one_or_none()
    if existing is not None and existing.status is CertificateStatus.VALID and existing.holder_id == holder.id:
        return existing
    if existing is not None:
        raise SigningError(N_("This certificate is already registered and cannot be registered again."))
    for old in _current(session, holder_id=holder.id, kind=CertificateKind.PERSONAL):
        old.status, old.revoked_at, old.revocation_reason = CertificateStatus.SUPERSEDED, now, "superseded"
    validity = certificate["tbs_certificate"]["validity"]
    row = Certificate(organisation_id=holder.organisation_id, holder_id=holder.id, kind=CertificateKind.PERSONAL,
                      serial=format(certificate.serial_number, "x"), sha256=sha256,
                      subject=certificate.subject.human_friendly, issuer=certificate.issuer.human_friendly,
                      not_before=validity["not_before"].native, not_after=validity["not_after"].native,
                      status=CertificateStatus.VALID, storage=KeyStorage.PKCS11, key_path=None, der=der,
                      created_at=now, created_by_id=actor.id if actor else None)
    session.add(row)
    session.flush()
    session.add(KeyGuard(organisation_id=row.organisation_id, certificate_id=row.id, failed_pins=0, lock_count=0,
                         pin_set_at=now))
    session.flush()
    audit.record(session, action=AuditAction.CERTIFICATE_ISSUED, actor=actor, object_type="certificate",
                 object_id=row.id, now=now,
                 details={"serial": row.serial, "kind": "personal", "holder": holder.username, "storage": "pkcs11",
                          "token": token.token_label, "subject": row.subject, "sha256": sha256,
                          "not_after": row.not_after.isoformat()})
    return row


@dataclass(frozen=True)
class Imported:
    """An imported certificate and, unless it is the system's, the enrolment code its holder redeems."""
    certificate: Certificate
    code: str | None
    expires_at: datetime | None


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
    from docflow.signing import keys
    now = now or utc_now()
    _guard_admin(actor)
    if kind is CertificateKind.PERSONAL and (holder is None or not holder.is_active
                                             or holder.role not in _HOLDER_ROLES):
        raise SigningError(N_("Only an active official can hold a personal signing certificate."))
    if kind is not CertificateKind.PERSONAL:
        holder = None
    key = keys.load_pkcs12(source, pin)
    keys.check_certificate(key.certificate, now=now, revocation=_revocation(settings))
    if settings.signing.ca == "production":
        _check_online(key, settings, now)
    der = key.certificate.dump()
    sha256 = hashlib.sha256(der).hexdigest()
    if session.execute(select(Certificate.id).where(Certificate.sha256 == sha256)).first():
        raise SigningError(N_("This certificate is already registered and cannot be registered again."))
    stem = holder.username if holder else kind.value
    target = settings.app.keys_dir / "users" / f"{stem}-{sha256[:12]}.p12"
    target.parent.mkdir(parents=True, exist_ok=True)
    private_dir(target.parent)
    # The system key signs audit checkpoints unattended: the copy opens with the CA passphrase, not the PIN.
    # Any other copy is wrapped under the PIN and the server secret, like the keys docflow issues.
    wrap = None if kind is CertificateKind.SYSTEM else KeyWrap.new(kdf_params(settings))
    code = None if wrap is None else _new_enrolment_code()
    password = (ca_passphrase(settings).decode("utf-8") if wrap is None or code is None
                else wrap.password(_normal_code(code), server_secret=settings.key_secret()))
    write_private(target, keys.rewrap_pkcs12(source.read_bytes(), pin, password))
    for old in _current(session, holder_id=holder.id if holder else None, kind=kind):
        old.status, old.revoked_at, old.revocation_reason = CertificateStatus.SUPERSEDED, now, "superseded"
    validity = key.certificate["tbs_certificate"]["validity"]
    organisation = session.execute(select(Organisation).order_by(Organisation.id)).scalars().first()
    if organisation is None:
        raise ConfigurationError("run `docflow init` first")
    row = Certificate(organisation_id=organisation.id, holder_id=holder.id if holder else None, kind=kind,
                      serial=format(key.certificate.serial_number, "x"), sha256=sha256,
                      subject=key.certificate.subject.human_friendly, issuer=key.certificate.issuer.human_friendly,
                      not_before=validity["not_before"].native, not_after=validity["not_after"].native,
                      status=CertificateStatus.VALID, storage=KeyStorage.PKCS12,
                      key_path=str(target.relative_to(settings.app.keys_dir)), der=der, created_at=now,
                      created_by_id=actor.id if actor else None)
    session.add(row)
    session.flush()
    expires_at = None
    if wrap is not None and code is not None:
        expires_at = now + timedelta(hours=settings.signing.pin_enrolment_hours)
        session.add(KeyGuard(organisation_id=row.organisation_id, certificate_id=row.id, failed_pins=0,
                             lock_count=0, wrap=wrap.to_json(), pin_set_at=None, enrolment_expires_at=expires_at,
                             enrolment_sha256=hashlib.sha256(_normal_code(code).encode()).hexdigest()))
        session.flush()
    audit.record(session, action=AuditAction.CERTIFICATE_ISSUED, actor=actor, object_type="certificate",
                 object_id=row.id, now=now,
                 details={"serial": row.serial, "kind": kind.value, "holder": holder.username if holder else None,
                          "storage": "pkcs12-imported", "subject": row.subject, "sha256": sha256,
                          "not_after": row.not_after.isoformat()})
    return Imported(certificate=row, code=code, expires_at=expires_at)


def _revocation(settings: Settings) -> Any:
    if settings.signing.ca == "development" and (ca_directory(settings) / "root.pem").exists():
        return open_ca(settings).revocation_checker()
    return None


def _revoke_at_ca(ca: DevelopmentCA, row: Certificate, reason: str, now: datetime) -> None:
    if row.storage is KeyStorage.PKCS12:
        ca.revoke(int(row.serial, 16), reason=reason, now=now)


def _current(session: Session, *, holder_id: int | None, kind: CertificateKind) -> list[Certificate]:
    stmt = select(Certificate).where(Certificate.kind == kind, Certificate.status == CertificateStatus.VALID)
    stmt = stmt.where(Certificate.holder_id == holder_id if holder_id is not None else Certificate.holder_id.is_(None))
    return list(session.execute(stmt.order_by(Certificate.id)).scalars())


def revoke_certificate(session: Session, *, settings: Settings, actor: User | None, certificate_id: int,
                       reason: str, now: datetime | None = None) -> Certificate:
    """Revoke a certificate: on the CRL and OCSP at once, refused for signing from now on.
    Raises PermissionDeniedError, NotFoundError, SigningError. Flushes."""
    now = now or utc_now()
    _guard_admin(actor)
    if reason not in REVOCATION_REASONS:
        raise SigningError(N_("Unknown revocation reason %(reason)s."), reason=reason)
    row = session.get(Certificate, certificate_id)
    if row is None:
        raise NotFoundError(N_("No such certificate."))
    if row.status is not CertificateStatus.VALID:
        raise SigningError(N_("This certificate is already revoked."))
    if settings.signing.ca == "development":
        _revoke_at_ca(open_ca(settings), row, reason, now)
    row.status, row.revoked_at, row.revocation_reason = CertificateStatus.REVOKED, now, reason
    session.flush()
    audit.record(session, action=AuditAction.CERTIFICATE_REVOKED, actor=actor, object_type="certificate",
                 object_id=row.id, now=now, details={"serial": row.serial, "reason": reason,
                                                     "holder": row.holder.username if row.holder else None})
    return row


@dataclass(frozen=True)
class CertificateRow:
    certificate: Certificate
    expires_in_days: int

    @property
    def state(self) -> str:
        """valid / expiring / expired / revoked / superseded, for the admin screen."""
        if self.certificate.status is not CertificateStatus.VALID:
            return self.certificate.status.value
        if self.expires_in_days < 0:
            return "expired"
        return "valid"


def list_certificates(session: Session, *, actor: User, now: datetime | None = None) -> list[CertificateRow]:
    """Every certificate with its days to expiry, newest first. Raises PermissionDeniedError."""
    if actor.role not in (Role.ADMIN, Role.AUDITOR):
        raise PermissionDeniedError(N_("Only administrators and auditors see the certificate list."))
    now = now or utc_now()
    rows = session.execute(select(Certificate).order_by(Certificate.id.desc())).scalars()
    return [CertificateRow(c, (c.not_after - now).days if c.not_after >= now else -1) for c in rows]


def certificate_for(session: Session, *, actor: User, kind: CertificateKind) -> Certificate:
    """The certificate ``actor`` signs with for ``kind``. Raises PermissionDeniedError, CertificateError."""
    if kind is CertificateKind.PERSONAL:
        rows = _current(session, holder_id=actor.id, kind=kind)
    else:
        # The organisation's signature (chữ ký số của cơ quan) belongs to the ward; only clerks use it.
        if actor.role is not Role.CLERK:
            raise PermissionDeniedError(N_("Only the clerk (văn thư) may use the organisation's signature."))
        rows = _current(session, holder_id=None, kind=kind)
    if rows:
        return rows[-1]
    holder_id = actor.id if kind is CertificateKind.PERSONAL else None
    latest = session.execute(
        select(Certificate).where(Certificate.kind == kind, Certificate.holder_id == holder_id
                                  if holder_id is not None else Certificate.holder_id.is_(None))
        .order_by(Certificate.id.desc()).limit(1)).scalar_one_or_none()
    if latest is not None and latest.status is CertificateStatus.REVOKED:
        raise CertificateError(N_("The signing certificate was revoked on %(date)s and cannot sign. "
                                  "Ask the administrator to issue a new one."),
                               date=(latest.revoked_at or utc_now()).date().isoformat())
    raise CertificateError(N_("You have no valid signing certificate. Ask the administrator to issue one."))


@contextmanager
def open_signing_key(session: Session, settings: Settings, *, actor: User, certificate: Certificate, pin: str,
                     now: datetime | None = None) -> Iterator[SigningKey]:
    """Open the key of ``certificate`` with ``pin`` and check the certificate may sign now.

    Every opening of a key goes through here: a locked key refuses every PIN, a wrong PIN is counted and
    audited (durably: the caller's rollback does not undo it), a right one ends the count, and a key file
    still under the bare PIN is rewrapped under the server secret. Raises KeyLockedError, WrongPinError,
    CertificateError, SigningError. The PIN is used once and not kept. Flushes.
    """
    from docflow.signing import keys
    now = now or utc_now()
    if certificate.status is not CertificateStatus.VALID:
        raise CertificateError(N_("The signing certificate was revoked on %(date)s and cannot sign. "
                                  "Ask the administrator to issue a new one."),
                               date=(certificate.revoked_at or now).date().isoformat())
    # Certificates docflow's development CA issues name the user (UID); a token's or a real CA's need not,
    # and the fingerprint on record binds them to the user instead.
    holder = (actor.username if certificate.kind is CertificateKind.PERSONAL and certificate.storage is KeyStorage.PKCS12
              and settings.signing.ca == "development" else None)
    guard = _usable_guard(session, certificate=certificate, actor=actor, now=now)
    if certificate.storage is KeyStorage.PKCS11:
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
            _check(key, certificate, holder, now, settings)
            yield key
        return
    key, password = _unlock_file(session, settings, certificate=certificate, guard=guard, actor=actor, pin=pin,
                                 now=now)
    _check(key, certificate, holder, now, settings)
    if guard.wrap is None and certificate.kind is not CertificateKind.SYSTEM:
        _rewrap(session, settings, certificate=certificate, guard=guard, old_password=password, new_pin=pin)
        audit.record(session, action=AuditAction.KEY_REWRAPPED, actor=actor, object_type="certificate",
                     object_id=certificate.id, now=now, details={"key_path": certificate.key_path})
    yield key


def _usable_guard(session: Session, *, certificate: Certificate, actor: User, now: datetime) -> KeyGuard:
    guard = pins.guard_of(session, certificate, lock=True)
    pins.refuse_if_locked(session, guard=guard, actor=actor, now=now)
    if guard.pin_set_at is None:
        raise SigningError(N_("No PIN has been chosen for this signing key yet: enter the enrolment code the "
                              "administrator gave you, and your new PIN, on the “My signature” page."))
    return guard


def _unlock_file(session: Session, settings: Settings, *, certificate: Certificate, guard: KeyGuard, actor: User,
                 pin: str, now: datetime) -> tuple[SigningKey, str]:
    """The key from its PKCS#12 file, and the file's password; a wrong PIN is counted and raised."""
    from docflow.signing import keys
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


def _rewrap(session: Session, settings: Settings, *, certificate: Certificate, guard: KeyGuard, old_password: str,
            new_pin: str) -> None:
    """Write the key under a password derived from ``new_pin`` to a new file and point the certificate at it;
    the old file goes once the transaction commits (a rollback leaves the old one in use). Flushes."""
    from docflow.signing import keys
    assert certificate.key_path is not None
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
    digest = hashlib.sha256(_normal_code(code).encode()).hexdigest()
    if not hmac.compare_digest(digest, guard.enrolment_sha256):
        pins.record_wrong_pin(session, settings=settings, guard=guard, actor=actor, now=now)
        raise ValidationError(N_("The enrolment code is not correct."), field="code")
    _new_pin(pin, confirm)
    old_password = KeyWrap.from_json(guard.wrap).password(_normal_code(code), server_secret=settings.key_secret())
    _rewrap(session, settings, certificate=certificate, guard=guard, old_password=old_password, new_pin=pin)
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
    guard = _usable_guard(session, certificate=certificate, actor=actor, now=now)
    _, password = _unlock_file(session, settings, certificate=certificate, guard=guard, actor=actor, pin=old_pin,
                               now=now)
    _rewrap(session, settings, certificate=certificate, guard=guard, old_password=password, new_pin=new_pin)
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


def _check(key: SigningKey, certificate: Certificate, holder: str | None, now: datetime,
           settings: Settings) -> None:
    from docflow.signing import keys
    if hashlib.sha256(key.certificate.dump()).hexdigest() != certificate.sha256:
        raise CertificateError(N_("The key opened does not match the certificate docflow has on record."))
    keys.check_certificate(key.certificate, now=now, holder=holder, revocation=_revocation(settings))
    if settings.signing.ca == "production":
        _check_online(key, settings, now)


def _check_online(key: SigningKey, settings: Settings, now: datetime) -> None:
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


def expiring(rows: list[CertificateRow], settings: Settings) -> list[CertificateRow]:
    """Valid certificates that expire within the configured warning period."""
    limit = settings.signing.expiry_warning_days
    return [r for r in rows if r.state == "valid" and r.expires_in_days <= limit]


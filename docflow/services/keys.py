"""The ward's signing certificates: issue, revoke, list, and open the acting user's key with a PIN.

The development CA (``signing.ca = "development"``) lives under ``keys_dir/ca``; its private keys are
encrypted under a passphrase from the environment (or, in development, a random file under data_dir).
The database keeps each certificate, its holder and where its key lives, never the key or the PIN.
"""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_, CertificateError, ConfigurationError, NotFoundError, PermissionDeniedError, SigningError
from docflow.models import Certificate, CertificateStatus, KeyStorage, Organisation, Role, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.signing.base import CertificateKind

if TYPE_CHECKING:
    from docflow.signing.keys import SigningKey
    from docflow.signing.pki import DevelopmentCA

# Who may hold a personal signing certificate: everyone who drafts, reviews or signs. Auditors only read.
_HOLDER_ROLES = (Role.OFFICIAL, Role.HEAD, Role.LEADER, Role.CLERK, Role.ADMIN)
REVOCATION_REASONS = ("unspecified", "key_compromise", "affiliation_changed", "superseded",
                      "cessation_of_operation")


def ca_directory(settings: Settings) -> Path:
    return settings.app.keys_dir / "ca"


def ca_passphrase(settings: Settings) -> bytes:
    """The development CA's key passphrase: the environment, else (development only) a random file."""
    value = os.environ.get(settings.signing.ca_passphrase_env, "")
    if value:
        return value.encode("utf-8")
    if settings.app.mode == "production":
        raise ConfigurationError(f"set {settings.signing.ca_passphrase_env} to open the development CA")
    path = settings.app.data_dir / "ca_passphrase"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
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
    """Issue a certificate from the development CA and record it; the older one of the same holder and
    kind is superseded and revoked. A system certificate's key is encrypted under the CA passphrase
    (``pin`` is ignored). Raises PermissionDeniedError, SigningError, ConfigurationError. Flushes."""
    now = now or utc_now()
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
    if kind is CertificateKind.SYSTEM:
        # The system key signs audit checkpoints unattended: it opens with the CA passphrase, not a PIN.
        pin = ca_passphrase(settings).decode("utf-8")
    ca = open_ca(settings)
    issued = ca.issue(holder=holder.username if holder else kind.value, full_name=name, post=post,
                      organisation=organisation.name, kind=kind, pin=pin,
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
    audit.record(session, action=AuditAction.CERTIFICATE_ISSUED, actor=actor, object_type="certificate",
                 object_id=row.id, now=now,
                 details={"serial": row.serial, "kind": kind.value, "holder": holder.username if holder else None,
                          "subject": row.subject, "not_after": row.not_after.isoformat(), "sha256": row.sha256})
    return row


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
    audit.record(session, action=AuditAction.CERTIFICATE_ISSUED, actor=actor, object_type="certificate",
                 object_id=row.id, now=now,
                 details={"serial": row.serial, "kind": "personal", "holder": holder.username, "storage": "pkcs11",
                          "token": token.token_label, "subject": row.subject, "sha256": sha256,
                          "not_after": row.not_after.isoformat()})
    return row


def import_pkcs12_certificate(session: Session, *, settings: Settings, actor: User | None, holder: User | None,
                              kind: CertificateKind, source: Path, pin: str,
                              now: datetime | None = None) -> Certificate:
    """Take a PKCS#12 file issued by the ward's real CA (production) as ``holder``'s signing key.

    The file is checked with the PIN (which is not kept), copied under keys_dir/users (a system key
    re-encrypted under the CA passphrase, for unattended checkpoints) and recorded; the
    holder's previous certificate of that kind is superseded. Raises PermissionDeniedError, WrongPinError,
    CertificateError, SigningError. Flushes.
    """
    import shutil

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
    partial = target.with_suffix(".part")
    if kind is CertificateKind.SYSTEM:
        # The system key signs audit checkpoints unattended: the copy opens with the CA passphrase, not the PIN.
        _write_reencrypted(source, pin, ca_passphrase(settings), partial)
    else:
        shutil.copyfile(source, partial)
    os.chmod(partial, 0o600)
    os.replace(partial, target)
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
    audit.record(session, action=AuditAction.CERTIFICATE_ISSUED, actor=actor, object_type="certificate",
                 object_id=row.id, now=now,
                 details={"serial": row.serial, "kind": kind.value, "holder": holder.username if holder else None,
                          "storage": "pkcs12-imported", "subject": row.subject, "sha256": sha256,
                          "not_after": row.not_after.isoformat()})
    return row


def _write_reencrypted(source: Path, pin: str, passphrase: bytes, target: Path) -> None:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    key, cert, extra = pkcs12.load_key_and_certificates(source.read_bytes(), pin.encode() or None)
    target.write_bytes(pkcs12.serialize_key_and_certificates(b"system", key, cert, extra,  # type: ignore[arg-type]
                                                             BestAvailableEncryption(passphrase)))


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
def open_signing_key(settings: Settings, *, actor: User, certificate: Certificate, pin: str,
                     now: datetime | None = None) -> Iterator[SigningKey]:
    """Open the key of ``certificate`` with ``pin`` and check the certificate may sign now.

    Raises WrongPinError, CertificateError, SigningError. The PIN is used once and not kept.
    """
    from docflow.signing import keys
    now = now or utc_now()
    if certificate.status is not CertificateStatus.VALID:
        raise CertificateError(N_("The signing certificate was revoked on %(date)s and cannot sign. "
                                  "Ask the administrator to issue a new one."),
                               date=(certificate.revoked_at or now).date().isoformat())
    token = settings.signing.tokens.get(actor.username) if certificate.storage is KeyStorage.PKCS11 else None
    # Certificates docflow's development CA issues name the user (UID); a token's or a real CA's need not,
    # and the fingerprint on record binds them to the user instead.
    holder = (actor.username if certificate.kind is CertificateKind.PERSONAL and certificate.storage is KeyStorage.PKCS12
              and settings.signing.ca == "development" else None)
    if certificate.storage is KeyStorage.PKCS11:
        if token is None:
            raise SigningError(N_("No hardware token is configured for %(user)s (signing.tokens)."),
                               user=actor.username)
        with keys.open_token(token, pin) as key:
            _check(key, certificate, holder, now, settings)
            yield key
        return
    if certificate.key_path is None:
        raise SigningError(N_("The key of this certificate is not stored by docflow."))
    key = keys.load_pkcs12(settings.app.keys_dir / certificate.key_path, pin)
    _check(key, certificate, holder, now, settings)
    yield key


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


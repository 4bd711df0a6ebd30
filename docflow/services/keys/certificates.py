"""The ward's signing certificates on record: who may hold one, which is current, revocation, the lists.

The database keeps each certificate, its holder and where its key lives, never the key or the PIN.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_, CertificateError, ConfigurationError, NotFoundError, PermissionDeniedError, SigningError
from docflow.models import Certificate, CertificateStatus, Organisation, Role, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.keys.ca import open_ca, revoke_at_ca
from docflow.services.people.organisation import find_organisation
from docflow.signing.base import CertificateKind

# Who may hold a personal signing certificate: everyone who drafts, reviews or signs. Auditors only read.
HOLDER_ROLES = (Role.OFFICIAL, Role.HEAD, Role.LEADER, Role.CLERK, Role.ADMIN)
REVOCATION_REASONS = ("unspecified", "key_compromise", "affiliation_changed", "superseded",
                      "cessation_of_operation")


def guard_admin(actor: User | None) -> None:
    """Refuse anyone but an active administrator. ``actor`` None is the `docflow keys` command, run by
    whoever holds the server's shell."""
    if actor is not None and not policy.may_administer(actor):
        raise PermissionDeniedError(N_("Only an administrator manages signing certificates."))


def check_holder(holder: User | None) -> User:
    """``holder`` when they may hold a personal signing certificate. Raises SigningError."""
    if holder is None or not holder.is_active or holder.role not in HOLDER_ROLES:
        raise SigningError(N_("Only an active official can hold a personal signing certificate."))
    return holder


def ward_organisation(session: Session) -> Organisation:
    """The organisation a certificate is recorded under: the ward the work in hand acts for (docflow.wards).
    Raises ConfigurationError before `docflow init`, ValidationError among several wards with none bound."""
    organisation = find_organisation(session)
    if organisation is None:
        raise ConfigurationError("run `docflow init` first")
    return organisation


def current_certificates(session: Session, *, holder_id: int | None, kind: CertificateKind) -> list[Certificate]:
    """The valid certificates of ``kind`` held by ``holder_id`` (None: the ward's own, of the ward the work in
    hand acts for: another ward's organisation key is never this ward's), oldest first."""
    stmt = select(Certificate).where(Certificate.kind == kind, Certificate.status == CertificateStatus.VALID)
    stmt = stmt.where(Certificate.holder_id == holder_id if holder_id is not None else and_(
        Certificate.holder_id.is_(None), Certificate.organisation_id == ward_organisation(session).id))
    return list(session.execute(stmt.order_by(Certificate.id)).scalars())


def supersede(session: Session, *, holder_id: int | None, kind: CertificateKind, now: datetime) -> list[Certificate]:
    """Mark the holder's current certificates of ``kind`` superseded (a new one takes their place)."""
    old = current_certificates(session, holder_id=holder_id, kind=kind)
    for row in old:
        row.status, row.revoked_at, row.revocation_reason = CertificateStatus.SUPERSEDED, now, "superseded"
    return old


def revoke_certificate(session: Session, *, settings: Settings, actor: User | None, certificate_id: int,
                       reason: str, now: datetime | None = None) -> Certificate:
    """Revoke a certificate: on the CRL and OCSP at once, refused for signing from now on.
    Raises PermissionDeniedError, NotFoundError, SigningError. Flushes."""
    now = now or utc_now()
    guard_admin(actor)
    if reason not in REVOCATION_REASONS:
        raise SigningError(N_("Unknown revocation reason %(reason)s."), reason=reason)
    row = session.get(Certificate, certificate_id)
    # another ward's certificate is no certificate of this one (the command acts for the ward it names)
    ward_id = actor.organisation_id if actor is not None else ward_organisation(session).id
    if row is None or row.organisation_id != ward_id:
        raise NotFoundError(N_("No such certificate."))
    if row.status is not CertificateStatus.VALID:
        raise SigningError(N_("This certificate is already revoked."))
    if settings.signing.ca == "development":
        revoke_at_ca(open_ca(settings), row, reason, now)
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
    rows = session.execute(select(Certificate).where(Certificate.organisation_id == actor.organisation_id)
                           .order_by(Certificate.id.desc())).scalars()
    return [CertificateRow(c, (c.not_after - now).days if c.not_after >= now else -1) for c in rows]


def certificate_for(session: Session, *, actor: User, kind: CertificateKind) -> Certificate:
    """The certificate ``actor`` signs with for ``kind``. Raises PermissionDeniedError, CertificateError."""
    if kind is CertificateKind.PERSONAL:
        rows = current_certificates(session, holder_id=actor.id, kind=kind)
    else:
        # The organisation's signature (chữ ký số của cơ quan) belongs to the ward; only clerks use it.
        if actor.role is not Role.CLERK:
            raise PermissionDeniedError(N_("Only the clerk (văn thư) may use the organisation's signature."))
        rows = current_certificates(session, holder_id=None, kind=kind)
    if rows:
        return rows[-1]
    holder_id = actor.id if kind is CertificateKind.PERSONAL else None
    latest = session.execute(
        select(Certificate).where(Certificate.kind == kind, Certificate.organisation_id == actor.organisation_id,
                                  Certificate.holder_id == holder_id
                                  if holder_id is not None else Certificate.holder_id.is_(None))
        .order_by(Certificate.id.desc()).limit(1)).scalar_one_or_none()
    if latest is not None and latest.status is CertificateStatus.REVOKED:
        raise CertificateError(N_("The signing certificate was revoked on %(date)s and cannot sign. "
                                  "Ask the administrator to issue a new one."),
                               date=(latest.revoked_at or utc_now()).date().isoformat())
    raise CertificateError(N_("You have no valid signing certificate. Ask the administrator to issue one."))


def expiring(rows: list[CertificateRow], settings: Settings) -> list[CertificateRow]:
    """Valid certificates that expire within the configured warning period."""
    limit = settings.signing.expiry_warning_days
    return [r for r in rows if r.state == "valid" and r.expires_in_days <= limit]

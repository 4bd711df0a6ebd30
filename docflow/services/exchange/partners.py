"""The partners the ward exchanges with: each trusted under ONE root, registered by an administrator (a
trust decision) or by the operator's command line, listed, deactivated; audited."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.errors import N_, ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import ExchangePartner, Organisation, User
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.exchange.ports import PartnerEndpoint, PartnerRoot
from docflow.services.people.organisation import check_organ_id

MAX_NAME = 300
MAX_URL = 500
MAX_ROOT_BYTES = 64 * 1024
URL_SCHEMES = ("https://", "folder:")   # the transport's two ways (docflow.services.exchange.transport)


def _check_admin(actor: User | None) -> None:
    """None is the operator at the server's command line; a person must be an administrator."""
    if actor is not None and not policy.may_administer(actor):
        raise PermissionDeniedError(N_("Only an administrator decides which agencies the ward trusts."))


def read_trust_root(data: bytes) -> tuple[str, str]:
    """The root certificate as PEM text and the SHA-256 of its DER. Raises ValidationError."""
    try:
        if len(data) > MAX_ROOT_BYTES:
            raise ValueError("too large")
        der = pem.unarmor(data)[2] if pem.detect(data) else data
        cert = asn1_x509.Certificate.load(der)
        cert.native  # parse it all now: a broken certificate is refused here, not at the first message
    except (ValueError, TypeError, KeyError):
        raise ValidationError(N_("The trust root is not a certificate (PEM or DER)."), field="trust_root") from None
    if not cert.ca:
        raise ValidationError(N_("The trust root must be a CA certificate."), field="trust_root")
    return pem.armor("CERTIFICATE", cert.dump()).decode("ascii"), hashlib.sha256(cert.dump()).hexdigest()


def _clean(value: str, limit: int, field: str) -> str:
    value = value.strip()
    if len(value) > limit:
        raise ValidationError(N_("The text is too long (at most %(n)s characters)."), field=field, n=limit)
    return value


def add_partner(session: Session, *, organisation: Organisation, organ_id: str, trust_root: bytes, actor: User | None,
                now: datetime, name: str = "", url: str = "") -> ExchangePartner:
    """Trust ``organ_id`` under ``trust_root``. A deactivated partner is reactivated with the new root.

    Raises PermissionDeniedError (not an administrator), ValidationError, ConflictError (already an active
    partner). Flushes.
    """
    _check_admin(actor)
    organ_id = check_organ_id(organ_id)
    root_pem, digest = read_trust_root(trust_root)
    url = _clean(url, MAX_URL, "url")
    if url and not url.startswith(URL_SCHEMES):
        raise ValidationError(N_("A partner's address must start with https:// (or folder: for a folder)."),
                              field="url")
    partner = session.execute(select(ExchangePartner).where(
        ExchangePartner.organisation_id == organisation.id, ExchangePartner.organ_id == organ_id)).scalar_one_or_none()
    if partner is not None and partner.is_active:
        raise ConflictError(N_("%(organ_id)s is already an exchange partner."), organ_id=organ_id)
    if partner is None:
        partner = ExchangePartner(organisation_id=organisation.id, organ_id=organ_id)
        session.add(partner)
    partner.name = _clean(name, MAX_NAME, "name") or organ_id
    partner.trust_root_pem, partner.trust_root_sha256, partner.url = root_pem, digest, url
    partner.is_active, partner.added_by_id, partner.added_at = True, actor.id if actor else None, now
    session.flush()
    audit.record(session, action=AuditAction.EXCHANGE_PARTNER_ADDED, actor=actor, object_type="exchange_partner",
                 object_id=organ_id, now=now,
                 details={"organ_id": organ_id, "name": partner.name, "trust_root_sha256": digest, "url": url})
    return partner


def deactivate_partner(session: Session, *, organisation: Organisation, organ_id: str, actor: User | None,
                       now: datetime) -> ExchangePartner:
    """Stop trusting a partner: its messages are refused from now on. Raises PermissionDeniedError,
    NotFoundError. Flushes."""
    _check_admin(actor)
    partner = active_partner(session, organisation_id=organisation.id, organ_id=organ_id)
    if partner is None:
        raise NotFoundError(N_("No active exchange partner has the organ id %(organ_id)s."), organ_id=organ_id[:30])
    partner.is_active = False
    session.flush()
    audit.record(session, action=AuditAction.EXCHANGE_PARTNER_DEACTIVATED, actor=actor,
                 object_type="exchange_partner", object_id=partner.organ_id, now=now,
                 details={"organ_id": partner.organ_id})
    return partner


def partners_page(session: Session, *, actor: User) -> list[ExchangePartner]:
    """The partners for the administrator's screen. Raises PermissionDeniedError."""
    if not policy.may_administer(actor):
        raise PermissionDeniedError(N_("Only an administrator decides which agencies the ward trusts."))
    return list_partners(session, organisation_id=actor.organisation_id)


def list_partners(session: Session, *, organisation_id: int) -> list[ExchangePartner]:
    return list(session.execute(select(ExchangePartner).where(ExchangePartner.organisation_id == organisation_id)
                                .order_by(ExchangePartner.is_active.desc(), ExchangePartner.organ_id)).scalars())


def active_partner(session: Session, *, organisation_id: int, organ_id: str) -> ExchangePartner | None:
    return session.execute(select(ExchangePartner).where(
        ExchangePartner.organisation_id == organisation_id, ExchangePartner.organ_id == organ_id,
        ExchangePartner.is_active.is_(True))).scalar_one_or_none()


def root_lookup(session: Session, *, organisation_id: int) -> Callable[[str], bytes | None]:
    """``organ_id`` -> the trust root registered for that active partner (PEM), or None."""
    def root_for(organ_id: str) -> bytes | None:
        partner = active_partner(session, organisation_id=organisation_id, organ_id=organ_id)
        return partner.trust_root_pem.encode("ascii") if partner is not None else None
    return root_for


class Directory:
    """The partners as the transport asks for them (docflow.services.exchange.ports.PartnerDirectory)."""

    def endpoint(self, session: Session, *, organisation_id: int, organ_id: str) -> PartnerEndpoint | None:
        partner = active_partner(session, organisation_id=organisation_id, organ_id=organ_id)
        if partner is None or not partner.url:
            return None
        return PartnerEndpoint(partner.organ_id, partner.url, partner.trust_root_pem.encode("ascii"))

    def trust_roots(self, session: Session, *, organisation_id: int) -> list[PartnerRoot]:
        return [PartnerRoot(p.organ_id, p.trust_root_pem.encode("ascii"))
                for p in list_partners(session, organisation_id=organisation_id) if p.is_active]


DIRECTORY = Directory()

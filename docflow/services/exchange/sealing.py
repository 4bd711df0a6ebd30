"""The ward's side of a message: who it is on the axis (its organ id and name) and its signature by the ward's
system key, the one that signs the audit checkpoints (`docflow keys issue --system`)."""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import exchange
from docflow.auditlog.checkpoints import load_certificates
from docflow.config import Settings
from docflow.errors import N_, ConfigurationError, ValidationError
from docflow.exchange import Message, Organ
from docflow.models import Certificate, CertificateStatus, Organisation
from docflow.services.audit.checkpoints import ca_chain_pem, system_key_passphrase
from docflow.services.people.organisation import get_organisation, organ_id_of
from docflow.signing.base import CertificateKind
from docflow.signing.keys import load_pkcs12, private_key

NO_ORGAN_ID = N_("The ward has no organ identifier (mã định danh): set it with `docflow init --organ-id` first.")


def ward_organ(organisation: Organisation, settings: Settings) -> Organ:
    """The ward as the axis names it. Raises ValidationError when it has no organ id yet."""
    organ_id = organ_id_of(organisation, settings)
    if not organ_id:
        raise ValidationError(NO_ORGAN_ID, field="organ_id")
    return Organ(organ_id=organ_id, name=organisation.name)


def _ward_system_certificate(session: Session) -> Certificate | None:
    """The bound ward's current system certificate (each ward of a deployment has its own)."""
    ward = get_organisation(session)
    return session.execute(select(Certificate).where(
        Certificate.organisation_id == ward.id, Certificate.kind == CertificateKind.SYSTEM,
        Certificate.status == CertificateStatus.VALID).order_by(Certificate.id.desc()).limit(1)).scalar_one_or_none()


def _system_key(session: Session, settings: Settings) -> tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
                                                             list[asn1_x509.Certificate]]:
    cert = _ward_system_certificate(session)
    if cert is None or cert.key_path is None:
        raise ConfigurationError("there is no system certificate to sign exchange messages: run "
                                 "`docflow keys issue --system`")
    # opened as the audit checkpoints open it (its errors, its key-and-certificate checks)
    opened = load_pkcs12(settings.app.keys_dir / cert.key_path, system_key_passphrase(settings))
    if opened.sha256 != cert.sha256:
        raise ConfigurationError("the system key file does not match the system certificate on record")
    key = private_key(opened)
    chain = [opened.certificate, *opened.chain]
    known = {c.dump() for c in chain}
    for item in load_certificates(ca_chain_pem(settings)):
        if item.dump() not in known:
            chain.append(item)
    return key, chain


def seal_as_ward(session: Session, *, settings: Settings, message: Message) -> bytes:
    """``message`` signed by the ward's system key. Raises ConfigurationError (no system key), ValidationError."""
    key, chain = _system_key(session, settings)
    return exchange.seal(message, key=key, chain=chain)

"""A new ward, usable at once: the ward row (audited), this year's incoming, outgoing and resolution registers,
its own key folder under ``keys_dir/wards/<id>`` and, with the development CA, its own CA and system key (the
key that signs its audit checkpoints and its exchange messages). Its users, departments and the organisation's
(seal) key follow as for the first ward: the ward's administrator creates them, `docflow --ward CODE keys …`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import wards
from docflow.config import Settings
from docflow.errors import N_, ValidationError
from docflow.models import Certificate, CertificateStatus, Organisation, Register, RegisterKind, User, utc_now
from docflow.services import keys
from docflow.services.people import organisation
from docflow.services.registers.numbers import ensure_register
from docflow.signing.base import CertificateKind


def ward_registers(session: Session, *, ward: Organisation, year: int) -> list[Register]:
    """The ward's incoming, outgoing and resolution registers of ``year``, made when missing. Flushes."""
    made = [ensure_register(session, organisation=ward, kind=kind, year=year) for kind in RegisterKind]
    session.flush()
    return made


def provision_ward(session: Session, *, settings: Settings, name: str, code: str, organ_id: str = "",
                   actor: User | None = None, now: datetime | None = None) -> Organisation:
    """Create a ward of this deployment and give it what it needs to work: registers, key folder, and with the
    development CA its CA and system key. ``actor`` None is the command line; a web caller must be the
    province administrator (checked by the caller's service, ``create_ward_with_admin``). Raises
    ValidationError, ConflictError, ConfigurationError. Flushes."""
    now = now or utc_now()
    _check(name, code)
    first = organisation.first_ward(session)
    ward = organisation.create_ward(session, name=name, code=code, organ_id=organ_id, actor=actor, now=now)
    if first is not None:   # the first ward keeps keys_dir/ca; any other has its own folder
        keys.make_ward_keys_dir(settings, ward.id)
    with wards.acting_for(ward.id):
        ward_registers(session, ward=ward, year=now.astimezone(settings.app.zone).year)
        provision_ward_keys(session, settings=settings, ward=ward, now=now)
    return ward


def _check(name: str, code: str) -> None:
    """Said in a ward's words before create_ward's own checks (which share the departments' messages)."""
    if not name.strip() or len(name) > 200:
        raise ValidationError(N_("The ward's name is required (at most 200 characters)."), field="name")
    if not code.strip() or len(code) > 30 or any(c.isspace() for c in code.strip()):
        raise ValidationError(N_("The ward's code is required, without spaces (at most 30 characters)."),
                              field="code")


def provision_ward_keys(session: Session, *, settings: Settings, ward: Organisation,
                        now: datetime | None = None) -> list[str]:
    """The bound ward's development CA and system certificate, when missing (nothing with a real CA, whose
    certificates the ward imports). Returns what was made. Flushes."""
    if settings.signing.ca != "development":
        return []
    made = []
    if not (keys.ca_directory(settings) / "root.pem").exists():
        keys.init_ca(settings, organisation=ward.name)
        made.append("ca")
    has_system = session.execute(select(Certificate.id).where(
        Certificate.organisation_id == ward.id, Certificate.kind == CertificateKind.SYSTEM,
        Certificate.status == CertificateStatus.VALID)).first()
    if not has_system:
        keys.issue_certificate(session, settings=settings, actor=None, holder=None, kind=CertificateKind.SYSTEM,
                               pin="", now=now)
        made.append(CertificateKind.SYSTEM.value)
    return made

"""The ward and its departments."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow import policy, wards
from docflow.config import Settings
from docflow.errors import N_, ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import Department, Organisation, User
from docflow.services import audit
from docflow.services.audit import AuditAction


def find_organisation(session: Session) -> Organisation | None:
    """The ward the work in hand acts for (``docflow.wards``): the bound ward, else the ward the command line
    named, else the deployment's only ward. None before `docflow init`.

    Raises NotFoundError for a bound or named ward that does not exist, and ValidationError when the deployment
    serves several wards and nothing says which (a command run without ``--ward``)."""
    ward_id = wards.current_ward_id()
    if ward_id is not None:
        org = session.get(Organisation, ward_id)
        if org is None:
            raise NotFoundError(N_("This ward does not exist."))
        return org
    code = wards.requested_code()
    if code is not None:
        org = session.execute(select(Organisation).where(Organisation.code == code)).scalar_one_or_none()
        if org is None:
            raise NotFoundError(N_("There is no ward with the code %(code)s (see `docflow wards list`)."), code=code)
        return org
    first_two = list(session.execute(select(Organisation).order_by(Organisation.id).limit(2)).scalars())
    if len(first_two) > 1:
        raise ValidationError(N_("This deployment serves several wards: name one with `docflow --ward CODE` "
                                 "(see `docflow wards list`)."))
    return first_two[0] if first_two else None


def first_ward(session: Session) -> Organisation | None:
    """The deployment's first ward (the one `docflow init` created), whatever is bound; None before init."""
    return session.execute(select(Organisation).order_by(Organisation.id).limit(1)).scalar_one_or_none()


def list_wards(session: Session) -> list[Organisation]:
    """Every ward of the deployment, in the order they were created."""
    return list(session.execute(select(Organisation).order_by(Organisation.id)).scalars())


def get_organisation(session: Session) -> Organisation:
    org = find_organisation(session)
    if org is None:
        raise NotFoundError(N_("docflow is not initialised yet: run `docflow init`."))
    return org


def ensure_organisation(session: Session, *, name: str, code: str = "UBND",
                        now: datetime | None = None) -> Organisation:
    """Create the organisation on first start; later calls return the existing one. Flushes."""
    org = first_ward(session)
    if org is not None:
        return org
    org = Organisation(name=name, code=code)
    session.add(org)
    session.flush()
    audit.record(session, action=AuditAction.SYSTEM_INITIALISED, actor=None, object_type="organisation",
                 object_id=org.id, details={"name": name, "code": code}, now=now)
    return org


def create_ward(session: Session, *, name: str, code: str, organ_id: str = "", actor: User | None = None,
                now: datetime | None = None) -> Organisation:
    """A new ward in this deployment (a province's): its own departments, users, keys and registers follow.
    ``code`` names it on the command line (`docflow --ward CODE`) and in symbols. Raises ConflictError for a
    code already taken, ValidationError for a bad name, code or organ identifier. Flushes."""
    _check(name, code)
    if session.execute(select(Organisation.id).where(Organisation.code == code.strip())).first() is not None:
        raise ConflictError(N_("A ward with the code %(code)s exists already."), code=code)
    org = Organisation(name=name.strip(), code=code.strip(), organ_id=check_organ_id(organ_id) if organ_id else "")
    session.add(org)
    session.flush()
    # The new ward's chain starts with its creation (and who created it), whoever's ward the creator is in.
    audit.record(session, action=AuditAction.SYSTEM_INITIALISED, actor=actor, object_type="organisation",
                 object_id=org.id, details={"name": org.name, "code": org.code}, now=now, organisation_id=org.id)
    return org


# Mã định danh điện tử of a state body (as on the national exchange axis): "000.00.00.H41", "000.12.31.H41".
ORGAN_ID = re.compile(r"[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9A-Z]{2}")


def organ_id_of(org: Organisation, settings: Settings) -> str:
    """The ward's organ identifier: the one `docflow init --organ-id` recorded, else the configuration's
    ``app.organ_id`` ("" when neither is set)."""
    return org.organ_id or settings.app.organ_id


def check_organ_id(organ_id: str) -> str:
    """``organ_id`` stripped. Raises ValidationError unless it has the form 000.00.00.H41."""
    organ_id = organ_id.strip()
    if not ORGAN_ID.fullmatch(organ_id):
        raise ValidationError(N_("%(value)s is not an organ identifier (mã định danh), which reads like "
                                 "000.00.00.H41."), field="organ_id", value=organ_id or '""')
    return organ_id


def set_organ_id(session: Session, *, org: Organisation, organ_id: str, actor: User | None = None,
                 now: datetime | None = None) -> Organisation:
    """Record the ward's organ identifier. Raises ValidationError. Flushes."""
    organ_id = check_organ_id(organ_id)
    if org.organ_id != organ_id:
        audit.record(session, action=AuditAction.ORGAN_ID_SET, actor=actor, object_type="organisation",
                     object_id=org.id, details={"from": org.organ_id, "to": organ_id}, now=now)
        org.organ_id = organ_id
        session.flush()
    return org


def list_departments(session: Session, *, include_inactive: bool = False) -> list[Department]:
    stmt = (select(Department).where(Department.organisation_id == get_organisation(session).id)
            .order_by(Department.name))
    if not include_inactive:
        stmt = stmt.where(Department.is_active.is_(True))
    return list(session.execute(stmt).scalars())


def _check(name: str, code: str) -> None:
    if not name.strip() or len(name) > 200:
        raise ValidationError(N_("The department name is required (at most 200 characters)."), field="name")
    if not code.strip() or len(code) > 30 or any(c.isspace() for c in code.strip()):
        raise ValidationError(N_("The department code is required, without spaces (at most 30 characters)."),
                              field="code")


def create_department(session: Session, *, actor: User | None, organisation: Organisation, name: str,
                      code: str, now: datetime | None = None) -> Department:
    """Create a department. Raises ValidationError, ConflictError, PermissionDeniedError. Flushes."""
    if actor is not None:
        _require_admin(actor)
    _check(name, code)
    exists = session.execute(select(Department.id).where(
        Department.organisation_id == organisation.id,
        func.lower(Department.code) == code.strip().lower())).first()
    if exists:
        raise ConflictError(N_("A department with code %(code)s already exists."), code=code.strip())
    dept = Department(organisation=organisation, name=name.strip(), code=code.strip())
    session.add(dept)
    session.flush()
    audit.record(session, action=AuditAction.DEPARTMENT_CREATED, actor=actor, object_type="department",
                 object_id=dept.id, details={"name": dept.name, "code": dept.code}, now=now)
    return dept


def update_department(session: Session, *, actor: User, department_id: int, name: str, is_active: bool,
                      now: datetime | None = None) -> Department:
    """Rename, deactivate or reactivate a department (admin only). Flushes."""
    _require_admin(actor)
    dept = session.get(Department, department_id)
    if dept is None or dept.organisation_id != actor.organisation_id:
        raise NotFoundError(N_("Department not found."))
    _check(name, dept.code)
    changes: dict[str, dict[str, object]] = {}
    if dept.name != name.strip():
        changes["name"] = {"from": dept.name, "to": name.strip()}
        dept.name = name.strip()
    if dept.is_active != is_active:
        changes["is_active"] = {"from": dept.is_active, "to": is_active}
        dept.is_active = is_active
    if changes:
        audit.record(session, action=AuditAction.DEPARTMENT_UPDATED, actor=actor, object_type="department",
                     object_id=dept.id, details={"changes": changes}, now=now)
    session.flush()
    return dept


def _require_admin(actor: User) -> None:
    # users.require_admin's check, said here: users looks up the bound ward through this module
    if not policy.may_administer(actor):
        raise PermissionDeniedError(N_("Only an administrator may do this."))

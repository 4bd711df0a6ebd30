"""The province administrator: an administrator account marked ``province_admin`` (`docflow wards admin
USERNAME`) who lists the deployment's wards and creates a ward with its first administrator. Every other
administrator manages only their own ward, on the existing administration pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow import wards
from docflow.policy import may_administer_province
from docflow.config import Settings
from docflow.errors import N_, PermissionDeniedError, ValidationError
from docflow.models import Document, Organisation, Role, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.people import organisation
from docflow.services.people.users import UserInput, create_user
from docflow.services.wards.provisioning import provision_ward


def require_province_admin(actor: User | None) -> None:
    """``actor`` None is the command line (whoever holds the server's shell). Raises PermissionDeniedError."""
    if actor is not None and not may_administer_province(actor):
        raise PermissionDeniedError(N_("Only the province administrator creates and lists wards."))


@dataclass(frozen=True)
class WardRow:
    ward: Organisation
    users: int
    documents: int


def ward_overview(session: Session, *, actor: User | None) -> list[WardRow]:
    """Every ward with how many accounts and documents it has. Raises PermissionDeniedError."""
    require_province_admin(actor)
    users = dict(session.execute(select(User.organisation_id, func.count()).group_by(User.organisation_id)).all())
    docs = dict(session.execute(select(Document.organisation_id, func.count())
                                .group_by(Document.organisation_id)).all())
    return [WardRow(w, users.get(w.id, 0), docs.get(w.id, 0)) for w in organisation.list_wards(session)]


@dataclass(frozen=True)
class NewWard:
    name: str
    code: str
    organ_id: str
    admin_username: str
    admin_full_name: str
    admin_password: str


def create_ward_with_admin(session: Session, *, settings: Settings, actor: User | None, data: NewWard,
                           now: datetime | None = None) -> tuple[Organisation, User]:
    """A new ward (``provision_ward``) and its first administrator, who then manages the ward on the usual
    pages. Raises PermissionDeniedError, ValidationError, ConflictError. Flushes."""
    require_province_admin(actor)
    now = now or utc_now()
    if not data.admin_username.strip():
        raise ValidationError(N_("The username must be 1–80 ASCII characters without spaces."), field="username")
    ward = provision_ward(session, settings=settings, name=data.name, code=data.code, organ_id=data.organ_id,
                          actor=actor, now=now)
    with wards.acting_for(ward.id):   # the account's events belong to the new ward
        admin = create_user(session, actor=None, organisation=ward, password=data.admin_password, now=now,
                            data=UserInput(username=data.admin_username, full_name=data.admin_full_name,
                                           role=Role.ADMIN, post="Quản trị viên"))
    if actor is not None:   # create_user records the command line as the actor: say who did it
        audit.record(session, action=AuditAction.USER_UPDATED, actor=actor, object_type="user", object_id=admin.id,
                     details={"changes": {"ward_administrator_of": {"from": None, "to": ward.code}}}, now=now)
    return ward, admin


def set_province_admin(session: Session, *, username: str, granted: bool, now: datetime | None = None) -> User:
    """Mark (or unmark) an administrator of the first ward as the province administrator: from the command
    line only. Raises ValidationError. Flushes."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    first = organisation.first_ward(session)
    if user is None or user.role is not Role.ADMIN or first is None or user.organisation_id != first.id:
        raise ValidationError(N_("The province administrator is an administrator account of the first ward."),
                              field="username")
    if user.province_admin != granted:
        audit.record(session, action=AuditAction.USER_UPDATED, actor=None, object_type="user", object_id=user.id,
                     details={"changes": {"province_admin": {"from": user.province_admin, "to": granted}}},
                     now=now)
        user.province_admin = granted
        session.flush()
    return user

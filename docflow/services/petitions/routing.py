"""Routing a petition like incoming work: the clerk or a leader sends it to a department (and a handler), the
department's head picks the handler; the handler finds it in his list. Reading a petition shows the citizen's
personal data, so only its handlers (policy.petitions.handles) may read one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from docflow.errors import N_, InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import Department, Petition, PetitionStatus, Role, User, utc_now
from docflow.policy import petitions as policy
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.notifications import notify

OPEN = (PetitionStatus.RECEIVED, PetitionStatus.ASSIGNED, PetitionStatus.IN_PROGRESS)
ASSIGNED_NOTICE = N_("A citizen's petition was assigned to you: %(subject)s")
NOT_FOUND = N_("No such petition.")


def get_petition(session: Session, *, actor: User, petition_id: int, lock: bool = False) -> Petition:
    """The petition with the citizen's personal data, for one of its handlers.

    Raises NotFoundError (another ward's id too), PermissionDeniedError."""
    petition = session.get(Petition, petition_id, with_for_update=lock)
    if petition is None or petition.organisation_id != actor.organisation_id:
        raise NotFoundError(NOT_FOUND)
    if not policy.handles(actor, petition):
        raise PermissionDeniedError(N_("Only those who handle a petition may read it and the citizen's details."))
    return petition


def list_petitions(session: Session, *, actor: User, open_only: bool = False, limit: int = 500) -> list[Petition]:
    """The petitions ``actor`` handles, nearest deadline first: the whole ward for the clerk and the leaders,
    the department's for its head, his own for an official. Raises PermissionDeniedError."""
    if not policy.may_list_petitions(actor):
        raise PermissionDeniedError(N_("Your role does not handle citizens' petitions."))
    query = select(Petition).where(Petition.organisation_id == actor.organisation_id)
    if actor.role is Role.HEAD:
        query = query.where(or_(Petition.department_id == actor.department_id, Petition.handler_id == actor.id))
    elif actor.role is Role.OFFICIAL:
        query = query.where(Petition.handler_id == actor.id)
    if open_only:
        query = query.where(Petition.status.in_(OPEN))
    return list(session.execute(query.order_by(Petition.deadline, Petition.id).limit(limit)).scalars())


def _target(session: Session, actor: User, department_id: int, handler_id: int | None
            ) -> tuple[Department, User | None]:
    department = session.get(Department, department_id)
    if department is None or department.organisation_id != actor.organisation_id or not department.is_active:
        raise ValidationError(N_("Choose a department of the ward."), field="department_id")
    if handler_id is None:
        return department, None
    handler = session.get(User, handler_id)
    if (handler is None or not handler.is_active or handler.department_id != department.id
            or handler.role not in (Role.OFFICIAL, Role.HEAD)):
        raise ValidationError(N_("The handler must be an official or the head of that department."),
                              field="handler_id")
    return department, handler


def assign_petition(session: Session, *, actor: User, petition_id: int, department_id: int,
                    handler_id: int | None = None, now: datetime | None = None) -> Petition:
    """Send an open petition to a department and, optionally, a handler (a department head keeps his own
    department). The handler is notified. Raises NotFoundError, PermissionDeniedError, ValidationError,
    InvalidTransitionError. Flushes."""
    now = now or utc_now()
    petition = get_petition(session, actor=actor, petition_id=petition_id, lock=True)
    if not policy.may_route(actor, petition):
        raise PermissionDeniedError(N_("Only the clerk, a leader or the department's head assigns a petition."))
    if petition.status not in (PetitionStatus.RECEIVED, PetitionStatus.ASSIGNED):
        raise InvalidTransitionError(N_("This petition can no longer be reassigned."))
    if actor.role is Role.HEAD and department_id != actor.department_id:
        raise PermissionDeniedError(N_("A department head assigns petitions only inside his department."))
    department, handler = _target(session, actor, department_id, handler_id)
    petition.department_id, petition.handler_id = department.id, handler.id if handler else None
    petition.status, petition.assigned_at = PetitionStatus.ASSIGNED, now
    session.flush()
    audit.record(session, action=AuditAction.PETITION_ASSIGNED, actor=actor, object_type="petition",
                 object_id=petition.id, now=now,
                 details={"department": department.code, "handler": handler.username if handler else None})
    if handler is not None:
        notify(session, users=[handler], document=None, message=ASSIGNED_NOTICE,
               params={"subject": petition.subject[:120], "petition_id": petition.id}, now=now)
    return petition


def route_choices(session: Session, *, organisation_id: int) -> tuple[list[Department], list[User]]:
    """What the assignment form offers: the ward's active departments, and the officials and heads."""
    departments = session.execute(select(Department).where(Department.organisation_id == organisation_id,
                                                           Department.is_active.is_(True))
                                  .order_by(Department.name)).scalars()
    handlers = session.execute(select(User).where(User.organisation_id == organisation_id, User.is_active.is_(True),
                                                  User.role.in_((Role.OFFICIAL, Role.HEAD)))
                               .order_by(User.full_name)).scalars()
    return list(departments), list(handlers)

"""Who may be given a part in a document's flow: the checks the incoming flow (direction, handlers) and the
outgoing flow (signer, reviewers, recipient departments) both make, written once.

Each answers with the user or department found, or None; the ``is_`` forms answer True or False, and the
type checker then knows the value is not None. The caller refuses in its own words: "Choose who signs" and
"Choose an active member of the department" are different questions to the person filling in the form.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeGuard

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from docflow.models import Department, Role, User

# Who a document can be directed or forwarded to.
HANDLER_ROLES = (Role.OFFICIAL, Role.HEAD, Role.LEADER)
# Who handles a department's assignment, named by the department's head.
DEPARTMENT_MEMBER_ROLES = (Role.OFFICIAL, Role.HEAD)
# Who reviews a draft, and who may be chosen to sign one (a head only with a delegation).
REVIEWER_ROLES = (Role.HEAD, Role.LEADER)
SIGNER_ROLES = (Role.LEADER, Role.HEAD)


def is_ward_member(user: User | None, organisation_id: int, roles: Collection[Role]) -> TypeGuard[User]:
    """Whether ``user`` is an active user of the ward ``organisation_id`` in one of ``roles``."""
    return (user is not None and user.organisation_id == organisation_id and user.is_active
            and user.role in roles)


def ward_member(session: Session, organisation_id: int, user_id: int | None,
                roles: Collection[Role]) -> User | None:
    """The user ``user_id`` when an active user of the ward in one of ``roles``, else None."""
    user = session.get(User, user_id) if user_id is not None else None
    return user if is_ward_member(user, organisation_id, roles) else None


def is_active_department(department: Department | None, organisation_id: int) -> TypeGuard[Department]:
    """Whether ``department`` is an active department of the ward ``organisation_id``."""
    return department is not None and department.organisation_id == organisation_id and department.is_active


def active_department(session: Session, organisation_id: int, department_id: int | None) -> Department | None:
    """The department ``department_id`` when an active department of the ward, else None."""
    department = session.get(Department, department_id) if department_id is not None else None
    return department if is_active_department(department, organisation_id) else None


def is_department_member(user: User | None, department_id: int | None) -> TypeGuard[User]:
    """Whether ``user`` may handle an assignment of department ``department_id``: an active official or
    head of that department."""
    return (user is not None and department_id is not None and user.department_id == department_id
            and user.is_active and user.role in DEPARTMENT_MEMBER_ROLES)


def department_heads(session: Session, department_id: int) -> list[User]:
    """The department's active heads, first appointed first (they receive the department's documents)."""
    return list(session.execute(select(User).where(
        User.department_id == department_id, User.role == Role.HEAD, User.is_active.is_(True))
        .order_by(User.id)).scalars())


def department_head(session: Session, department_id: int | None) -> User | None:
    """The department's first active head (who reviews its drafts' content), or None."""
    if department_id is None:
        return None
    return session.execute(select(User).where(User.department_id == department_id, User.role == Role.HEAD,
                                              User.is_active.is_(True)).order_by(User.id).limit(1)).scalar_one_or_none()


def department_members(session: Session, department_id: int) -> list[User]:
    """Who a head may name as handler: the department's active officials, then its heads, by name."""
    return list(session.execute(select(User).where(
        User.department_id == department_id, User.is_active.is_(True), User.role.in_(DEPARTMENT_MEMBER_ROLES))
        .order_by(case((User.role == Role.HEAD, 1), else_=0), User.full_name)).scalars())

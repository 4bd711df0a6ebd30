"""Who reads which figures (issue 13, §2): the reach of a user's dashboard and report, decided here so the
dashboard, the command line and any later export ask one question.

- the chairman and the vice-chairmen (``leader``) and the auditor read the whole ward, every department;
- a department head reads his own department's figures and no other's;
- an official reads his own work;
- the clerk reads the registration and issuing figures of the ward;
- the administrator keeps accounts and keys, not documents: no figures.

Counts never show a document's content, so confidential documents are counted like the others.
"""

from __future__ import annotations

import enum

from docflow.models import Role, User


class Reach(enum.StrEnum):
    WARD = "ward"              # every department of the ward
    DEPARTMENT = "department"  # the user's own department
    OWN = "own"                # the user's own work
    REGISTRY = "registry"      # registration and issuing (the clerk's book-keeping)
    NONE = "none"


REACH_OF_ROLE = {
    Role.LEADER: Reach.WARD, Role.AUDITOR: Reach.WARD, Role.HEAD: Reach.DEPARTMENT,
    Role.OFFICIAL: Reach.OWN, Role.CLERK: Reach.REGISTRY, Role.ADMIN: Reach.NONE,
}


def figures_reach(user: User) -> Reach:
    """What the user's figures cover; ``Reach.NONE`` for an inactive user or the administrator."""
    if not user.is_active:
        return Reach.NONE
    if user.role is Role.HEAD and user.department_id is None:
        return Reach.NONE
    return REACH_OF_ROLE.get(user.role, Reach.NONE)


def may_read_figures(user: User) -> bool:
    return figures_reach(user) is not Reach.NONE


def may_read_department_figures(user: User, department_id: int) -> bool:
    """A leader or an auditor reads any department of the ward; a head only his own (the service checks the
    department is the ward's)."""
    reach = figures_reach(user)
    return reach is Reach.WARD or (reach is Reach.DEPARTMENT and department_id == user.department_id)

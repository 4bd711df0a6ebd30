"""Who may do what with a citizen's petition (issue 15 §3), and who may see the citizen's personal data.

- the clerk (văn thư) registers petitions from the hotline, the suggestion box and the desk, and routes them;
- a leader routes them too and reads every petition;
- the head of the assigned department picks its handler and may answer; the assigned handler answers;
- these are the people who handle a petition, and only they see the citizen's name, phone, address and e-mail;
- the auditor reads the audit log and the ward's figures, never the petitions' personal data; the
  administrator keeps accounts, not petitions.
"""

from __future__ import annotations

from docflow.models import Petition, Role, User

ROUTERS = frozenset({Role.CLERK, Role.LEADER})
WARD_READERS = frozenset({Role.CLERK, Role.LEADER})


def _active_in(user: User, petition: Petition) -> bool:
    return user.is_active and user.organisation_id == petition.organisation_id


def may_register_petition(user: User) -> bool:
    """The clerk enters what came by the hotline, the suggestion box or in person."""
    return user.is_active and user.role is Role.CLERK


def may_list_petitions(user: User) -> bool:
    """The petitions page: those who register, route or handle petitions."""
    return user.is_active and user.role in (Role.CLERK, Role.LEADER, Role.HEAD, Role.OFFICIAL)


def is_department_head(user: User, petition: Petition) -> bool:
    return (user.role is Role.HEAD and petition.department_id is not None
            and user.department_id == petition.department_id)


def handles(user: User, petition: Petition) -> bool:
    """The petition's handlers: the clerk and the leaders of its ward, the head of its department, its handler."""
    if not _active_in(user, petition):
        return False
    return (user.role in WARD_READERS or is_department_head(user, petition)
            or (petition.handler_id is not None and petition.handler_id == user.id))


def may_route(user: User, petition: Petition) -> bool:
    """The clerk or a leader sends it to a department and handler; the department's head picks the handler."""
    return _active_in(user, petition) and (user.role in ROUTERS or is_department_head(user, petition))


def may_answer(user: User, petition: Petition) -> bool:
    """The assigned handler, or the head of the assigned department."""
    if not _active_in(user, petition) or user.role not in (Role.OFFICIAL, Role.HEAD):
        return False
    return petition.handler_id == user.id or is_department_head(user, petition)

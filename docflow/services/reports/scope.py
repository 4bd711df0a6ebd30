"""What a user's figures cover: the ward, one department, or the user's own work, resolved once from the
policy's answer and the department asked for, then turned into WHERE clauses on the work and the documents.

Work (việc) is an incoming document's lead assignment (chủ trì): for the ward and a department, the
department-level assignment a leader's direction made (``parent_id IS NULL``); for an official, every lead
assignment held in his name (the head's hand-over to him included). Co-handling (phối hợp) and
for-information (để biết) assignments are not counted: the lead answers for the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from docflow.errors import N_, NotFoundError, PermissionDeniedError
from docflow.models import Assignment, AssignmentRole, Department, Document, DocumentKind, User
from docflow.policy.reports import Reach, figures_reach, may_read_department_figures
from docflow.services import people
from docflow.textsearch import fold

# The user an assignment names, to place a person's assignment in the person's department.
Holder = aliased(User, name="holder")
DEPARTMENT_OF_WORK = func.coalesce(Assignment.department_id, Holder.department_id)


@dataclass(frozen=True)
class Scope:
    """The figures' reach for one request: whose work and which documents are counted."""

    reach: Reach
    organisation_id: int
    department_id: int | None = None   # one department (a head's own, or a leader's filter)
    user_id: int | None = None         # an official's own work

    @property
    def shows_work(self) -> bool:
        return self.reach in (Reach.WARD, Reach.DEPARTMENT, Reach.OWN)

    @property
    def by_department(self) -> bool:
        """Whether a table per department means anything (not for one person's own work)."""
        return self.reach in (Reach.WARD, Reach.DEPARTMENT)

    def work_filter(self) -> ColumnElement[bool]:
        """The lead assignments of incoming documents this scope counts (joined to Document and Holder)."""
        clauses = [Document.organisation_id == self.organisation_id, Document.kind == DocumentKind.INCOMING,
                   Assignment.role == AssignmentRole.LEAD]
        if self.user_id is not None:
            clauses.append(Assignment.assignee_id == self.user_id)
        else:
            clauses.append(Assignment.parent_id.is_(None))
        if self.department_id is not None:
            clauses.append(DEPARTMENT_OF_WORK == self.department_id)
        return and_(*clauses)

    def document_filter(self) -> ColumnElement[bool]:
        """The ward's documents this scope counts: a department's own, or the drafts an official made."""
        clauses = [Document.organisation_id == self.organisation_id]
        if self.user_id is not None:
            clauses.append(Document.created_by_id == self.user_id)
        elif self.department_id is not None:
            clauses.append(Document.department_id == self.department_id)
        return and_(*clauses)


def resolve_scope(session: Session, *, actor: User, department_id: int | None = None) -> Scope:
    """The scope of ``actor``'s figures, narrowed to ``department_id`` when given.

    Raises PermissionDeniedError (no figures for this user, or another department than a head's own, or a
    department asked by someone whose figures are not per department) and NotFoundError (no such active
    department in the ward: a deactivated one is not among the filter's choices).
    """
    reach = figures_reach(actor)
    if reach is Reach.NONE:
        raise PermissionDeniedError(N_("Your role has no figures to read."))
    if department_id is not None:
        if people.active_department(session, actor.organisation_id, department_id) is None:
            raise NotFoundError(N_("No such department."))
        if not may_read_department_figures(actor, department_id):
            raise PermissionDeniedError(N_("You may read the figures of your own department only."))
    if reach is Reach.DEPARTMENT:
        return Scope(reach, actor.organisation_id, department_id=actor.department_id)
    if reach is Reach.OWN:
        return Scope(reach, actor.organisation_id, user_id=actor.id)
    return Scope(reach, actor.organisation_id, department_id=department_id)


def ward_scope(session: Session, *, organisation_id: int, department_code: str | None = None) -> Scope:
    """The whole ward's figures, or one department's by its code, for the command line (run by the system).

    Raises NotFoundError for an unknown code.
    """
    if not department_code:
        return Scope(Reach.WARD, organisation_id)
    found = session.execute(select(Department.id).where(
        Department.organisation_id == organisation_id, Department.code == department_code)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(N_("No department has the code %(code)s."), code=department_code)
    return Scope(Reach.WARD, organisation_id, department_id=found)


def departments_of(session: Session, scope: Scope) -> list[tuple[int, str, str]]:
    """(id, code, name) of the departments a per-department table lists: the ward's active ones, or the one."""
    query = select(Department.id, Department.code, Department.name).where(
        Department.organisation_id == scope.organisation_id)
    if scope.department_id is not None:
        query = query.where(Department.id == scope.department_id)
    else:
        query = query.where(Department.is_active.is_(True))
    # In Vietnamese order (Địa chính between Dân vận and Giáo dục), whatever the database's collation.
    return sorted(((i, c, n) for i, c, n in session.execute(query)), key=lambda d: (fold(d[2]), d[2]))

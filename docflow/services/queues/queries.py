"""The queues' SQL: one query per page plus one capped count. A queue holds only the actor's own work
(assignments and routing steps addressed to the actor, or to the department the actor heads), so a user
never sees another user's queue; asking for a queue the role does not have is refused.
"""

from __future__ import annotations

import math
from typing import Any, Unpack

from sqlalchemy import ARRAY, ColumnElement, Integer, Select, and_, any_, bindparam, case, func, literal, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, Session, contains_eager, joinedload, undefer
from sqlalchemy.sql.functions import FunctionElement

from docflow.models import Document, DocumentKind, DocumentStatus, Role, Urgency, User
from docflow.models.routing import (
    ACTIVE_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    RoutingStep,
    StepKind,
    StepStatus,
)
from docflow.services.documents import COUNT_LIMIT
from docflow.services.queues.catalogue import (
    PAGE_SIZE,
    PREVIEW_SIZE,
    Day,
    QueueItem,
    QueueName,
    QueuePage,
    queues_for,
    require,
)

FINISHED = (DocumentStatus.COMPLETED, DocumentStatus.ISSUED, DocumentStatus.RECALLED, DocumentStatus.REPLACED)
# the same set named positively, so an index on status can answer it (NOT IN cannot)
UNFINISHED = tuple(s for s in DocumentStatus if s not in FINISHED)
SENT_KINDS = (DocumentKind.OUTGOING, DocumentKind.INTERNAL)   # what a user drafts; incoming is registered
DOCUMENT_QUEUES = (QueueName.DIRECT, QueueName.FOLLOW)
ASSIGNMENT_QUEUES = (QueueName.HANDLE, QueueName.OVERDUE, QueueName.INFO)
AnySelect = Select[Unpack[tuple[Any, ...]]]


def _urgency_rank(urgency: Any) -> Any:
    return case({Urgency.EXPRESS: 0, Urgency.VERY_URGENT: 1, Urgency.URGENT: 2}, value=urgency, else_=3)


_URGENCY_ORDER = _urgency_rank(Document.urgency)


class _NotForIndexes(FunctionElement[Any]):
    """A column the SQLite planner must not choose an index by (unary "+col", which keeps the value);
    other databases see the column.

    Every document of a ward has the same organisation, and most documents are unfinished: SQLite would
    otherwise walk the whole ward's documents by either instead of the queue's own index. PostgreSQL's
    statistics know better, and hiding the column there hid the real selectivity (a 200-row estimate for
    42,000 rows: a parallel full scan per page).
    """
    inherit_cache = True
    name = "not_for_indexes"

    def __init__(self, column: QueryableAttribute[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(_NotForIndexes)
def _plain(element: _NotForIndexes, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(_NotForIndexes, "sqlite")
def _sqlite_unary_plus(element: _NotForIndexes, compiler: Any, **kw: Any) -> str:
    return f"(+{compiler.process(element.clauses, **kw)})"


def _in_org(actor: User) -> ColumnElement[bool]:
    return _NotForIndexes(Document.organisation_id) == actor.organisation_id


def _mine(actor: User) -> ColumnElement[bool]:
    """Open assignments addressed to the actor, or to the department the actor heads while no handler is named
    in it (who may act on an assignment, as incoming.can_act says)."""
    own = and_(Assignment.assignee_id == actor.id, Assignment.status.in_(ACTIVE_ASSIGNMENT_STATUSES))
    if actor.role is not Role.HEAD or actor.department_id is None:
        return own
    # Two index walks (assignee, department) joined by id: an OR of the two made SQLite read every open
    # assignment of the ward through the status index.
    ids = union_all(
        select(Assignment.id).where(own),
        select(Assignment.id).where(Assignment.department_id == actor.department_id,
                                    Assignment.status.in_(ACTIVE_ASSIGNMENT_STATUSES), Assignment.assignee_id.is_(None)))
    return Assignment.id.in_(ids)


def _assignments(actor: User, *extra: ColumnElement[bool]) -> Select[Any]:
    return (select(Assignment).join(Assignment.document)
            .where(_mine(actor), _in_org(actor), *extra))


def _steps(actor: User, kind: StepKind) -> Select[Any]:
    whose: ColumnElement[bool] = RoutingStep.assignee_id == actor.id
    if kind is StepKind.ISSUE:
        # An issue step is for the ward's clerks: unnamed (any clerk) or named for this one.
        whose = or_(RoutingStep.assignee_id.is_(None), whose)
    return (select(RoutingStep).join(RoutingStep.document)
            .where(RoutingStep.kind == kind, RoutingStep.status == StepStatus.ACTIVE, whose, _in_org(actor)))


def _documents(session: Session, actor: User, name: QueueName) -> AnySelect:
    """The keys of a document queue (id, urgency, deadline): narrow rows to count, sort and page; the page's
    documents are read by id afterwards (a sort of whole document rows spilled to disk on PostgreSQL)."""
    keys = (Document.id, Document.urgency, Document.handling_deadline.label("deadline"))
    if name is QueueName.DIRECT:
        # Only what the clerk registered (with its số đến) waits for a direction (Decree 30, Art. 22.1).
        return select(*keys).where(Document.status == DocumentStatus.REGISTERED,
                                   Document.kind == DocumentKind.INCOMING, Document.register_number.is_not(None),
                                   _in_org(actor))
    # What I sent: my drafts and memos (a clerk registering an incoming letter did not send it), and what I
    # directed or passed on while any of it is still open (a forwarded share is followed by its new holder).
    # The directed ids are read first (an index-only scan of open work, a few thousand at most), so that
    # both halves are index lookups joined by OR: as a join or "IN (subquery)", PostgreSQL hashed the
    # ward's every unfinished document to find a leader's few hundred.
    directed = list(session.execute(
        select(Assignment.document_id).where(Assignment.assigned_by_id == actor.id,
                                             Assignment.status.in_((*ACTIVE_ASSIGNMENT_STATUSES, AssignmentStatus.FORWARDED)))
        .distinct()).scalars())
    followed: ColumnElement[bool] = and_(Document.created_by_id == actor.id, Document.kind.in_(SENT_KINDS))
    if directed and session.get_bind().dialect.name == "postgresql":
        # one array parameter: a thousand "IN" parameters cost psycopg and SQLAlchemy ~10 ms to render
        followed = or_(followed, Document.id == any_(bindparam("directed", directed, type_=ARRAY(Integer))))
    elif directed:
        followed = or_(followed, Document.id.in_(directed))
    return select(*keys).where(followed, _NotForIndexes(Document.status).in_(UNFINISHED), _in_org(actor))


def _base(session: Session, actor: User, name: QueueName, day: Day) -> AnySelect:
    # "Để biết" asks nothing of its holder: it has its own queue, not a place among the work to handle.
    if name is QueueName.HANDLE:
        return _assignments(actor, Assignment.role != AssignmentRole.INFO)
    if name is QueueName.INFO:
        return _assignments(actor, Assignment.role == AssignmentRole.INFO)
    if name is QueueName.OVERDUE:
        return _assignments(actor, Assignment.role != AssignmentRole.INFO,
                            Assignment.deadline <= day.calendar.overdue_cutoff(day.today))
    if name is QueueName.REVIEW:
        return _steps(actor, StepKind.REVIEW)
    if name is QueueName.SIGN:
        return _steps(actor, StepKind.SIGN)
    if name is QueueName.ISSUE:
        return _steps(actor, StepKind.ISSUE)
    return _documents(session, actor, name)


def _ordered(stmt: Select[Any], name: QueueName) -> Select[Any]:
    if name in ASSIGNMENT_QUEUES:
        return (stmt.options(contains_eager(Assignment.document).joinedload(Document.department),
                             joinedload(Assignment.assigned_by), joinedload(Assignment.department))
                .order_by(_URGENCY_ORDER, Assignment.deadline.asc().nulls_last(), Assignment.id))
    return (stmt.options(contains_eager(RoutingStep.document).joinedload(Document.department),
                         contains_eager(RoutingStep.document).joinedload(Document.created_by),
                         contains_eager(RoutingStep.document).undefer(Document.handling_deadline))
            .order_by(_URGENCY_ORDER, Document.handling_deadline.asc().nulls_last(), RoutingStep.id))


def _page(base: AnySelect, name: QueueName, *, limit: int, offset: int = 0) -> Select[Any]:
    """One page of a queue (``base``: what _base made of it), in its order: urgent first, then by deadline
    (none last)."""
    if name not in DOCUMENT_QUEUES:
        return _ordered(base, name).limit(limit).offset(offset)
    keys = base.subquery()
    ids = (select(keys.c.id).order_by(_urgency_rank(keys.c.urgency), keys.c.deadline.asc().nulls_last(),
                                      keys.c.id.desc()).limit(limit).offset(offset))
    return (select(Document).where(Document.id.in_(ids))
            .options(joinedload(Document.department), undefer(Document.handling_deadline))
            .order_by(_URGENCY_ORDER, Document.handling_deadline.asc().nulls_last(), Document.id.desc()))


def _item(row: Any, day: Day) -> QueueItem:
    if isinstance(row, Assignment):
        return QueueItem(document=row.document, state=day.state(row.deadline), assignment=row)
    if isinstance(row, RoutingStep):
        return QueueItem(document=row.document, state=day.state(row.document.handling_deadline), step=row)
    return QueueItem(document=row, state=day.state(row.handling_deadline))


def _counted(stmt: Select[Any]) -> Any:
    """A capped count: "more than 10,000" tells a clerk as much as the exact figure, for far less work."""
    return select(func.count()).select_from(stmt.with_only_columns(literal(1), maintain_column_froms=True).limit(COUNT_LIMIT + 1).subquery())


def count_queue(session: Session, *, actor: User, name: QueueName, day: Day) -> int:
    """How many items ``name`` holds for ``actor`` (capped at COUNT_LIMIT + 1). Raises PermissionDeniedError."""
    require(actor, name)
    return int(session.execute(_counted(_base(session, actor, name, day))).scalar_one())


def count_queues(session: Session, *, actor: User, day: Day) -> dict[QueueName, int]:
    """Every queue of the actor's role with its count, in one query (after the ids of what the actor directed)."""
    names = queues_for(actor)
    if not names:
        return {}
    row = session.execute(select(*[_counted(_base(session, actor, n, day)).scalar_subquery() for n in names])).one()
    return {name: int(value) for name, value in zip(names, row, strict=True)}


def list_queue(session: Session, *, actor: User, name: QueueName, day: Day, page: int = 1,
               page_size: int = PAGE_SIZE) -> QueuePage:
    """One page of ``actor``'s queue ``name``, urgent first, then by deadline (none last).
    Two queries: the capped count and the page. Raises PermissionDeniedError for a queue not of the role."""
    require(actor, name)
    base = _base(session, actor, name, day)
    total = int(session.execute(_counted(base)).scalar_one())
    pages = max(1, math.ceil(min(total, COUNT_LIMIT) / page_size))
    page = max(1, min(page, pages))
    stmt = _page(base, name, limit=page_size, offset=(page - 1) * page_size)
    items = [_item(row, day) for row in session.execute(stmt).unique().scalars()]
    return QueuePage(name=name, items=items, total=min(total, COUNT_LIMIT), page=page, page_size=page_size,
                     more=total > COUNT_LIMIT)


def preview_queue(session: Session, *, actor: User, name: QueueName, day: Day,
                  size: int = PREVIEW_SIZE) -> list[QueueItem]:
    """The first few items of a queue, for the home page (one query, no count)."""
    require(actor, name)
    stmt = _page(_base(session, actor, name, day), name, limit=size)
    return [_item(row, day) for row in session.execute(stmt).unique().scalars()]

"""Issue 13 (the working day): the deadline a direction set is the document's deadline on every list, "để
biết" is kept apart from the work to handle, and a notice whose request has been met is marked done."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import event, select

from docflow.models import AssignmentStatus, Document, DocumentKind
from docflow.models.routing import ACTIVE_ASSIGNMENT_STATUSES, Notification
from docflow.services import incoming, queues
from docflow.services.documents import DocumentFilters, list_documents
from docflow.services.incoming.common import ASK_HANDLE, ASK_READ
from docflow.services.queues import Day, QueueName
from tests.services.incoming.test_incoming import NOW, _data, directed, register, settings, ward  # noqa: F401  (fixtures)

DAY = Day(date(2026, 3, 10))


def _listed(db_session, actor, **filters):
    return list_documents(db_session, actor=actor, filters=DocumentFilters(**filters), page=1, page_size=50).items


def test_the_open_assignments_model_statuses_match_the_deadline_subquery():
    from docflow.models.documents import _OPEN_ASSIGNMENTS
    assert set(_OPEN_ASSIGNMENTS) == {s.value for s in ACTIVE_ASSIGNMENT_STATUSES}


def test_a_directed_document_lists_the_earliest_open_assignment_deadline(db_session, ward, directed):
    d = directed()
    assert d.document.deadline is None
    [row] = [doc for doc in _listed(db_session, ward.leader) if doc.id == d.document.id]
    assert row.handling_deadline == date(2026, 3, 20) == min(d.lead.deadline, d.co.deadline)
    # The co-handler finishes: the lead's deadline is the one left.
    d.co.status = AssignmentStatus.COMPLETED
    db_session.flush()
    db_session.expire_all()
    [row] = [doc for doc in _listed(db_session, ward.leader) if doc.id == d.document.id]
    assert row.handling_deadline == d.lead.deadline > date(2026, 3, 20)


def test_without_an_open_assignment_the_documents_own_deadline_is_shown(db_session, ward, register):
    document = register().document
    document.deadline = date(2026, 4, 1)
    db_session.flush()
    db_session.expire_all()
    assert db_session.get(Document, document.id).handling_deadline == date(2026, 4, 1)


def test_sorting_the_documents_by_deadline_uses_the_directions_deadline(db_session, ward, directed, register):
    later = register(_data(number_symbol="7/UBND-VP")).document
    later.deadline = date(2026, 3, 18)   # its own deadline, before the directed one's lead but after the co's
    d = directed()
    db_session.flush()
    order = [doc.id for doc in _listed(db_session, ward.leader, kind=DocumentKind.INCOMING, sort="deadline",
                                       descending=False)]
    assert order.index(later.id) < order.index(d.document.id)
    d.co.deadline = date(2026, 3, 17)
    db_session.flush()
    order = [doc.id for doc in _listed(db_session, ward.leader, kind=DocumentKind.INCOMING, sort="deadline",
                                       descending=False)]
    assert order.index(d.document.id) < order.index(later.id)


def test_a_list_reads_the_deadlines_of_its_page_in_one_query(app, db_session, ward, register, directed):
    for i in range(2):
        directed(number_symbol=f"{i}/STNMT")
    statements: list[str] = []
    engine = db_session.get_bind().engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        db_session.expire_all()
        few = _listed(db_session, ward.leader)
        first = len(statements)
        assert all(doc.handling_deadline for doc in few)
        assert len(statements) == first       # no query per row
        for i in range(2, 6):
            directed(number_symbol=f"{i}/STNMT")
        db_session.expire_all()
        statements.clear()
        many = _listed(db_session, ward.leader)
        assert len(many) > len(few) and all(doc.handling_deadline for doc in many)
        assert len(statements) == first
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_follow_queue_shows_the_directions_deadline(db_session, ward, directed):
    d = directed()
    page = queues.list_queue(db_session, actor=ward.leader, name=QueueName.FOLLOW, day=DAY)
    [item] = [i for i in page.items if i.document.id == d.document.id]
    assert item.deadline == date(2026, 3, 20)


def test_for_information_is_its_own_queue_not_work_to_handle(db_session, ward, directed):
    d = directed()
    handle = queues.list_queue(db_session, actor=ward.vice, name=QueueName.HANDLE, day=DAY)
    info = queues.list_queue(db_session, actor=ward.vice, name=QueueName.INFO, day=DAY)
    assert handle.items == []
    assert [i.assignment.id for i in info.items] == [d.info.id]
    counts = queues.count_queues(db_session, actor=ward.vice, day=DAY)
    assert counts[QueueName.HANDLE] == 0 and counts[QueueName.INFO] == 1
    # The notice says so too: nothing to handle.
    [notice] = db_session.execute(select(Notification).where(Notification.user_id == ward.vice.id,
                                                             Notification.document_id == d.document.id)).scalars()
    assert notice.message == ASK_READ
    lead_notices = db_session.execute(select(Notification.message).where(
        Notification.user_id == ward.head_dc.id, Notification.document_id == d.document.id)).scalars().all()
    assert lead_notices == [ASK_HANDLE]


def _notices(db_session, user, document):
    db_session.expire_all()
    return db_session.execute(select(Notification).where(Notification.user_id == user.id,
                                                         Notification.document_id == document.id)
                              .order_by(Notification.id)).scalars().all()


def test_a_handlers_notice_is_done_once_the_handler_finished_and_the_rest_once_the_document_completed(
        db_session, ward, directed, settings):
    d = directed()
    incoming.complete_assignment(db_session, actor=ward.head_tp, assignment_id=d.co.id, result="Đã góp ý",
                                 settings=settings, now=NOW + timedelta(hours=1))
    [co_notice] = _notices(db_session, ward.head_tp, d.document)
    assert co_notice.done_at is not None and co_notice.read_at is not None
    [lead_notice] = _notices(db_session, ward.head_dc, d.document)
    assert lead_notice.done_at is None and lead_notice.read_at is None    # the lead has not finished
    incoming.complete_assignment(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                 result="Đã rà soát xong", settings=settings, now=NOW + timedelta(hours=2))
    [ask] = _notices(db_session, ward.leader, d.document)
    assert ask.done_at is None                                             # the leader is asked to accept
    pending = incoming.pending_proposal(db_session, d.document.id)
    incoming.accept_completion(db_session, actor=ward.leader, proposal_id=pending.id, settings=settings,
                               now=NOW + timedelta(hours=3))
    assert all(n.done_at is not None for n in _notices(db_session, ward.leader, d.document))
    assert all(n.done_at is not None for n in _notices(db_session, ward.head_dc, d.document)
               if n.message == ASK_HANDLE)

"""Work queues per role: contents, order and counts, from assignments and routing steps made directly."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from docflow.errors import PermissionDeniedError
from docflow.models import DocumentKind, DocumentStatus, Role, Urgency
from docflow.models.routing import (Assignment, AssignmentRole, AssignmentStatus, RoutingStep, StepKind,
                                    StepStatus)
from docflow.services import queues
from docflow.services.calendar import DeadlineState, WorkingCalendar
from docflow.services.queues import Day, QueueName

TODAY = date(2026, 11, 27)  # a Friday
DAY = Day(TODAY)


@pytest.fixture
def assign(db_session):
    def make(document, *, by, to=None, department=None, deadline=None, status=AssignmentStatus.OPEN,
             role=AssignmentRole.LEAD):
        a = Assignment(document_id=document.id, assignee_id=to.id if to else None,
                       department_id=department.id if department else None, role=role, deadline=deadline,
                       status=status, assigned_by_id=by.id)
        db_session.add(a)
        db_session.flush()
        return a
    return make


@pytest.fixture
def step(db_session):
    positions: dict[int, int] = {}

    def make(document, kind, assignee=None, status=StepStatus.ACTIVE):
        positions[document.id] = positions.get(document.id, 0) + 1
        s = RoutingStep(document_id=document.id, position=positions[document.id], kind=kind,
                        assignee_id=assignee.id if assignee else None, status=status)
        db_session.add(s)
        db_session.flush()
        return s
    return make


@pytest.fixture
def ward(make_user, make_department):
    dept, other = make_department("Địa chính", "DC"), make_department("Văn hóa", "VH")
    return {
        "dept": dept, "other": other,
        "leader": make_user(Role.LEADER), "head": make_user(Role.HEAD, department=dept),
        "other_head": make_user(Role.HEAD, department=other),
        "official": make_user(Role.OFFICIAL, department=dept), "colleague": make_user(Role.OFFICIAL, department=dept),
        "clerk": make_user(Role.CLERK), "auditor": make_user(Role.AUDITOR),
    }


def ids(page):
    return [item.document.id for item in page.items]


def listed(db_session, actor, name):
    return queues.list_queue(db_session, actor=actor, name=name, day=DAY)


def test_to_handle_holds_my_open_assignments_urgent_first_then_by_deadline(db_session, ward, make_document,
                                                                          assign):
    w = ward
    docs = {key: make_document(w["clerk"], department=w["dept"], urgency=urgency) for key, urgency in
            [("late", Urgency.NORMAL), ("soon", Urgency.NORMAL), ("express", Urgency.EXPRESS),
             ("urgent", Urgency.URGENT), ("none", Urgency.NORMAL), ("done", Urgency.EXPRESS)]}
    assign(docs["late"], by=w["leader"], to=w["official"], deadline=TODAY + timedelta(days=9))
    assign(docs["none"], by=w["leader"], to=w["official"])
    assign(docs["soon"], by=w["leader"], to=w["official"], deadline=TODAY + timedelta(days=2),
           status=AssignmentStatus.IN_PROGRESS)
    assign(docs["urgent"], by=w["leader"], to=w["official"], deadline=TODAY + timedelta(days=20))
    assign(docs["express"], by=w["leader"], to=w["official"], deadline=TODAY + timedelta(days=30))
    assign(docs["done"], by=w["leader"], to=w["official"], status=AssignmentStatus.COMPLETED)
    assign(docs["late"], by=w["leader"], to=w["colleague"])

    page = listed(db_session, w["official"], QueueName.HANDLE)

    expected = [docs[k].id for k in ("express", "urgent", "soon", "late", "none")]
    assert ids(page) == expected and page.total == 5
    assert page.items[2].assignment.status is AssignmentStatus.IN_PROGRESS
    assert ids(listed(db_session, w["colleague"], QueueName.HANDLE)) == [docs["late"].id]


def test_a_head_handles_assignments_to_his_department_until_a_handler_is_named(db_session, ward, make_document,
                                                                                assign):
    w = ward
    doc = make_document(w["clerk"], department=w["dept"])
    parent = assign(doc, by=w["leader"], department=w["dept"], deadline=TODAY + timedelta(days=5))
    child = assign(doc, by=w["head"], department=w["dept"], to=w["official"])
    child.parent_id = parent.id
    handle = listed(db_session, w["head"], QueueName.HANDLE)
    assert [item.assignment.id for item in handle.items] == [parent.id]
    assert listed(db_session, w["other_head"], QueueName.HANDLE).items == []
    # an official does not take the department's share, only his own
    assert [item.assignment.id for item in listed(db_session, w["official"], QueueName.HANDLE).items] == [child.id]


def test_overdue_holds_only_open_assignments_past_their_deadline(db_session, ward, make_document, assign):
    w = ward
    late, due_today, closed = (make_document(w["clerk"], department=w["dept"]) for _ in range(3))
    assign(late, by=w["leader"], to=w["official"], deadline=TODAY - timedelta(days=1))
    assign(due_today, by=w["leader"], to=w["official"], deadline=TODAY)
    assign(closed, by=w["leader"], to=w["official"], deadline=TODAY - timedelta(days=3),
           status=AssignmentStatus.COMPLETED)
    page = listed(db_session, w["official"], QueueName.OVERDUE)
    assert ids(page) == [late.id]
    assert queues.count_queue(db_session, actor=w["official"], name=QueueName.OVERDUE, day=DAY) == 1


def test_review_and_sign_queues_hold_only_active_steps_of_the_actor(db_session, ward, make_document, step):
    w = ward
    draft, waiting, other = (make_document(w["official"], kind=DocumentKind.OUTGOING, department=w["dept"])
                             for _ in range(3))
    step(draft, StepKind.REVIEW, w["head"], status=StepStatus.APPROVED)
    sign = step(draft, StepKind.SIGN, w["leader"])
    step(waiting, StepKind.REVIEW, w["head"])
    step(waiting, StepKind.SIGN, w["leader"], status=StepStatus.WAITING)
    step(other, StepKind.REVIEW, w["other_head"])

    assert [i.step.id for i in listed(db_session, w["leader"], QueueName.SIGN).items] == [sign.id]
    assert ids(listed(db_session, w["head"], QueueName.REVIEW)) == [waiting.id]
    assert ids(listed(db_session, w["other_head"], QueueName.REVIEW)) == [other.id]
    assert listed(db_session, w["official"], QueueName.REVIEW).items == []


def test_the_issue_queue_is_for_clerks_and_holds_active_issue_steps(db_session, ward, make_document, step):
    w = ward
    signed, unsigned = (make_document(w["official"], kind=DocumentKind.OUTGOING) for _ in range(2))
    step(signed, StepKind.SIGN, w["leader"], status=StepStatus.DONE)
    step(signed, StepKind.ISSUE)
    step(unsigned, StepKind.SIGN, w["leader"])
    step(unsigned, StepKind.ISSUE, status=StepStatus.WAITING)
    assert ids(listed(db_session, w["clerk"], QueueName.ISSUE)) == [signed.id]
    with pytest.raises(PermissionDeniedError):
        listed(db_session, w["official"], QueueName.ISSUE)


def test_queues_a_role_does_not_have_are_refused(db_session, ward):
    for actor, name in [(ward["official"], QueueName.SIGN), (ward["head"], QueueName.DIRECT),
                        (ward["auditor"], QueueName.HANDLE), (ward["clerk"], QueueName.REVIEW)]:
        with pytest.raises(PermissionDeniedError):
            listed(db_session, actor, name)
    assert queues.count_queues(db_session, actor=ward["auditor"], day=DAY) == {}


def test_sent_and_followed_holds_what_i_drafted_or_directed_until_finished(db_session, ward, make_document,
                                                                          assign):
    w = ward
    draft = make_document(w["official"], kind=DocumentKind.OUTGOING, department=w["dept"])
    issued = make_document(w["official"], kind=DocumentKind.OUTGOING, department=w["dept"])
    issued.status = DocumentStatus.ISSUED
    directed = make_document(w["clerk"], department=w["dept"])
    assign(directed, by=w["leader"], department=w["dept"])
    assign(directed, by=w["leader"], department=w["other"], role=AssignmentRole.CO)
    db_session.flush()
    assert ids(listed(db_session, w["official"], QueueName.FOLLOW)) == [draft.id]
    leader_page = listed(db_session, w["leader"], QueueName.FOLLOW)
    assert ids(leader_page) == [directed.id] and leader_page.total == 1
    # registering an incoming letter is not sending it: the clerk does not follow every letter she registers
    assert listed(db_session, w["clerk"], QueueName.FOLLOW).items == []


def test_sent_and_followed_lists_a_memo_i_drafted_and_directed_once_urgent_first(db_session, ward, make_document,
                                                                                  assign):
    w = ward
    memo = make_document(w["head"], kind=DocumentKind.INTERNAL, department=w["dept"])
    assign(memo, by=w["head"], to=w["official"])
    assign(memo, by=w["head"], department=w["other"], role=AssignmentRole.CO, status=AssignmentStatus.FORWARDED)
    letter = make_document(w["clerk"], department=w["dept"])
    letter.urgency = Urgency.VERY_URGENT
    assign(letter, by=w["head"], to=w["official"])
    done = make_document(w["clerk"], department=w["dept"])
    assign(done, by=w["head"], to=w["official"], status=AssignmentStatus.COMPLETED)
    db_session.flush()

    page = listed(db_session, w["head"], QueueName.FOLLOW)

    assert ids(page) == [letter.id, memo.id] and page.total == 2
    assert queues.count_queues(db_session, actor=w["head"], day=DAY)[QueueName.FOLLOW] == 2


def test_the_leader_directs_registered_incoming_documents(db_session, ward, make_document):
    registered = make_document(ward["clerk"])
    assert registered.status is DocumentStatus.REGISTERED
    in_progress = make_document(ward["clerk"])
    in_progress.status = DocumentStatus.IN_PROGRESS
    db_session.flush()
    assert registered.id in ids(listed(db_session, ward["leader"], QueueName.DIRECT))
    assert in_progress.id not in ids(listed(db_session, ward["leader"], QueueName.DIRECT))


def test_counts_for_every_queue_of_a_role_come_in_one_call(db_session, ward, make_document, assign, step):
    w = ward
    doc = make_document(w["clerk"], department=w["dept"])
    assign(doc, by=w["leader"], department=w["dept"], deadline=TODAY - timedelta(days=2))
    draft = make_document(w["official"], kind=DocumentKind.OUTGOING, department=w["dept"])
    step(draft, StepKind.REVIEW, w["head"])
    counts = queues.count_queues(db_session, actor=w["head"], day=DAY)
    assert counts == {QueueName.HANDLE: 1, QueueName.REVIEW: 1, QueueName.OVERDUE: 1, QueueName.FOLLOW: 0,
                      QueueName.INFO: 0}


def test_pages_are_bounded_and_clamped(db_session, ward, make_document, assign):
    w = ward
    docs = [make_document(w["clerk"], department=w["dept"]) for _ in range(5)]
    for n, doc in enumerate(docs):
        assign(doc, by=w["leader"], to=w["official"], deadline=TODAY + timedelta(days=n))
    second = queues.list_queue(db_session, actor=w["official"], name=QueueName.HANDLE, day=DAY, page=2,
                               page_size=2)
    assert ids(second) == [docs[2].id, docs[3].id] and second.pages == 3 and second.total == 5
    beyond = queues.list_queue(db_session, actor=w["official"], name=QueueName.HANDLE, day=DAY, page=99,
                               page_size=2)
    assert beyond.page == 3 and ids(beyond) == [docs[4].id]


def test_documents_of_another_ward_never_enter_a_queue(db_session, ward, make_document, assign):
    from docflow.models import Organisation, User
    doc = make_document(ward["clerk"], department=ward["dept"])
    assign(doc, by=ward["leader"], to=ward["official"])
    other_org = Organisation(name="UBND phường Khác", code="KHAC")
    db_session.add(other_org)
    db_session.flush()
    doc.organisation_id = other_org.id
    db_session.flush()
    assert isinstance(ward["official"], User)
    assert listed(db_session, ward["official"], QueueName.HANDLE).items == []


def test_overdue_follows_the_working_calendar(db_session, ward, make_document, assign):
    w = ward
    saturday, friday = (make_document(w["clerk"], department=w["dept"]) for _ in range(2))
    assign(saturday, by=w["leader"], to=w["official"], deadline=date(2026, 11, 28))
    assign(friday, by=w["leader"], to=w["official"], deadline=date(2026, 11, 27))
    monday = Day(date(2026, 11, 30))
    # a deadline on a Saturday ends on Monday: not overdue on Monday; Friday's is
    assert ids(queues.list_queue(db_session, actor=w["official"], name=QueueName.OVERDUE, day=monday)) == [friday.id]
    on_holiday = make_document(w["clerk"], department=w["dept"])
    assign(on_holiday, by=w["leader"], to=w["official"], deadline=date(2026, 11, 30))
    tuesday = date(2026, 12, 1)
    overdue_tuesday = queues.list_queue(db_session, actor=w["official"], name=QueueName.OVERDUE, day=Day(tuesday))
    assert on_holiday.id in ids(overdue_tuesday)
    holiday = Day(tuesday, calendar=WorkingCalendar(days_off=frozenset({date(2026, 11, 30)})))
    # Monday a holiday: a deadline on it ends on Tuesday, still on time
    assert on_holiday.id not in ids(queues.list_queue(db_session, actor=w["official"], name=QueueName.OVERDUE,
                                                      day=holiday))
    states = {i.document.id: i.state for i in queues.list_queue(db_session, actor=w["official"],
                                                                 name=QueueName.HANDLE, day=DAY).items}
    assert states == {friday.id: DeadlineState.AT_RISK, saturday.id: DeadlineState.AT_RISK,
                      on_holiday.id: DeadlineState.AT_RISK}


def test_the_home_page_previews_the_first_three_queues_with_work_and_counts_every_one(db_session, ward,
                                                                                       make_document, assign, step):
    from docflow.services.queues import home
    w = ward
    incoming = make_document(w["clerk"], department=w["dept"])              # to direct
    assign(incoming, by=w["leader"], to=w["leader"], deadline=TODAY - timedelta(days=3))  # to handle + overdue
    draft = make_document(w["official"], kind=DocumentKind.OUTGOING)
    step(draft, StepKind.SIGN, w["leader"])                                   # to sign
    cards = home.cards_for(db_session, actor=w["leader"], day=DAY)
    summary = {c.name: (c.count, len(c.items)) for c in cards}
    assert [c.name for c in cards] == list(queues.queues_for(w["leader"]))
    assert summary[QueueName.SIGN] == (1, 1) and summary[QueueName.DIRECT][1] == 1
    assert summary[QueueName.REVIEW] == (0, 0)
    assert summary[QueueName.HANDLE] == (1, 1)
    assert summary[QueueName.OVERDUE] == (1, 0)   # counted, not previewed: three previews at most


def test_a_draft_moves_through_the_queues_as_the_outgoing_route_runs(db_session, store, make_user, make_department):
    import io

    from docflow.services import outgoing
    from docflow.services.documents import UploadedFile
    from tests.conftest import pdf_bytes
    office, land = make_department("Văn phòng", "VP"), make_department("Địa chính", "ĐC")
    drafter = make_user(Role.OFFICIAL, department=land)
    land_head, office_head = make_user(Role.HEAD, department=land), make_user(Role.HEAD, department=office)
    vice = make_user(Role.LEADER)
    vice.post, office_head.post = "Phó Chủ tịch", "Chánh Văn phòng"
    data = outgoing.DraftInput(doc_type="quyet_dinh", summary="Về việc thành lập tổ công tác", signer_id=vice.id,
                               recipient_department_ids=[], external_recipients=["Sở Tư pháp"])
    draft = outgoing.create_draft(db_session, actor=drafter, data=data, store=store, max_bytes=10 ** 7, settings=None,
                                  upload=UploadedFile(io.BytesIO(pdf_bytes()), "du-thao.pdf"))
    assert ids(listed(db_session, drafter, QueueName.FOLLOW)) == [draft.id]
    outgoing.start_route(db_session, actor=drafter, document_id=draft.id, store=store)
    for reviewer in (land_head, office_head):
        assert ids(listed(db_session, reviewer, QueueName.REVIEW)) == [draft.id]
        assert listed(db_session, vice, QueueName.SIGN).items == []
        outgoing.approve_step(db_session, actor=reviewer, document_id=draft.id,
                              step_id=outgoing.active_step(db_session, draft.id).id)
        assert listed(db_session, reviewer, QueueName.REVIEW).items == []
    assert ids(listed(db_session, vice, QueueName.SIGN)) == [draft.id]


def test_an_incoming_letter_moves_through_the_queues_as_it_is_directed_and_assigned(app, db_session, ward,
                                                                                    make_document):
    from docflow.services import incoming
    settings = app.extensions["docflow.settings"]
    w = ward
    letter = make_document(w["clerk"])
    assert ids(listed(db_session, w["leader"], QueueName.DIRECT)) == [letter.id]
    soon = date.today() + timedelta(days=30)
    [lead] = incoming.direct_document(db_session, actor=w["leader"], document_id=letter.id, settings=settings,
                                      direction=incoming.Direction(targets=(incoming.Target(
                                          AssignmentRole.LEAD, department_id=w["dept"].id, deadline=soon),)))
    assert listed(db_session, w["leader"], QueueName.DIRECT).items == []
    assert ids(listed(db_session, w["leader"], QueueName.FOLLOW)) == [letter.id]
    assert [i.assignment.id for i in listed(db_session, w["head"], QueueName.HANDLE).items] == [lead.id]
    assert listed(db_session, w["official"], QueueName.HANDLE).items == []
    child = incoming.assign_handler(db_session, actor=w["head"], assignment_id=lead.id, handler_id=w["official"].id,
                                    settings=settings)
    assert [i.assignment.id for i in listed(db_session, w["official"], QueueName.HANDLE).items] == [child.id]
    assert ids(listed(db_session, w["head"], QueueName.FOLLOW)) == [letter.id]
    incoming.complete_assignment(db_session, actor=w["official"], assignment_id=child.id, result="Đã xử lý",
                                 settings=settings)
    # the lead's "complete" proposes; the work leaves the queues when the head accepts it (R43)
    incoming.accept_completion(db_session, actor=w["head"], settings=settings,
                               proposal_id=incoming.pending_proposal(db_session, letter.id).id)
    assert listed(db_session, w["official"], QueueName.HANDLE).items == []

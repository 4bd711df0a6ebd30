"""Incoming documents and internal memos: registration, direction, assignment inside a department, opinions,
forwarding, replies, completion, the timeline and the lists; every transition and every refusal."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.errors import ConflictError, InvalidTransitionError, PermissionDeniedError, ValidationError
from docflow.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    AuditEvent,
    Confidentiality,
    Document,
    DocumentKind,
    DocumentStatus,
    Notification,
    Opinion,
    Register,
    RegisterKind,
    Role,
    Urgency,
    User,
)
from docflow.services import audit, incoming
from docflow.services.people import access_changes
from docflow.services.audit import AuditAction
from docflow.services.calendar import WorkingCalendar
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.services.incoming import Direction, DuplicateIncomingError, Target
from tests.conftest import is_postgres, pdf_bytes
from tests.racing import label, race

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)      # Tuesday 10 March 2026, 09:00 in Hà Nội
TODAY = date(2026, 3, 10)
ISSUER = "Sở Tài nguyên và Môi trường tỉnh Bắc Ninh"


@pytest.fixture
def settings(app: Any) -> Any:
    return app.extensions["docflow.settings"]


@pytest.fixture
def ward(make_user: Callable[..., User], make_department: Callable[..., Any]) -> SimpleNamespace:
    vp, dc, tp = make_department("Văn phòng", "VP"), make_department("Địa chính", "ĐC"), make_department("Tư pháp", "TP")
    return SimpleNamespace(
        vp=vp, dc=dc, tp=tp,
        clerk=make_user(Role.CLERK, department=vp, full_name="Nguyễn Thị Hoa"),
        leader=make_user(Role.LEADER, full_name="Trần Văn Minh"),
        vice=make_user(Role.LEADER, full_name="Lê Thị Thu Hà"),
        head_dc=make_user(Role.HEAD, department=dc, full_name="Hoàng Văn Nam"),
        handler=make_user(Role.OFFICIAL, department=dc, full_name="Phan Thị Ngọc"),
        handler2=make_user(Role.OFFICIAL, department=dc, full_name="Đinh Văn Sơn"),
        head_tp=make_user(Role.HEAD, department=tp, full_name="Vũ Thị Mai"),
        official_tp=make_user(Role.OFFICIAL, department=tp, full_name="Trịnh Văn Long"),
        official_vp=make_user(Role.OFFICIAL, department=vp, full_name="Đặng Minh Tuấn"),
    )


def _data(number_symbol: str = "123/STNMT-ĐĐ", issuing_body: str = ISSUER, **fields: Any) -> DocumentInput:
    fields.setdefault("summary", "Về việc rà soát hồ sơ đất đai năm 2026")
    return DocumentInput(kind=DocumentKind.INCOMING, doc_type="cong_van", department_id=None,
                         number_symbol=number_symbol, issuing_body=issuing_body, document_date=date(2026, 3, 5),
                         **fields)


@pytest.fixture
def register(db_session: Session, ward: SimpleNamespace, store: Any, settings: Any) -> Callable[..., Any]:
    def do(data: DocumentInput | None = None, *, actor: User | None = None, content: bytes | None = None,
           now: datetime = NOW, **kw: Any) -> incoming.Registration:
        return incoming.register_incoming(
            db_session, actor=actor or ward.clerk, data=data or _data(), store=store, settings=settings, now=now,
            upload=UploadedFile(io.BytesIO(content or pdf_bytes()), "cong-van-den.pdf"), **kw)
    return do


def _direction(ward: SimpleNamespace, **kw: Any) -> Direction:
    return Direction(targets=(Target(AssignmentRole.LEAD, department_id=ward.dc.id),
                              Target(AssignmentRole.CO, department_id=ward.tp.id, deadline=date(2026, 3, 20)),
                              Target(AssignmentRole.INFO, user_id=ward.vice.id)),
                     instruction=kw.pop("instruction", "Giao Địa chính chủ trì, báo cáo trước hạn."), **kw)


@pytest.fixture
def directed(db_session: Session, ward: SimpleNamespace, register: Callable[..., Any], settings: Any
             ) -> Callable[..., SimpleNamespace]:
    """A registered document directed to Địa chính (lead), Tư pháp (co) and the vice-chairman (info)."""
    def do(**data: Any) -> SimpleNamespace:
        document = register(_data(**data)).document
        created = incoming.direct_document(db_session, actor=ward.leader, document_id=document.id,
                                           direction=_direction(ward), settings=settings, now=NOW)
        lead, co, info = created
        return SimpleNamespace(document=document, lead=lead, co=co, info=info)
    return do


def _events(db_session: Session, document: Document, action: str) -> list[AuditEvent]:
    return list(db_session.execute(select(AuditEvent).where(
        AuditEvent.object_type == "document", AuditEvent.object_id == str(document.id),
        AuditEvent.action == action).order_by(AuditEvent.seq)).scalars())


def _register_row(db_session: Session, year: int = 2026) -> Register | None:
    return db_session.execute(select(Register).where(Register.kind == RegisterKind.INCOMING,
                                                     Register.year == year)).scalar_one_or_none()


# -- registration ------------------------------------------------------------------------------------------------


def test_registering_takes_the_next_incoming_number_of_the_year_and_audits_it(db_session, register):
    first = register()
    second = register(_data(number_symbol="45/UBND-VP", issuing_body="UBND quận Thử Nghiệm"))
    assert second.number == first.number + 1
    doc = second.document
    assert doc.kind is DocumentKind.INCOMING and doc.status is DocumentStatus.REGISTERED
    assert doc.register_number == second.number and doc.received_at == NOW
    assert doc.register_id == _register_row(db_session).id and _register_row(db_session).last_number == second.number
    [event] = _events(db_session, doc, "incoming.registered")
    assert event.details["number"] == second.number and event.details["year"] == 2026
    assert incoming.number_label(doc) == f"{second.number:02d}/2026"


def test_only_the_clerk_registers_incoming_documents(db_session, ward, register):
    for someone in (ward.leader, ward.head_dc, ward.handler):
        with pytest.raises(PermissionDeniedError):
            register(actor=someone)
    assert _register_row(db_session) is None or _register_row(db_session).last_number == 0


def test_the_same_number_and_issuer_again_is_a_warning_that_names_the_earlier_entry(db_session, register):
    first = register().document
    before = _register_row(db_session).last_number
    # Case and diacritics do not hide a duplicate.
    with pytest.raises(DuplicateIncomingError) as caught:
        register(_data(number_symbol=" 123/stnmt-đđ ", issuing_body=ISSUER.upper()))
    assert caught.value.earlier_ids == (first.id,)
    assert f"{first.register_number:02d}/2026" in str(caught.value)
    assert _register_row(db_session).last_number == before   # cancelled: nothing taken
    # Another issuer's document with the same number is not a duplicate.
    assert register(_data(issuing_body="UBND quận Thử Nghiệm")).number == before + 1


def test_a_confirmed_duplicate_is_registered_and_remembers_the_earlier_entry(db_session, register):
    first = register().document
    second = register(confirm_duplicate=True)
    assert second.duplicate_of == (first.id,) and second.number == first.register_number + 1
    [event] = _events(db_session, second.document, "incoming.registered")
    assert event.details["duplicate_of"] == [first.id]


def test_registration_checks_dates_and_the_pdf(register):
    # Only a receipt time of its own (received electronically, imported) is checked; see test_r13_* for the rest.
    electronic = incoming.ReceiptSource.ELECTRONIC
    with pytest.raises(ValidationError) as caught:
        register(received_at=datetime(2026, 3, 1, 2, 0, tzinfo=UTC), receipt=electronic)   # before 5 March
    assert caught.value.field == "received_at"
    with pytest.raises(ValidationError):
        register(received_at=NOW + timedelta(days=2), receipt=electronic)
    with pytest.raises(ValidationError):
        register(content=b"not a pdf at all")


def test_an_unsigned_pdf_has_no_report_and_a_signed_one_is_verified_at_once(register, test_pki):
    assert register().report is None
    from tests.signing import attacks
    from tests.testpki import tiny_pdf
    # Signed by another agency, whose CA this ward does not trust: verified, reported, not hidden.
    signed = attacks.sign(tiny_pdf(), test_pki.simple_signer("chutich"))
    registration = register(_data(number_symbol="9/UBND"), content=signed)
    report = registration.report
    assert report is not None and report["sha256"] == registration.document.versions[-1].sha256
    [signature] = report["signatures"]
    assert signature["signer_common_name"] == "Nguyễn Văn An" and signature["intact"] is True
    assert report["valid"] is False and signature["trusted"] is False


# -- direction ---------------------------------------------------------------------------------------------------


def test_a_leader_directs_lead_co_and_information_with_deadlines_grants_and_audit(
        db_session, ward, directed, settings):
    d = directed()
    doc = d.document
    assert doc.status is DocumentStatus.IN_PROGRESS
    default = WorkingCalendar.load(settings).add_working_days(TODAY, settings.workflow.default_deadline_working_days)
    assert (d.lead.role, d.lead.department_id, d.lead.deadline) == (AssignmentRole.LEAD, ward.dc.id, default)
    assert (d.co.role, d.co.deadline) == (AssignmentRole.CO, date(2026, 3, 20))
    assert (d.info.role, d.info.assignee_id, d.info.deadline) == (AssignmentRole.INFO, ward.vice.id, None)
    # The heads of the assigned departments see it; the department's officials not until they are assigned.
    assert policy.can_view(ward.head_dc, doc) and policy.can_view(ward.head_tp, doc)
    assert not policy.can_view(ward.handler, doc)
    [event] = _events(db_session, doc, "document.directed")
    assert [a["assignment_id"] for a in event.details["assignments"]] == [d.lead.id, d.co.id, d.info.id]
    assert "Giao" not in str(event.details)   # the instruction lives in the thread, the log keeps its digest
    directive = db_session.execute(select(Opinion).where(Opinion.document_id == doc.id)).scalar_one()
    assert directive.kind == "directive" and directive.body.startswith("Giao Địa chính")
    assert {n.user_id for n in db_session.execute(select(Notification).where(
        Notification.document_id == doc.id)).scalars()} == {ward.head_dc.id, ward.head_tp.id, ward.vice.id}


def test_a_document_with_its_own_deadline_gives_that_deadline_by_default(directed):
    assert directed(deadline=date(2026, 3, 16)).lead.deadline == date(2026, 3, 16)


def test_only_a_leader_directs_and_only_once(db_session, ward, register, settings):
    document = register().document
    for someone in (ward.head_dc, ward.clerk, ward.handler):
        with pytest.raises(PermissionDeniedError):
            incoming.direct_document(db_session, actor=someone, document_id=document.id,
                                     direction=_direction(ward), settings=settings, now=NOW)
    incoming.direct_document(db_session, actor=ward.leader, document_id=document.id, direction=_direction(ward),
                             settings=settings, now=NOW)
    with pytest.raises(InvalidTransitionError):
        incoming.direct_document(db_session, actor=ward.vice, document_id=document.id,
                                 direction=Direction(targets=(Target(AssignmentRole.LEAD, department_id=ward.tp.id),)),
                                 settings=settings, now=NOW)


def test_a_direction_form_made_before_someone_else_changed_the_document_is_a_conflict(
        db_session, ward, register, settings):
    document = register().document
    with pytest.raises(ConflictError):
        incoming.direct_document(db_session, actor=ward.leader, document_id=document.id, direction=_direction(ward),
                                 settings=settings, now=NOW, expected_row_version=document.row_version + 1)
    assert document.status is DocumentStatus.REGISTERED


@pytest.mark.parametrize("targets,field", [
    ((), "targets"),
    ((("lead", "dc"), ("lead", "tp")), "targets"),
    ((("lead", "dc"), ("co", "dc")), "targets"),
    ((("lead", "headless"),), "targets"),
    ((("lead", "dc", date(2026, 3, 9)),), "deadline"),
    ((("lead", "clerk"),), "targets"),
])
def test_a_direction_needs_one_lead_distinct_assignees_a_head_to_receive_it_and_future_deadlines(
        db_session, ward, register, settings, make_department, targets, field):
    document = register().document
    headless = make_department("Không có trưởng", "KCT")
    made = []
    for role, who, *deadline in targets:
        kind = {"dc": ("d", ward.dc.id), "tp": ("d", ward.tp.id), "headless": ("d", headless.id),
                "clerk": ("u", ward.clerk.id)}[who]
        made.append(Target(AssignmentRole(role), department_id=kind[1] if kind[0] == "d" else None,
                           user_id=kind[1] if kind[0] == "u" else None, deadline=deadline[0] if deadline else None))
    with pytest.raises(ValidationError) as caught:
        incoming.direct_document(db_session, actor=ward.leader, document_id=document.id,
                                 direction=Direction(targets=tuple(made)), settings=settings, now=NOW)
    assert caught.value.field == field
    assert db_session.execute(select(func.count(Assignment.id)).where(
        Assignment.document_id == document.id)).scalar_one() == 0


def test_an_outgoing_document_is_not_directed(db_session, ward, make_document, settings):
    outgoing = make_document(ward.official_vp, kind=DocumentKind.OUTGOING)
    with pytest.raises(InvalidTransitionError):
        incoming.direct_document(db_session, actor=ward.leader, document_id=outgoing.id,
                                 direction=_direction(ward), settings=settings, now=NOW)


def test_directing_a_confidential_document_clears_its_assignees(db_session, ward, directed, settings):
    d = directed(confidentiality=Confidentiality.CONFIDENTIAL)
    assert policy.can_view(ward.head_dc, d.document) and not policy.can_view(ward.handler, d.document)
    incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id, handler_id=ward.handler.id,
                            settings=settings, now=NOW)
    assert policy.can_view(ward.handler, d.document)
    assert not policy.can_view(ward.official_vp, d.document)
    # the clearance is a change of access rights: recorded as given by the head, flagged for a leader
    [cleared] = [e for e in audit.events_for(db_session, object_type="document", object_id=d.document.id)
                 if e.action == AuditAction.DOCUMENT_ACCESS_GRANTED and e.details["user_id"] == ward.handler.id]
    assert cleared.actor_id == ward.head_dc.id
    pending = access_changes.unconfirmed_changes(db_session, actor=ward.leader)
    assert cleared.seq in [c.event.seq for c in pending]


# -- inside the department ---------------------------------------------------------------------------------------


def test_the_head_assigns_a_handler_who_then_sees_the_document(db_session, ward, directed, settings):
    d = directed()
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, instruction="Kiểm tra hiện trạng", settings=settings,
                                    now=NOW)
    assert (child.parent_id, child.assignee_id, child.role, child.deadline) == \
        (d.lead.id, ward.handler.id, AssignmentRole.LEAD, d.lead.deadline)
    assert d.lead.status is AssignmentStatus.IN_PROGRESS
    assert policy.can_view(ward.handler, d.document)
    [event] = _events(db_session, d.document, "assignment.created")
    assert event.details["assignment_id"] == child.id and event.details["user_id"] == ward.handler.id
    with pytest.raises(ValidationError):   # the same handler twice
        incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                handler_id=ward.handler.id, settings=settings, now=NOW)


def test_only_the_department_head_assigns_and_only_inside_the_department(db_session, ward, directed, settings):
    d = directed()
    for someone in (ward.head_tp, ward.handler, ward.leader):
        with pytest.raises(PermissionDeniedError):
            incoming.assign_handler(db_session, actor=someone, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW)
    with pytest.raises(ValidationError):
        incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                handler_id=ward.official_tp.id, settings=settings, now=NOW)
    with pytest.raises(ValidationError):
        incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id, handler_id=ward.handler.id,
                                deadline=d.lead.deadline + timedelta(days=1), settings=settings, now=NOW)


def test_an_overdue_department_still_names_its_handler_with_its_deadline(db_session, ward, directed, settings):
    d = directed(deadline=date(2026, 3, 12))
    later = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=later)
    assert child.deadline == date(2026, 3, 12)
    with pytest.raises(ValidationError):     # but a date given now is not in the past
        incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                handler_id=ward.handler2.id, deadline=date(2026, 3, 19), settings=settings, now=later)


def test_a_person_assignment_is_not_passed_down_by_a_head(db_session, ward, register, settings):
    document = register().document
    [lead] = incoming.direct_document(
        db_session, actor=ward.leader, document_id=document.id, settings=settings, now=NOW,
        direction=Direction(targets=(Target(AssignmentRole.LEAD, user_id=ward.head_dc.id),)))
    with pytest.raises(InvalidTransitionError):
        incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=lead.id, handler_id=ward.handler.id,
                                settings=settings, now=NOW)


def test_a_handler_records_opinions_and_others_are_refused(db_session, ward, directed, settings):
    d = directed()
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW)
    opinion = incoming.add_opinion(db_session, actor=ward.handler, assignment_id=child.id,
                                   body="Đề nghị khảo sát thực địa ngày 12/3.", now=NOW)
    assert (opinion.kind, opinion.assignment_id, child.status) == ("opinion", child.id, AssignmentStatus.IN_PROGRESS)
    [event] = _events(db_session, d.document, "opinion.added")
    assert event.details["opinion_id"] == opinion.id and "khảo sát" not in str(event.details)
    with pytest.raises(ValidationError):
        incoming.add_opinion(db_session, actor=ward.handler, assignment_id=child.id, body="   ", now=NOW)
    # Another official of the department, a leader, another department's head: not their assignment.
    for someone in (ward.handler2, ward.leader, ward.head_tp):
        with pytest.raises(PermissionDeniedError):
            incoming.add_opinion(db_session, actor=someone, assignment_id=child.id, body="x", now=NOW)
    # Someone who cannot even see the document.
    with pytest.raises(PermissionDeniedError):
        incoming.add_opinion(db_session, actor=ward.official_tp, assignment_id=child.id, body="x", now=NOW)


def test_a_stale_form_on_an_assignment_is_a_conflict(db_session, ward, directed, settings):
    d = directed()
    seen = d.lead.row_version
    incoming.add_opinion(db_session, actor=ward.head_dc, assignment_id=d.lead.id, body="Đang xem xét", now=NOW)
    with pytest.raises(ConflictError):
        incoming.complete_assignment(db_session, actor=ward.head_dc, assignment_id=d.lead.id, result="Xong",
                                     settings=settings, expected_row_version=seen, now=NOW)
    assert d.lead.status is AssignmentStatus.IN_PROGRESS


# -- forward, reply, complete ------------------------------------------------------------------------------------


def test_forwarding_closes_the_assignment_and_gives_the_same_role_to_someone_else(db_session, ward, directed,
                                                                                   settings):
    d = directed()
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW)
    with pytest.raises(ValidationError):
        incoming.forward_assignment(db_session, actor=ward.handler, assignment_id=child.id, note="",
                                    to_user_id=ward.handler2.id, settings=settings, now=NOW)
    new = incoming.forward_assignment(db_session, actor=ward.handler, assignment_id=child.id,
                                      note="Chị Ngọc nghỉ phép, chuyển anh Sơn.", to_user_id=ward.handler2.id,
                                      settings=settings, now=NOW)
    assert child.status is AssignmentStatus.FORWARDED and child.result.startswith("Chị Ngọc")
    assert (new.parent_id, new.role, new.deadline, new.assignee_id) == \
        (d.lead.id, AssignmentRole.LEAD, child.deadline, ward.handler2.id)
    assert policy.can_view(ward.handler2, d.document)
    [event] = _events(db_session, d.document, "assignment.forwarded")
    assert (event.details["assignment_id"], event.details["to_assignment_id"]) == (child.id, new.id)
    # The old holder's assignment is closed now.
    with pytest.raises(InvalidTransitionError):
        incoming.add_opinion(db_session, actor=ward.handler, assignment_id=child.id, body="x", now=NOW)


def test_a_head_cannot_forward_while_handlers_are_at_work(db_session, ward, directed, settings):
    d = directed()
    incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id, handler_id=ward.handler.id,
                            settings=settings, now=NOW)
    with pytest.raises(InvalidTransitionError):
        incoming.forward_assignment(db_session, actor=ward.head_dc, assignment_id=d.lead.id, note="Sai bộ phận",
                                    to_department_id=ward.tp.id, settings=settings, now=NOW)


def test_attaching_a_reply_links_the_outgoing_document(db_session, ward, directed, settings, make_document):
    d = directed()
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW)
    draft = make_document(ward.handler, kind=DocumentKind.OUTGOING, summary="V/v trả lời Sở TN&MT")
    reply = incoming.attach_reply(db_session, actor=ward.handler, assignment_id=child.id,
                                  reply_document_id=draft.id, now=NOW)
    assert (reply.related_document_id, reply.relation) == (d.document.id, "reply_to")
    [event] = [e for e in _events(db_session, d.document, "opinion.added") if e.details["kind"] == "reply"]
    assert event.details["reply_document_id"] == draft.id
    # Linked once only; an incoming document is no reply.
    with pytest.raises(ValidationError):
        incoming.attach_reply(db_session, actor=ward.handler, assignment_id=child.id, reply_document_id=draft.id,
                              now=NOW)
    with pytest.raises(ValidationError):
        incoming.attach_reply(db_session, actor=ward.handler, assignment_id=child.id,
                              reply_document_id=d.document.id, now=NOW)
    # Someone else's draft in another department is not the handler's to change.
    foreign = make_document(ward.official_tp, kind=DocumentKind.OUTGOING, department=ward.tp)
    with pytest.raises(PermissionDeniedError):
        incoming.attach_reply(db_session, actor=ward.handler, assignment_id=child.id, reply_document_id=foreign.id,
                              now=NOW)


def _accept(db_session, settings, decider, document, now=NOW):
    """The pending proposal of completion on ``document``, accepted by ``decider`` (R43)."""
    proposal = incoming.pending_proposal(db_session, document.id)
    assert proposal is not None
    return incoming.accept_completion(db_session, actor=decider, proposal_id=proposal.id, settings=settings, now=now)


def test_r43_the_lead_handlers_proposal_accepted_by_the_head_completes_the_department_and_the_document(
        db_session, ward, directed, settings):
    d = directed()
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW)
    with pytest.raises(ValidationError):    # the lead's result is required
        incoming.complete_assignment(db_session, actor=ward.handler, assignment_id=child.id, result=" ",
                                     settings=settings, now=NOW)
    incoming.complete_assignment(db_session, actor=ward.handler, assignment_id=child.id,
                                 result="Đã rà soát 12 hồ sơ, báo cáo kèm theo.", settings=settings, now=NOW)
    # The lead's "complete" proposes: nothing completes until the head who assigned him accepts.
    assert child.status is AssignmentStatus.IN_PROGRESS and d.document.status is DocumentStatus.IN_PROGRESS
    assert d.co.status is AssignmentStatus.OPEN
    _accept(db_session, settings, ward.head_dc, d.document)
    assert child.status is AssignmentStatus.COMPLETED and d.lead.status is AssignmentStatus.COMPLETED
    assert d.lead.result.startswith("Đã rà soát")
    assert d.document.status is DocumentStatus.COMPLETED
    # What was still open ends with the document.
    assert d.co.status is AssignmentStatus.CANCELLED and d.info.status is AssignmentStatus.CANCELLED
    events = _events(db_session, d.document, "assignment.completed")
    assert [e.details["assignment_id"] for e in events] == [child.id, d.lead.id]
    assert [e.details["state"] for e in events] == ["on_time", "on_time"]
    [accepted] = _events(db_session, d.document, "completion.accepted")
    assert accepted.details["document_completed"] is True and accepted.details["state"] == "on_time"
    assert sorted(accepted.details["closed"]) == sorted([d.co.id, d.info.id])
    # Completed is final.
    with pytest.raises(InvalidTransitionError):
        incoming.complete_assignment(db_session, actor=ward.handler, assignment_id=child.id, result="Lại",
                                     settings=settings, now=NOW)
    with pytest.raises(InvalidTransitionError):
        incoming.add_opinion(db_session, actor=ward.head_tp, assignment_id=d.co.id, body="Muộn", now=NOW)


def test_a_co_handler_finishing_does_not_complete_the_document(db_session, ward, directed, settings):
    d = directed()
    incoming.complete_assignment(db_session, actor=ward.head_tp, assignment_id=d.co.id, result="Thống nhất",
                                 settings=settings, now=NOW)
    assert d.co.status is AssignmentStatus.COMPLETED and d.document.status is DocumentStatus.IN_PROGRESS
    assert d.lead.status is AssignmentStatus.OPEN


def test_one_handler_of_two_finishing_leaves_the_department_open(db_session, ward, directed, settings):
    d = directed()
    first = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW)
    second = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                     handler_id=ward.handler2.id, settings=settings, now=NOW)
    incoming.complete_assignment(db_session, actor=ward.handler, assignment_id=first.id, result="Phần 1",
                                 settings=settings, now=NOW)
    assert d.lead.status is AssignmentStatus.IN_PROGRESS and d.document.status is DocumentStatus.IN_PROGRESS
    with pytest.raises(InvalidTransitionError):   # one proposal awaits the head's decision at a time
        incoming.complete_assignment(db_session, actor=ward.handler2, assignment_id=second.id, result="Phần 2",
                                     settings=settings, now=NOW)
    _accept(db_session, settings, ward.head_dc, d.document)
    assert d.lead.status is AssignmentStatus.COMPLETED and d.document.status is DocumentStatus.COMPLETED
    assert second.status is AssignmentStatus.CANCELLED


def test_the_head_completing_the_department_ends_the_handlers_open_work(db_session, ward, directed, settings):
    d = directed()
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW)
    incoming.complete_assignment(db_session, actor=ward.head_dc, assignment_id=d.lead.id, result="Trưởng xử lý",
                                 settings=settings, now=NOW)
    _accept(db_session, settings, ward.leader, d.document)   # the head proposes; the leader who directed accepts
    assert child.status is AssignmentStatus.CANCELLED and d.document.status is DocumentStatus.COMPLETED


def test_work_finished_after_the_deadline_is_late_on_the_timeline(db_session, ward, directed, settings):
    d = directed(deadline=date(2026, 3, 12))
    late = datetime(2026, 3, 16, 3, 0, tzinfo=UTC)   # the Monday after a Thursday deadline
    incoming.add_opinion(db_session, actor=ward.head_dc, assignment_id=d.lead.id, body="Đang xử lý",
                         now=datetime(2026, 3, 11, 3, 0, tzinfo=UTC))
    from docflow.services import notifications
    notifications.escalate_overdue(db_session, settings=settings, now=datetime(2026, 3, 13, 3, 0, tzinfo=UTC))
    incoming.complete_assignment(db_session, actor=ward.head_dc, assignment_id=d.lead.id, result="Xong muộn",
                                 settings=settings, now=late)
    _accept(db_session, settings, ward.leader, d.document, now=late + timedelta(hours=1))
    [event] = _events(db_session, d.document, "assignment.completed")
    assert event.details["state"] == "late"
    view = incoming.view_incoming(db_session, actor=ward.leader, document_id=d.document.id, settings=settings,
                                  now=late)
    steps = {e.what: e for e in view.timeline}
    assert steps["Opinion"].state == "at_risk"          # one working day before the deadline
    assert steps["Escalated: the deadline has passed"].actor == "docflow"
    assert steps["Completion proposed, awaiting acceptance"].state == "late"
    assert steps["Completion accepted; the document is completed"].state == "late"
    assert steps["Completion accepted; the document is completed"].body == "Xong muộn"


# -- the timeline and the lists ----------------------------------------------------------------------------------


def test_the_timeline_shows_who_did_what_when_in_order(db_session, ward, directed, settings, make_document):
    d = directed()
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW + timedelta(hours=1))
    incoming.add_opinion(db_session, actor=ward.handler, assignment_id=child.id, body="Ý kiến của tôi",
                         now=NOW + timedelta(hours=2))
    draft = make_document(ward.handler, kind=DocumentKind.OUTGOING)
    incoming.attach_reply(db_session, actor=ward.handler, assignment_id=child.id, reply_document_id=draft.id,
                          now=NOW + timedelta(hours=3))
    incoming.complete_assignment(db_session, actor=ward.handler, assignment_id=child.id, result="Hoàn thành",
                                 settings=settings, now=NOW + timedelta(hours=4))
    _accept(db_session, settings, ward.head_dc, d.document, now=NOW + timedelta(hours=4, minutes=30))
    view = incoming.view_incoming(db_session, actor=ward.handler, document_id=d.document.id, settings=settings,
                                  now=NOW + timedelta(hours=5))
    steps = [(e.actor, e.what) for e in view.timeline]
    assert steps == [
        ("Nguyễn Thị Hoa", "Registered as incoming no. %(number)s"),
        ("Trần Văn Minh", "Directed"),
        ("Hoàng Văn Nam", "Assigned to %(name)s"),
        ("Phan Thị Ngọc", "Opinion"),
        ("Phan Thị Ngọc", "Reply attached"),
        ("Phan Thị Ngọc", "Completion proposed, awaiting acceptance"),
        ("Hoàng Văn Nam", "Completion accepted; the document is completed"),
    ]
    directed_step = view.timeline[1]
    assert directed_step.body.startswith("Giao Địa chính")
    assert [(role, holder) for role, holder, _ in directed_step.assignees] == \
        [("lead", "Địa chính"), ("co", "Tư pháp"), ("info", "Lê Thị Thu Hà")]
    assert view.timeline[2].params == {"name": "Phan Thị Ngọc"}
    assert view.timeline[3].body == "Ý kiến của tôi" and view.timeline[3].state == "on_time"
    assert view.timeline[4].link_document_id == draft.id
    assert [r.id for r in view.replies] == [draft.id]
    assert [e.at for e in view.timeline] == sorted(e.at for e in view.timeline)


def test_the_page_offers_each_user_only_what_they_may_do(db_session, ward, directed, register, settings):
    waiting = register(_data(number_symbol="1/TB")).document
    assert incoming.view_incoming(db_session, actor=ward.leader, document_id=waiting.id, settings=settings).can_direct
    assert not incoming.view_incoming(db_session, actor=ward.clerk, document_id=waiting.id,
                                      settings=settings).can_direct
    d = directed()
    head_view = incoming.view_incoming(db_session, actor=ward.head_dc, document_id=d.document.id, settings=settings)
    rows = {r.assignment.id: r for r in head_view.assignments}
    assert rows[d.lead.id].can_act and rows[d.lead.id].can_assign and not rows[d.co.id].can_act
    leader_view = incoming.view_incoming(db_session, actor=ward.leader, document_id=d.document.id, settings=settings)
    assert not leader_view.can_direct and not any(r.can_act for r in leader_view.assignments)
    vice_rows = incoming.view_incoming(db_session, actor=ward.vice, document_id=d.document.id,
                                       settings=settings).assignments
    assert [r.assignment.id for r in vice_rows if r.can_act] == [d.info.id]
    assert not any(r.can_assign for r in vice_rows)
    with pytest.raises(PermissionDeniedError):
        incoming.view_incoming(db_session, actor=ward.official_tp, document_id=d.document.id, settings=settings)


def test_urgent_documents_are_listed_first_and_their_assignees_notified_as_urgent(
        db_session, ward, register, directed, settings, monkeypatch):
    normal = register(_data(number_symbol="1/A")).document
    express = register(_data(number_symbol="2/A", urgency=Urgency.EXPRESS)).document
    urgent = register(_data(number_symbol="3/A", urgency=Urgency.URGENT)).document
    very = register(_data(number_symbol="4/A", urgency=Urgency.VERY_URGENT)).document
    later = register(_data(number_symbol="5/A")).document
    page = incoming.list_incoming(db_session, actor=ward.clerk)
    ids = [d.id for d in page.items]
    assert ids[:4] == [express.id, very.id, urgent.id, later.id] and ids.index(normal.id) > ids.index(later.id)

    from docflow.services import notifications
    calls: list[dict[str, Any]] = []
    real = notifications.notify
    monkeypatch.setattr(notifications, "notify", lambda session, **kw: calls.append(kw) or real(session, **kw))
    incoming.direct_document(db_session, actor=ward.leader, document_id=express.id, direction=_direction(ward),
                             settings=settings, now=NOW)
    assert calls and all(c["urgent"] for c in calls)
    assert {u.id for c in calls for u in c["users"]} == {ward.head_dc.id, ward.head_tp.id, ward.vice.id}
    calls.clear()
    incoming.direct_document(db_session, actor=ward.leader, document_id=normal.id, direction=_direction(ward),
                             settings=settings, now=NOW)
    assert calls and not any(c["urgent"] for c in calls)


def test_the_lists_of_open_my_and_all_documents(db_session, ward, directed, register, settings):
    d = directed()
    waiting = register(_data(number_symbol="77/B")).document
    done = directed(number_symbol="78/B")
    incoming.complete_assignment(db_session, actor=ward.head_dc, assignment_id=done.lead.id, result="Xong",
                                 settings=settings, now=NOW)
    _accept(db_session, settings, ward.leader, done.document)

    def ids(actor: User, scope: str) -> set[int]:
        return {doc.id for doc in incoming.list_incoming(db_session, actor=actor, scope=scope).items}

    assert {d.document.id, waiting.id} <= ids(ward.clerk, "open") and done.document.id not in ids(ward.clerk, "open")
    assert done.document.id in ids(ward.clerk, "all")
    assert ids(ward.head_dc, "mine") == {d.document.id}
    assert ids(ward.head_tp, "mine") == {d.document.id}
    assert ids(ward.handler, "mine") == set()


# -- internal memos ----------------------------------------------------------------------------------------------


def _memo(department_id: int | None = None) -> DocumentInput:
    return DocumentInput(kind=DocumentKind.INTERNAL, doc_type="thong_bao", summary="Lịch trực Tết Bính Ngọ",
                         department_id=department_id)


def test_a_head_sends_a_memo_to_other_departments_with_the_same_machinery(db_session, ward, store, settings):
    memo = incoming.send_internal(
        db_session, actor=ward.head_tp, data=_memo(), store=store, settings=settings, now=NOW,
        upload=UploadedFile(io.BytesIO(pdf_bytes("memo")), "lich-truc.pdf"),
        direction=Direction(targets=(Target(AssignmentRole.LEAD, department_id=ward.dc.id),
                                     Target(AssignmentRole.INFO, user_id=ward.vice.id)),
                            instruction="Đề nghị cử người trực."))
    assert memo.kind is DocumentKind.INTERNAL and memo.status is DocumentStatus.IN_PROGRESS
    assert memo.register_number is None
    lead = db_session.execute(select(Assignment).where(Assignment.document_id == memo.id,
                                                       Assignment.role == AssignmentRole.LEAD)).scalar_one()
    assert lead.deadline is not None and policy.can_view(ward.head_dc, memo)
    incoming.add_opinion(db_session, actor=ward.head_dc, assignment_id=lead.id, body="Cử anh Sơn", now=NOW)
    incoming.complete_assignment(db_session, actor=ward.head_dc, assignment_id=lead.id, result="Đã cử",
                                 settings=settings, now=NOW)
    _accept(db_session, settings, ward.head_tp, memo)   # the head who sent the memo accepts
    assert memo.status is DocumentStatus.COMPLETED
    view = incoming.view_incoming(db_session, actor=ward.head_tp, document_id=memo.id, settings=settings)
    assert view.timeline[0].what == "Memo sent" and view.timeline[1].what == "Directed"
    assert [d.id for d in incoming.list_incoming(db_session, actor=ward.head_dc, kind=DocumentKind.INTERNAL,
                                                 scope="all").items] == [memo.id]


def test_only_heads_and_leaders_send_memos_and_not_to_their_own_department(db_session, ward, store, settings):
    def send(actor: User, department_id: int) -> Document:
        return incoming.send_internal(
            db_session, actor=actor, data=_memo(None if actor.department_id else ward.vp.id), store=store,
            settings=settings, now=NOW,
            upload=UploadedFile(io.BytesIO(pdf_bytes()), "m.pdf"),
            direction=Direction(targets=(Target(AssignmentRole.LEAD, department_id=department_id),)))
    for someone in (ward.handler, ward.clerk):
        with pytest.raises(PermissionDeniedError):
            send(someone, ward.tp.id)
    with pytest.raises(ValidationError):
        send(ward.head_dc, ward.dc.id)
    assert send(ward.leader, ward.dc.id).kind is DocumentKind.INTERNAL


# -- two people at once (PostgreSQL) -----------------------------------------------------------------------------


@pytest.mark.skipif(not is_postgres(), reason="real concurrent transactions need PostgreSQL")
def test_two_actions_on_one_assignment_at_once_one_wins_and_the_other_gets_a_conflict(committed_app):
    engine = committed_app.extensions["docflow.engine"]
    store = committed_app.extensions["docflow.store"]
    settings = committed_app.extensions["docflow.settings"]

    def user(s: Session, username: str) -> User:
        return s.execute(select(User).where(User.username == username)).scalar_one()

    with Session(engine) as s, s.begin():
        dc = user(s, "truongdc").department_id
        registration = incoming.register_incoming(
            s, actor=user(s, "vanthu"), data=_data(number_symbol=f"race/{datetime.now().timestamp()}"), store=store,
            settings=settings, upload=UploadedFile(io.BytesIO(pdf_bytes("race-incoming")), "race.pdf"))
        [lead] = incoming.direct_document(
            s, actor=user(s, "chutich"), document_id=registration.document.id, settings=settings,
            direction=Direction(targets=(Target(AssignmentRole.LEAD, department_id=dc),)))
        lead_id, seen = lead.id, lead.row_version
    tp = None
    with Session(engine) as s:
        tp = user(s, "truongtp").department_id
    def complete(s: Session) -> object:
        return incoming.complete_assignment(s, actor=user(s, "truongdc"), assignment_id=lead_id, result="Xong",
                                            settings=settings, expected_row_version=seen)

    def forward(s: Session) -> object:
        return incoming.forward_assignment(s, actor=user(s, "truongdc"), assignment_id=lead_id,
                                           note="Không thuộc ĐC", to_department_id=tp, settings=settings,
                                           expected_row_version=seen)

    outcomes = [label(o) for o in race(engine, [complete, forward])]
    assert sorted(outcomes) == ["conflict", "ok"]
    with Session(engine) as s:
        lead = s.get(Assignment, lead_id)
        # the lead's "complete" proposes (the assignment stays in progress until accepted) or the forward won
        assert lead is not None and lead.status in (AssignmentStatus.IN_PROGRESS, AssignmentStatus.FORWARDED)
        others = s.execute(select(func.count(Assignment.id)).where(
            Assignment.document_id == lead.document_id)).scalar_one()
        # A forward made one new assignment; a completion none: never both.
        assert others == (2 if lead.status is AssignmentStatus.FORWARDED else 1)
        # The winner's action is on the record once and the loser's not at all: the lead's completion is
        # a proposal (completion.proposed), the forward assignment.forwarded.
        actions = s.execute(select(AuditEvent.action).where(
            AuditEvent.object_id == str(lead.document_id),
            AuditEvent.action.in_(["completion.proposed", "assignment.completed",
                                   "assignment.forwarded"]))).scalars().all()
        won = "assignment.forwarded" if lead.status is AssignmentStatus.FORWARDED else "completion.proposed"
        assert actions == [won]

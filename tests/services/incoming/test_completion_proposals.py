"""Decree 30, Articles 23–24 (R43, R44): co-handlers record contributions and mark their part done; the lead
proposes completion with a result; the assigning head (or the directing leader) accepts or returns it."""

from __future__ import annotations

import io

import pytest

from docflow.errors import InvalidTransitionError, ValidationError
from docflow.models import AssignmentStatus, DocumentStatus, ProposalStatus, Role
from docflow.services import incoming
from docflow.services.documents import UploadedFile, receive_upload
from tests.conftest import pdf_bytes
from tests.services.incoming.test_incoming import NOW, _events, directed, register, settings, ward  # noqa: F401


def test_r43_a_co_handler_records_a_contribution_with_a_file_and_marks_the_part_done(
        db_session, ward, directed, settings, store):
    d = directed()
    upload = receive_upload(store, UploadedFile(io.BytesIO(pdf_bytes("gop-y")), "gop-y.pdf"), settings=settings)
    first = incoming.contribute(db_session, actor=ward.head_tp, assignment_id=d.co.id, body="Ý kiến pháp lý",
                                file=upload, now=NOW)
    assert d.co.status is AssignmentStatus.IN_PROGRESS and first.file_sha256 == upload.stored.sha256
    incoming.contribute(db_session, actor=ward.head_tp, assignment_id=d.co.id, body="Thống nhất", done=True, now=NOW)
    assert d.co.status is AssignmentStatus.COMPLETED and d.document.status is DocumentStatus.IN_PROGRESS
    assert [c.body for c in incoming.contributions_of(db_session, d.document.id)] == ["Ý kiến pháp lý", "Thống nhất"]
    assert [e.details["done"] for e in _events(db_session, d.document, "assignment.contribution_added")] == [False, True]
    view = incoming.view_incoming(db_session, actor=ward.leader, document_id=d.document.id, settings=settings, now=NOW)
    assert [e.what for e in view.timeline][-2:] == ["Contribution", "Contribution; part done"]


def test_r43_the_head_returns_the_proposal_with_a_reason_and_the_lead_proposes_again(
        db_session, ward, directed, settings):
    d = directed()
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW)
    first = incoming.propose_completion(db_session, actor=ward.handler, assignment_id=child.id, result="Bản 1",
                                        settings=settings, now=NOW)
    with pytest.raises(ValidationError):
        incoming.return_completion(db_session, actor=ward.head_dc, proposal_id=first.id, reason=" ", now=NOW)
    incoming.return_completion(db_session, actor=ward.head_dc, proposal_id=first.id, reason="Bổ sung biên bản", now=NOW)
    assert first.status is ProposalStatus.RETURNED and child.status is AssignmentStatus.IN_PROGRESS
    with pytest.raises(InvalidTransitionError):
        incoming.accept_completion(db_session, actor=ward.head_dc, proposal_id=first.id, settings=settings, now=NOW)
    second = incoming.propose_completion(db_session, actor=ward.handler, assignment_id=child.id, result="Bản 2",
                                         settings=settings, now=NOW)
    incoming.accept_completion(db_session, actor=ward.head_dc, proposal_id=second.id, settings=settings, now=NOW)
    assert d.document.status is DocumentStatus.COMPLETED and d.lead.result == "Bản 2"
    actions = [e.action for e in _events(db_session, d.document, "completion.proposed")
               + _events(db_session, d.document, "completion.returned")
               + _events(db_session, d.document, "completion.accepted")]
    assert actions == ["completion.proposed", "completion.proposed", "completion.returned", "completion.accepted"]
    view = incoming.view_incoming(db_session, actor=ward.leader, document_id=d.document.id, settings=settings, now=NOW)
    returned = [e for e in view.timeline if e.what == "Completion returned to the lead"]
    assert [e.body for e in returned] == ["Bổ sung biên bản"]


def test_art24_on_time_is_judged_at_the_proposal_not_at_the_acceptance(db_session, ward, directed, settings):
    from datetime import UTC, date, datetime
    d = directed(deadline=date(2026, 3, 12))
    proposal = incoming.propose_completion(db_session, actor=ward.head_dc, assignment_id=d.lead.id, result="Kịp hạn",
                                           settings=settings, now=datetime(2026, 3, 11, 3, 0, tzinfo=UTC))
    incoming.accept_completion(db_session, actor=ward.leader, proposal_id=proposal.id, settings=settings,
                               now=datetime(2026, 3, 16, 3, 0, tzinfo=UTC))   # accepted after the deadline
    [completed] = _events(db_session, d.document, "assignment.completed")
    [accepted] = _events(db_session, d.document, "completion.accepted")
    assert completed.details["state"] == "on_time" and accepted.details["state"] == "on_time"


def test_r43_the_last_co_handler_of_a_department_marking_done_completes_the_departments_share(
        db_session, ward, make_user, directed, settings):
    d = directed()
    clerk_tp = make_user(Role.OFFICIAL, department=ward.tp, full_name="Đỗ Văn Tư")
    child = incoming.assign_handler(db_session, actor=ward.head_tp, assignment_id=d.co.id, handler_id=clerk_tp.id,
                                    settings=settings, now=NOW)
    incoming.contribute(db_session, actor=clerk_tp, assignment_id=child.id, body="Đã rà soát", done=True, now=NOW)
    assert child.status is AssignmentStatus.COMPLETED and d.co.status is AssignmentStatus.COMPLETED
    assert d.document.status is DocumentStatus.IN_PROGRESS
    with pytest.raises(InvalidTransitionError):   # the lead's work is not a contribution
        incoming.contribute(db_session, actor=ward.head_dc, assignment_id=d.lead.id, body="x", now=NOW)

"""R43/R44 refusals: who may propose and who may accept the completion of an incoming document, and two
accepts at once make one completion."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.errors import InvalidTransitionError, PermissionDeniedError
from docflow.models import AssignmentRole, CompletionProposal, Document, DocumentStatus, ProposalStatus, User
from docflow.services import incoming
from docflow.services.documents import UploadedFile, receive_upload
from docflow.services.incoming import Direction, Target
from tests.conftest import is_postgres, pdf_bytes
from tests.racing import label, race
from tests.services.incoming.test_incoming import NOW, _data, directed, register, settings, ward  # noqa: F401


def _proposed(db_session, ward, directed, settings):
    d = directed()
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW)
    proposal = incoming.propose_completion(db_session, actor=ward.handler, assignment_id=child.id, result="Xong",
                                           settings=settings, now=NOW)
    return d, child, proposal


def test_r43_a_co_handler_cannot_propose_or_accept(db_session, ward, directed, settings):
    d = directed()
    with pytest.raises(PermissionDeniedError):
        incoming.propose_completion(db_session, actor=ward.head_tp, assignment_id=d.co.id, result="Xong",
                                    settings=settings, now=NOW)
    with pytest.raises(PermissionDeniedError):   # nor propose on the lead's assignment
        incoming.propose_completion(db_session, actor=ward.head_tp, assignment_id=d.lead.id, result="Xong",
                                    settings=settings, now=NOW)
    proposal = incoming.propose_completion(db_session, actor=ward.head_dc, assignment_id=d.lead.id, result="Xong",
                                           settings=settings, now=NOW)
    with pytest.raises(PermissionDeniedError):
        incoming.accept_completion(db_session, actor=ward.head_tp, proposal_id=proposal.id, settings=settings, now=NOW)
    assert d.document.status is DocumentStatus.IN_PROGRESS and proposal.status is ProposalStatus.PROPOSED


def test_r43_the_lead_cannot_accept_or_return_their_own_proposal(db_session, ward, directed, settings):
    d, _, proposal = _proposed(db_session, ward, directed, settings)
    with pytest.raises(PermissionDeniedError):
        incoming.accept_completion(db_session, actor=ward.handler, proposal_id=proposal.id, settings=settings, now=NOW)
    with pytest.raises(PermissionDeniedError):
        incoming.return_completion(db_session, actor=ward.handler, proposal_id=proposal.id, reason="x", now=NOW)
    assert d.document.status is DocumentStatus.IN_PROGRESS


def test_r43_another_departments_head_cannot_accept(db_session, ward, directed, settings):
    d, _, proposal = _proposed(db_session, ward, directed, settings)
    for outsider in (ward.head_tp, ward.vice):   # the co-handling head; a leader who did not direct
        with pytest.raises(PermissionDeniedError):
            incoming.accept_completion(db_session, actor=outsider, proposal_id=proposal.id, settings=settings,
                                       now=NOW)
    assert d.document.status is DocumentStatus.IN_PROGRESS


def test_r43_the_web_refuses_an_accept_from_someone_else(client, ward, directed, db_session, settings):
    d, _, proposal = _proposed(db_session, ward, directed, settings)
    client.login(ward.handler)
    url = f"/incoming/{d.document.id}/completion/{proposal.id}/accept"
    assert client.post(url).status_code == 403
    client.login(ward.head_tp)
    assert client.post(url).status_code == 403
    db_session.refresh(d.document)
    assert d.document.status is DocumentStatus.IN_PROGRESS


def test_r43_accepting_twice_completes_once(db_session, ward, directed, settings):
    d, _, proposal = _proposed(db_session, ward, directed, settings)
    incoming.accept_completion(db_session, actor=ward.head_dc, proposal_id=proposal.id, settings=settings, now=NOW)
    with pytest.raises(InvalidTransitionError):
        incoming.accept_completion(db_session, actor=ward.leader, proposal_id=proposal.id, settings=settings, now=NOW)


@pytest.mark.skipif(not is_postgres(), reason="real concurrent transactions need PostgreSQL")
def test_r43_two_accepts_at_once_make_one_completion(committed_app):
    engine = committed_app.extensions["docflow.engine"]
    store = committed_app.extensions["docflow.store"]
    settings = committed_app.extensions["docflow.settings"]

    def user(s: Session, name: str) -> User:
        return s.execute(select(User).where(User.username == name)).scalar_one()
    with Session(engine) as s, s.begin():
        dc = user(s, "truongdc").department_id
        registration = incoming.register_incoming(
            s, actor=user(s, "vanthu"), data=_data(number_symbol=f"accept/{datetime.now().timestamp()}"),
            store=store, settings=settings, upload=UploadedFile(io.BytesIO(pdf_bytes("accept-race")), "r.pdf"))
        [lead] = incoming.direct_document(
            s, actor=user(s, "chutich"), document_id=registration.document.id, settings=settings,
            direction=Direction(targets=(Target(AssignmentRole.LEAD, department_id=dc),)))
        proposal = incoming.propose_completion(s, actor=user(s, "truongdc"), assignment_id=lead.id, result="Xong",
                                               settings=settings)
        proposal_id, document_id = proposal.id, registration.document.id

    def accept(s: Session) -> object:
        return incoming.accept_completion(s, actor=user(s, "chutich"), proposal_id=proposal_id, settings=settings)

    outcomes = sorted(label(o) for o in race(engine, [accept, accept]))
    assert outcomes[0] == "ok" and outcomes[1].startswith("refused")
    with Session(engine) as s:
        assert s.get(Document, document_id).status is DocumentStatus.COMPLETED
        accepted = s.execute(select(func.count(CompletionProposal.id)).where(
            CompletionProposal.document_id == document_id,
            CompletionProposal.status == ProposalStatus.ACCEPTED)).scalar_one()
        assert accepted == 1


def test_r43_a_contributions_file_is_refused_to_someone_who_may_not_see_the_document(
        client, ward, directed, db_session, settings, store):
    d = directed()
    upload = receive_upload(store, UploadedFile(io.BytesIO(pdf_bytes("gop-y")), "gop-y.pdf"), settings=settings)
    contribution = incoming.contribute(db_session, actor=ward.head_tp, assignment_id=d.co.id, body="Ý kiến",
                                       file=upload, now=NOW)
    client.login(ward.handler)    # in the lead department, but not named by the head: no access yet
    assert client.get(f"/incoming/{d.document.id}/contributions/{contribution.id}/file").status_code == 403

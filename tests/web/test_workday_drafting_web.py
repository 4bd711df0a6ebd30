"""R22–R24 on the outgoing page: the drafter ticks the reviewers (the defaults ticked) and corrects the
trích yếu of a draft."""

from __future__ import annotations

from docflow.models import StepKind
from docflow.services import outgoing
from tests.services.outgoing.test_outgoing import _draft, ward  # noqa: F401  (fixture)


def test_R24_the_drafter_ticks_the_reviewers_on_the_outgoing_page(client, db_session, store, ward):
    w = ward
    document = _draft(db_session, store, w)
    client.login(w.drafter)
    page = client.get(f"/outgoing/{document.id}").get_data(as_text=True)
    assert 'data-testid="reviewer-choices"' in page
    assert f'value="{w.land_head.id}" id="reviewer-{w.land_head.id}" checked' in page
    assert f'value="{w.chairman.id}" id="reviewer-{w.chairman.id}" >' in page
    response = client.post(f"/outgoing/{document.id}/route", {"choose_reviewers": "1",
                                                              "reviewer_id": [str(w.office_head.id), str(w.chairman.id)]})
    assert response.status_code == 302
    steps = outgoing.steps_of(db_session, document.id)
    assert [(s.kind, s.assignee_id) for s in steps] == [(StepKind.REVIEW, w.office_head.id),
                                                        (StepKind.REVIEW, w.chairman.id),
                                                        (StepKind.SIGN, w.leader.id), (StepKind.ISSUE, None)]


def test_R24_a_reviewer_not_offered_is_refused_with_a_message(client, db_session, store, ward):
    w = ward
    document = _draft(db_session, store, w)
    client.login(w.drafter)
    response = client.post(f"/outgoing/{document.id}/route", {"choose_reviewers": "1", "reviewer_id": str(w.drafter.id)},
                           follow_redirects=True)
    assert "không phải người soạn thảo" in response.get_data(as_text=True)
    assert outgoing.steps_of(db_session, document.id) == []


def test_R22_the_drafter_corrects_the_trich_yeu_from_the_outgoing_page(client, db_session, store, ward):
    w = ward
    document = _draft(db_session, store, w)
    client.login(w.drafter)
    assert 'data-testid="summary-edit"' in client.get(f"/outgoing/{document.id}").get_data(as_text=True)
    response = client.post(f"/outgoing/{document.id}/summary", {"summary": "Về việc thành lập tổ công tác mới",
                                                                "row_version": document.row_version})
    assert response.status_code == 302
    db_session.expire_all()
    assert outgoing.get_outgoing(db_session, actor=w.drafter, document_id=document.id).summary \
        == "Về việc thành lập tổ công tác mới"

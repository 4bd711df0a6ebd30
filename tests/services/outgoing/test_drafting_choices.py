"""R22–R24: the drafter chooses the reviewers (heads and leaders, the content and form reviewers labelled as
such) and corrects the trích yếu while the draft is a draft, audited with its before and after."""

from __future__ import annotations

from sqlalchemy import select

from docflow.models import AuditEvent
from docflow.services import outgoing
from docflow.services.outgoing.route import LABEL_CONTENT, LABEL_FORM, LABEL_REVIEW
from tests.services.outgoing.test_outgoing import _draft, ward  # noqa: F401  (fixture)


def test_R24_the_drafter_chooses_reviewers_and_their_order(db_session, store, ward):
    w = ward
    document = _draft(db_session, store, w)
    choices = outgoing.reviewer_choices(db_session, document)
    assert [u.id for u in choices][:2] == [w.land_head.id, w.office_head.id]   # the defaults first
    assert w.drafter not in choices and w.leader not in choices                # not himself, not the signer
    assert w.chairman in choices
    steps = outgoing.start_route(db_session, actor=w.drafter, document_id=document.id, store=store,
                                 reviewer_ids=[w.chairman.id, w.land_head.id, w.office_head.id])
    assert [(s.assignee_id, s.label) for s in steps[:3]] == [(w.chairman.id, LABEL_REVIEW),
                                                             (w.land_head.id, LABEL_CONTENT),
                                                             (w.office_head.id, LABEL_FORM)]


def test_R22_the_drafter_corrects_the_trich_yeu_of_a_draft_with_before_and_after_audited(db_session, store, ward):
    w = ward
    document = _draft(db_session, store, w)
    assert outgoing.may_edit_summary(w.drafter, document)
    outgoing.edit_summary(db_session, actor=w.drafter, document_id=document.id,
                          summary="Về việc thành lập tổ công tác liên ngành", expected_row_version=document.row_version)
    assert document.summary == "Về việc thành lập tổ công tác liên ngành"
    [event] = db_session.execute(select(AuditEvent).where(AuditEvent.object_id == str(document.id),
                                                          AuditEvent.action == "document.metadata_edited")).scalars()
    assert event.details["changes"] == {"summary": {"from": "Về việc thành lập tổ công tác",
                                                    "to": "Về việc thành lập tổ công tác liên ngành"}}

"""Issue 13: a route's notice ("a draft awaits your review / signature / issue") is done once the step it
asked for is decided, by whoever decided it; the next step's notice is new."""

from __future__ import annotations

from sqlalchemy import select

from docflow.models.routing import Notification
from docflow.services import notifications, outgoing
from docflow.services.outgoing.base import ASK_ISSUE, ASK_REVIEW, ASK_SIGN
from tests.services.outgoing.test_outgoing import _approve, _draft, _issue, _sign, ward  # noqa: F401  (fixture)


def _asks(db_session, document):
    db_session.expire_all()
    rows = db_session.execute(select(Notification).where(Notification.document_id == document.id)
                              .order_by(Notification.id)).scalars()
    return [(n.user_id, n.message, n.done_at is not None) for n in rows]


def test_each_route_notice_is_done_when_its_step_is_decided(db_session, store, ward, signing_settings):
    w = ward
    document = _draft(db_session, store, w)
    outgoing.start_route(db_session, actor=w.drafter, document_id=document.id, store=store)
    assert _asks(db_session, document) == [(w.land_head.id, ASK_REVIEW, False)]
    _approve(db_session, document, w.land_head)
    _approve(db_session, document, w.office_head)
    assert _asks(db_session, document) == [(w.land_head.id, ASK_REVIEW, True), (w.office_head.id, ASK_REVIEW, True),
                                           (w.leader.id, ASK_SIGN, False)]
    _sign(db_session, signing_settings, store, document, w.leader)
    asks = _asks(db_session, document)
    assert (w.leader.id, ASK_SIGN, True) in asks and (w.clerk.id, ASK_ISSUE, False) in asks
    # The unread count falls with it: a done notice is read.
    assert notifications.unread_count(db_session, w.leader) == 0
    _issue(db_session, signing_settings, store, document, w.clerk)
    assert all(done for _, message, done in _asks(db_session, document) if message in (ASK_REVIEW, ASK_SIGN, ASK_ISSUE))


def test_a_returned_draft_closes_the_reviewers_notice(db_session, store, ward):
    w = ward
    document = _draft(db_session, store, w)
    outgoing.start_route(db_session, actor=w.drafter, document_id=document.id, store=store)
    step = outgoing.active_step(db_session, document.id)
    outgoing.return_step(db_session, actor=w.land_head, document_id=document.id, step_id=step.id,
                         reason="Sửa lại căn cứ pháp lý")
    [review] = [a for a in _asks(db_session, document) if a[1] == ASK_REVIEW]
    assert review == (w.land_head.id, ASK_REVIEW, True)

"""Refusals of issue 13's daily tools: another leader's instruction phrases, phrases for a user who does not
direct, a confidential handling record for who is not cleared."""

from __future__ import annotations

import pytest

from docflow.errors import NotFoundError, PermissionDeniedError
from docflow.services import incoming
from tests.services.incoming.test_incoming import directed, register, settings, ward  # noqa: F401 - fixtures

DENIED = (PermissionDeniedError, NotFoundError)


def test_R43_a_leader_cannot_see_move_or_remove_another_leaders_phrase(db_session, ward):
    mine = incoming.add_phrase(db_session, actor=ward.leader, text="Giao phòng Tư pháp chủ trì")
    with pytest.raises(NotFoundError):
        incoming.remove_phrase(db_session, actor=ward.vice, phrase_id=mine.id)
    with pytest.raises(NotFoundError):
        incoming.move_phrase(db_session, actor=ward.vice, phrase_id=mine.id, up=False)
    assert [p.id for p in incoming.list_phrases(db_session, actor=ward.leader)] == [mine.id]
    assert incoming.list_phrases(db_session, actor=ward.vice) == []


@pytest.mark.parametrize("who", ["clerk", "head_dc", "handler"])
def test_R43_only_a_leader_who_directs_keeps_phrases(db_session, ward, who):
    with pytest.raises(PermissionDeniedError):
        incoming.add_phrase(db_session, actor=getattr(ward, who), text="Giao phòng chủ trì")


def test_R43_the_phrase_screen_is_a_leaders_and_refuses_another_leaders_ids(client, ward, db_session):
    mine = incoming.add_phrase(db_session, actor=ward.leader, text="Giao phòng Tư pháp chủ trì")
    client.login(ward.head_dc)
    assert client.get("/phrases/").status_code == 403
    assert client.post("/phrases/", {"text": "Thử"}).status_code == 403
    client.logout()
    client.login(ward.vice)
    assert client.post(f"/phrases/{mine.id}/delete").status_code == 404
    assert client.post(f"/phrases/{mine.id}/up").status_code == 404
    assert client.post(f"/phrases/{mine.id}/delete", csrf=False).status_code == 400   # no CSRF token


def test_R20_a_confidential_handling_record_is_refused_to_who_is_not_cleared(client, ward, directed, db_session):
    from docflow.models import AuditEvent, Confidentiality
    from sqlalchemy import select
    d = directed(confidentiality=Confidentiality.CONFIDENTIAL)
    client.login(ward.official_vp)
    assert client.get(f"/incoming/{d.document.id}/handling-record").status_code in (403, 404)
    client.logout()
    client.login(ward.leader)
    page = client.get(f"/incoming/{d.document.id}/handling-record")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    printed = db_session.execute(select(AuditEvent).where(AuditEvent.object_id == str(d.document.id),
                                                          AuditEvent.action == "document.viewed")).scalars().all()
    assert any(e.details.get("printed") == "handling_record" for e in printed)


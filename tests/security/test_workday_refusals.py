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


def test_a_kept_file_serves_only_the_user_it_was_kept_for(app, client, ward, make_user):
    import io
    import re
    from tests.conftest import WebClient, pdf_bytes
    client.login(ward.clerk)
    form = {"kind": "internal", "doc_type": "cong_van", "summary": "", "issuing_body": "UBND"}
    refused = client.post("/documents/new", {**form, "file": (io.BytesIO(pdf_bytes("giu-tep")), "to-trinh.pdf")},
                          content_type="multipart/form-data")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'data-testid="held-file"' in html and "to-trinh.pdf" in html
    assert html.count('data-testid="error"') == 1 and 'id="file" name="file" type="file" accept="application/pdf,.pdf" >' in html
    token = re.search(r'name="held" value="([^"]+)"', html).group(1)
    # Another user's post with this token names nothing: the file is asked for again.
    other = WebClient(app.test_client())
    other.login(make_user(ward.clerk.role, department=ward.vp))
    stolen = other.post("/documents/new", {**form, "summary": "Tờ trình", "held": token},
                        content_type="multipart/form-data")
    assert stolen.status_code == 400 and 'data-testid="held-file"' not in stolen.get_data(as_text=True)
    # The same user resubmits without choosing the file again.
    done = client.post("/documents/new", {**form, "summary": "Tờ trình về việc giữ tệp", "held": token},
                       content_type="multipart/form-data")
    assert done.status_code == 302

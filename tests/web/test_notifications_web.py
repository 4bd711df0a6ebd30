"""The notices screen: the user's own notices, newest first, unread highlighted, marked read, and the count."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from docflow.models import Confidentiality, Role
from docflow.services.notifications import notify, unread_count

MESSAGE = "A new document needs you: %(document)s."


def _notices(html: str) -> list[tuple[str, str]]:
    """(data-unread, text) per notice, in page order."""
    items = re.findall(r'data-testid="notice" data-unread="(true|false)">(.*?)</li>', html, re.S)
    return [(flag, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()) for flag, body in items]


def test_the_list_shows_only_my_notices_newest_first_with_unread_highlighted(client, db_session, make_user,
                                                                             make_document):
    me, other = make_user(Role.OFFICIAL), make_user(Role.OFFICIAL)
    doc = make_document(me, summary="Về việc sửa chữa trường mầm non", number_symbol="42/UBND-VP")
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    older = notify(db_session, users=[me], document=None, message=MESSAGE, params={"document": "cũ"}, now=start)
    (newer,) = notify(db_session, users=[me], document=doc, message=MESSAGE, params={"document": "42/UBND-VP"},
                      now=start + timedelta(hours=1))
    notify(db_session, users=[other], document=None, message=MESSAGE, params={"document": "của người khác"})
    db_session.execute(older[0].__table__.update().where(older[0].__table__.c.id == older[0].id)
                       .values(read_at=start + timedelta(minutes=5)))
    client.login(me)
    html = client.get("/notifications/").get_data(as_text=True)
    notices = _notices(html)
    assert [flag for flag, _ in notices] == ["true", "false"]
    assert "A new document needs you: 42/UBND-VP." in notices[0][1] and "Về việc sửa chữa trường mầm non" in notices[0][1]
    assert "cũ" in notices[1][1] and "của người khác" not in html
    assert 'data-testid="unread-count">1 chưa đọc' in html
    assert f'action="/notifications/{newer.id}/open"' in html and f"/notifications/{older[0].id}/open" not in html


def test_opening_a_notice_marks_it_read_and_goes_to_its_document(client, db_session, make_user, make_document):
    me = make_user(Role.OFFICIAL)
    doc = make_document(me)
    (notice,) = notify(db_session, users=[me], document=doc, message=MESSAGE, params={"document": "x"})
    client.login(me)
    response = client.post(f"/notifications/{notice.id}/open")
    assert response.status_code == 302 and response.location.endswith(f"/documents/{doc.id}")
    assert unread_count(db_session, me) == 0


def test_someone_elses_notice_cannot_be_opened_or_marked_read(client, db_session, make_user, make_document):
    me, other = make_user(Role.OFFICIAL), make_user(Role.OFFICIAL)
    doc = make_document(other)
    (theirs,) = notify(db_session, users=[other], document=doc, message=MESSAGE, params={"document": "x"})
    client.login(me)
    opened = client.post(f"/notifications/{theirs.id}/open")
    assert opened.status_code == 302 and opened.location.endswith("/notifications/")
    client.post("/notifications/read", {"id": str(theirs.id)})
    client.post("/notifications/read", {"all": "1"})
    assert unread_count(db_session, other) == 1


def test_mark_selected_then_mark_all_as_read(client, db_session, make_user):
    me = make_user(Role.HEAD)
    made = notify(db_session, users=[me], document=None, message=MESSAGE, params={"document": "a"})
    made += notify(db_session, users=[me], document=None, message=MESSAGE, params={"document": "b"})
    made += notify(db_session, users=[me], document=None, message=MESSAGE, params={"document": "c"})
    client.login(me)
    response = client.post("/notifications/read", {"id": [str(made[0].id), "not-a-number"]})
    assert response.status_code == 302
    assert unread_count(db_session, me) == 2
    assert client.get("/notifications/unread-count").get_json() == {"unread": 2}
    assert "Đã đánh dấu 1 thông báo là đã đọc." in client.get(response.location).get_data(as_text=True)
    client.post("/notifications/read", {"all": "1"})
    assert client.get("/notifications/unread-count").get_json() == {"unread": 0}
    assert "Mark all as read" not in client.get("/notifications/").get_data(as_text=True)


def test_a_notice_about_a_document_i_may_no_longer_see_shows_no_link_to_it(client, db_session, make_user,
                                                                            make_document, make_department):
    owner = make_user(Role.OFFICIAL)
    outsider = make_user(Role.OFFICIAL, department=make_department())
    secret = make_document(owner, confidentiality=Confidentiality.CONFIDENTIAL, summary="Hồ sơ mật")
    notify(db_session, users=[outsider], document=secret, message=MESSAGE, params={"document": "số 7"})
    client.login(outsider)
    html = client.get("/notifications/").get_data(as_text=True)
    assert "A new document needs you: số 7." in html and "Hồ sơ mật" not in html and "/open" not in html


def test_the_unread_count_is_a_template_global_and_the_screen_needs_sign_in(app, client, db_session, make_user):
    me = make_user(Role.OFFICIAL)
    notify(db_session, users=[me], document=None, message=MESSAGE, params={"document": "a"})
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/unread-count").status_code == 302
    client.login(me)
    with app.test_request_context():
        from flask_login import login_user
        login_user(me)
        assert app.jinja_env.from_string("{{ unread_notice_count() }}").render(
            **_context(app)) == "1"


def _context(app):
    context: dict = {}
    app.update_template_context(context)
    return context


def test_the_notice_text_is_escaped(client, db_session, make_user):
    me = make_user(Role.OFFICIAL)
    notify(db_session, users=[me], document=None, message=MESSAGE, params={"document": "<script>x</script>"})
    client.login(me)
    html = client.get("/notifications/").get_data(as_text=True)
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html

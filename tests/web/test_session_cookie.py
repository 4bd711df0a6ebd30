"""The session cookie is re-signed on every request (security.session_lifetime_minutes is an idle limit), except by a
request that leaves untouched a session still holding messages to show: a page's background request must not put
back a message the page shown next has already taken."""

from __future__ import annotations

from typing import Any


def _sets_cookie(response: Any) -> bool:
    return any(h.startswith("session=") for h in response.headers.getlist("Set-Cookie"))


def test_a_request_that_changes_nothing_still_renews_the_session(client, make_user) -> None:
    client.login(make_user("clerk"))
    assert _sets_cookie(client.get("/notifications/unread-count"))


def test_a_background_request_leaves_pending_messages_to_the_page_that_shows_them(client, make_user) -> None:
    client.login(make_user("clerk"))
    with client.client.session_transaction() as session:
        session["_flashes"] = [("success", "Đã ghi ý kiến của bạn.")]
    assert not _sets_cookie(client.get("/notifications/unread-count"))
    page = client.get("/")
    assert "Đã ghi ý kiến của bạn." in page.get_data(as_text=True)
    assert _sets_cookie(page)
    with client.client.session_transaction() as session:
        assert "_flashes" not in session
    # The next page shows the message no more.
    assert "Đã ghi ý kiến của bạn." not in client.get("/").get_data(as_text=True)


def test_a_page_s_background_request_answered_after_a_form_does_not_undo_the_form_s_cookie(client, make_user):
    """A PDF or a poll sent before a form was submitted, answered after it, carries the older cookie: writing it
    back would drop the message the form left (a wrong PIN's, say) before the next page shows it."""
    client.login(make_user("clerk"))
    assert not _sets_cookie(client.get("/notifications/unread-count", headers={"Sec-Fetch-Dest": "empty"}))
    assert _sets_cookie(client.get("/", headers={"Sec-Fetch-Dest": "document"}))

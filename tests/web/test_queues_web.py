"""Queue pages, the home page built on them, and the navigation."""

from __future__ import annotations

import re
from datetime import date, timedelta

from docflow.models import DocumentKind, Role, Urgency
from docflow.models.routing import StepKind
from tests.services.queues.test_queues import assign, step  # noqa: F401 (fixtures)
from tests.querycount import count_queries

# Far enough from today that no time zone or holiday moves them across "overdue".
LONG_AGO = date.today() - timedelta(days=20)
LATER = date.today() + timedelta(days=40)


def _rows(html):
    return [int(n) for n in re.findall(r'data-document-id="(\d+)"', html)]


def test_each_role_opens_its_queue_pages_and_is_refused_the_others(client, make_user, app):
    from tests.conftest import WebClient
    allowed = {Role.OFFICIAL: ["handle", "review", "overdue", "follow"], Role.CLERK: ["issue", "handle", "follow"],
               Role.LEADER: ["sign", "direct", "review", "handle", "overdue", "follow"], Role.HEAD: ["review"]}
    refused = {Role.OFFICIAL: ["sign", "issue", "direct"], Role.CLERK: ["sign", "review"],
               Role.HEAD: ["sign", "issue"], Role.AUDITOR: ["handle"], Role.ADMIN: ["follow"]}
    for role in Role:
        c = WebClient(app.test_client())
        c.login(make_user(role))
        for name in allowed.get(role, []):
            page = c.get(f"/queues/{name}")
            assert page.status_code == 200, (role, name)
            assert 'data-testid="empty"' in page.get_data(as_text=True)
        for name in refused.get(role, []):
            assert c.get(f"/queues/{name}").status_code == 403, (role, name)
    assert c.get("/queues/nonsense").status_code == 404


def test_a_queue_page_lists_my_items_urgent_first_and_not_another_users(app, client, make_user, make_department,
                                                                         make_document, assign):
    dept = make_department()
    clerk, leader = make_user(Role.CLERK), make_user(Role.LEADER)
    me, other = make_user(Role.OFFICIAL, department=dept), make_user(Role.OFFICIAL, department=dept)
    normal = make_document(clerk, department=dept, summary="Về việc bình thường")
    express = make_document(clerk, department=dept, summary="Về việc hỏa tốc", urgency=Urgency.EXPRESS)
    theirs = make_document(clerk, department=dept, summary="Về việc của người khác")
    assign(normal, by=leader, to=me, deadline=LONG_AGO)
    assign(express, by=leader, to=me, deadline=LATER)
    assign(theirs, by=leader, to=other, deadline=LONG_AGO)
    client.login(me)

    html = client.get("/queues/handle").get_data(as_text=True)
    assert _rows(html) == [express.id, normal.id]
    assert "Về việc của người khác" not in html
    assert 'data-state="overdue"' in html
    assert _rows(client.get("/queues/overdue").get_data(as_text=True)) == [normal.id]
    detail = "/incoming/" if any(r.rule == "/incoming/<int:document_id>" for r in app.url_map.iter_rules()) \
        else "/documents/"
    assert f'href="{detail}{express.id}"' in html


def test_the_home_page_shows_counts_linking_to_the_queues_and_the_first_items(client, make_user, make_department,
                                                                               make_document, step):
    dept = make_department()
    leader, official = make_user(Role.LEADER), make_user(Role.OFFICIAL, department=dept)
    draft = make_document(official, kind=DocumentKind.OUTGOING, department=dept, summary="Dự thảo chờ ký")
    step(draft, StepKind.SIGN, leader)
    client.login(leader)
    html = client.get("/").get_data(as_text=True)
    sign_card = re.search(r'href="/queues/sign" data-queue="sign">.*?data-testid="queue-count">(\d+)<', html, re.S)
    assert sign_card and sign_card.group(1) == "1"
    assert "Dự thảo chờ ký" in html
    assert 'href="/queues/overdue"' in html and "empty-state" in html


def test_queue_and_home_pages_issue_a_bounded_number_of_queries(app, client, make_user, make_department,
                                                              make_document, assign, step):
    dept = make_department()
    leader, head = make_user(Role.LEADER), make_user(Role.HEAD, department=dept)

    def add_work(n):
        for _ in range(n):
            doc = make_document(make_user(Role.OFFICIAL, department=dept), department=dept)
            assign(doc, by=leader, department=dept, deadline=LONG_AGO)
            assign(doc, by=make_user(Role.LEADER), to=head, deadline=LATER)
            step(doc, StepKind.REVIEW, head)

    add_work(2)
    client.login(head)
    urls = ["/queues/handle", "/queues/review", "/queues/overdue", "/"]
    small = {url: count_queries(app, lambda url=url: client.get(url)) for url in urls}
    add_work(12)
    large = {url: count_queries(app, lambda url=url: client.get(url)) for url in urls}
    assert small == large, (small, large)
    # the user, the capped count, the page, the unread notices: nothing per row
    assert max(large[url] for url in urls[:3]) <= 8 and large["/"] <= 12, large
    assert len(_rows(client.get("/queues/handle").get_data(as_text=True))) == 25


def test_the_navigation_links_only_the_screens_that_exist_for_the_role(client, make_user, app):
    client.login(make_user(Role.OFFICIAL))
    html = client.get("/").get_data(as_text=True)
    assert 'data-nav="delegations"' not in html
    assert ('data-nav="new-draft"' in html) == ("outgoing.new" in app.view_functions
                                                 or any(r.rule == "/outgoing/new" for r in app.url_map.iter_rules()))
    assert 'data-nav="register-incoming"' not in html
    from tests.conftest import WebClient
    leader = WebClient(app.test_client())
    leader.login(make_user(Role.LEADER))
    assert 'data-nav="delegations"' in leader.get("/").get_data(as_text=True)


def test_the_unread_notice_count_shows_in_the_navigation(client, make_user, db_session, app):
    from docflow.models.routing import Notification
    if not any(r.rule == "/notifications/" for r in app.url_map.iter_rules()):
        return
    user = make_user(Role.OFFICIAL)
    for _ in range(3):
        db_session.add(Notification(user_id=user.id, message="A document was assigned to you."))
    db_session.flush()
    client.login(user)
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'data-testid="unread-count">3<', html)

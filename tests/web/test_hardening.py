"""Cross-cutting protections: CSRF on every form, security headers, bounded queries per page."""

from __future__ import annotations

import re


from docflow import PROJECT_ROOT
from docflow.models import Role
from tests.conftest import WebClient
from tests.conftest import is_postgres
from sqlalchemy.engine import make_url
import pytest
import sqlite3
import threading
from tests.querycount import count_queries


def test_every_post_form_in_every_template_carries_a_csrf_token():
    forms = 0
    for template in (PROJECT_ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<form\b[^>]*>(.*?)</form>", text, flags=re.S | re.I):
            if 'method="post"' in match.group(0)[:200].lower():
                forms += 1
                assert 'name="csrf_token"' in match.group(1), f"{template.name}: a POST form without csrf_token"
    assert forms >= 10


def test_every_post_endpoint_refuses_a_request_without_the_token(app, client, make_user):
    client.login(make_user(Role.ADMIN))
    # OCSP is the one exception: RFC 6960 clients post binary requests with no session and no form.
    exempt = {"/pki/ocsp"}
    posts = [r for r in app.url_map.iter_rules() if "POST" in (r.methods or set()) and r.rule not in exempt]
    assert len(posts) >= 15
    for rule in posts:
        url = re.sub(r"<(?:int:)?[a-z_]+>", "1", rule.rule)
        response = client.post(url, {}, csrf=False)
        # The API takes no cookie at all (bearer tokens only, so no CSRF token): the session is refused 401.
        assert response.status_code == (401 if url.startswith("/api/") else 400), url
    assert client.post("/pki/ocsp", {}, csrf=False).status_code in (200, 404)  # answered, never a form


def test_html_pages_send_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "cdn" not in response.get_data(as_text=True).lower()


def test_no_request_leaves_the_machine_for_assets(client):
    html = client.get("/login").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith(("/", "#")) for a in assets), assets  # "#main": the skip link


def test_the_list_and_document_pages_issue_a_bounded_number_of_queries(app, client, make_user, make_document,
                                                                       make_department):
    dept = make_department()
    clerk = make_user(Role.CLERK, department=dept)
    docs = [make_document(clerk, department=dept) for _ in range(3)]
    client.login(clerk)
    url = f"/documents/?department_id={dept.id}"
    small = count_queries(app, lambda: client.get(url))
    docs += [make_document(make_user(Role.CLERK, department=dept), department=dept) for _ in range(20)]
    large = count_queries(app, lambda: client.get(url))
    assert small == large
    one = count_queries(app, lambda: client.get(f"/documents/{docs[0].id}"))
    assert one <= 13   # 12, and one for the records panel (the files holding it, the open files to add it to)


@pytest.mark.skipif(is_postgres(), reason="SQLite's write lock")
def test_reading_pages_is_not_blocked_by_a_writer_on_sqlite(committed_app):
    path = make_url(str(committed_app.extensions["docflow.engine"].url)).database
    web = WebClient(committed_app.test_client())
    from docflow.services.demo import DEMO_PASSWORD
    assert web.login("vanthu", DEMO_PASSWORD).status_code == 302
    writer = sqlite3.connect(path, isolation_level=None, timeout=1)
    writer.execute("BEGIN IMMEDIATE")
    try:
        result: list[int] = []
        reader = threading.Thread(target=lambda: result.append(web.get("/documents/").status_code))
        reader.start()
        reader.join(timeout=20)
        assert result == [200]
    finally:
        writer.execute("ROLLBACK")
        writer.close()

"""The page frame every screen shares (issue 13 §3–§4): the sign-in page names the ward as the database
knows it, every page has a skip link and a labelled main landmark, and the document page carries the PDF.js
viewer (its worker from our static files, a plain download link) instead of the browser's PDF plugin."""

from __future__ import annotations

import re

from docflow.models import Organisation


def test_the_sign_in_page_names_the_ward_from_the_database(client, org: Organisation, db_session) -> None:
    org.name = "UBND phường Hòa Bình Thử"
    db_session.flush()
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'data-testid="ward-name">\s*UBND phường Hòa Bình Thử\s*<', html)


def test_the_signed_in_pages_name_the_users_ward_from_the_database(client, org: Organisation, db_session,
                                                                   make_user) -> None:
    org.name = "UBND phường Hòa Bình Thử"
    db_session.flush()
    client.login(make_user("clerk"))
    html = client.get("/").get_data(as_text=True)
    assert 'title="UBND phường Hòa Bình Thử"' in html and "Tích Sơn" not in html


def test_every_page_starts_with_a_skip_link_to_the_main_landmark(client, make_user) -> None:
    user = make_user("clerk")
    client.login(user)
    for path in ("/", "/documents/", "/login"):
        html = client.get(path).get_data(as_text=True)
        assert '<a class="skip-link" href="#main"' in html
        assert '<main id="main"' in html
        assert '<nav class="navbar' in html and 'aria-label=' in html.split('<nav', 1)[1].split('>', 1)[0]


def test_the_document_page_shows_the_pdfjs_viewer_not_the_browser_plugin(client, make_user, make_document) -> None:
    clerk = make_user("clerk")
    document = make_document(owner=clerk)
    client.login(clerk)
    html = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "<iframe" not in html and "<embed" not in html and "<object" not in html
    assert f'data-src="/documents/{document.id}/file"' in html
    assert 'data-worker="/static/vendor/pdfjs/pdf.worker.min.js"' in html
    assert f'href="/documents/{document.id}/versions/1/download" data-testid="pdf-download">Tải về</a>' in html
    for asset in ("/static/pdfviewer.js", "/static/vendor/pdfjs/pdf.worker.min.js", "/static/vendor/pdfjs/pdf.min.js",
                  "/static/vendor/pdfjs/web/pdf_viewer.js"):
        response = client.get(asset)
        assert response.status_code == 200 and "javascript" in response.mimetype, asset
        response.close()

"""The text index on the screens: an upload's pages are stored when the response returns, and the incoming and
outgoing pages show how far the text has been read (refreshed from a small JSON endpoint while OCR runs)."""

from __future__ import annotations

import io

from sqlalchemy import select

from docflow.models import DocumentKind, PageText, Role, TextSource
from tests.ocrpdfs import SENTENCE, image_pdf, text_pdf

PAGES = [f"{SENTENCE}: biên bản số {n} của tổ công tác địa chính phường." for n in (1, 2)]


def test_an_uploaded_pdf_s_text_is_stored_before_the_response_returns(client, make_user, db_session):
    client.login(make_user(Role.CLERK))
    response = client.post("/documents/new", {
        "kind": "internal", "doc_type": "cong_van", "summary": "Về việc kiểm tra thực địa",
        "issuing_body": "UBND phường", "urgency": "normal", "confidentiality": "normal",
        "file": (io.BytesIO(text_pdf(PAGES)), "bien-ban.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    document_id = int(response.location.rstrip("/").split("/")[-1])

    rows = db_session.execute(select(PageText).where(PageText.document_id == document_id)
                              .order_by(PageText.page_no)).scalars().all()
    assert [(r.page_no, r.source) for r in rows] == [(1, TextSource.LAYER), (2, TextSource.LAYER)]
    assert "bien ban so 2" in rows[1].folded


def test_the_incoming_page_shows_the_pages_read(client, make_user, make_document):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk, kind=DocumentKind.INCOMING, content=text_pdf(PAGES))
    client.login(clerk)

    html = client.get(f"/incoming/{document.id}").get_data(as_text=True)

    assert 'data-testid="text-status"' in html and "Đã đọc chữ 2/2 trang" in html
    assert "data-text-status-url" not in html   # nothing left to wait for: no polling


def test_the_outgoing_page_shows_ocr_in_progress_and_its_json_refreshes_it(client, make_user, make_document):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk, kind=DocumentKind.OUTGOING, content=image_pdf([SENTENCE]))
    client.login(clerk)

    html = client.get(f"/outgoing/{document.id}").get_data(as_text=True)
    status = client.get(f"/documents/{document.id}/text-status")

    assert "Đang nhận dạng chữ (OCR): 0/1 trang" in html
    assert f'data-text-status-url="/documents/{document.id}/text-status"' in html and "textstatus.js" in html
    assert status.status_code == 200 and status.headers["Cache-Control"] == "no-store"
    assert status.json == {"pages": 1, "read": 0, "pending": 1, "failed": 0, "complete": False,
                           "message": "Đang nhận dạng chữ (OCR): 0/1 trang"}

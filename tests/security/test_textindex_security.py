"""The text index under attack: a PDF whose page is a decompression bomb for the text reader still uploads,
whole, with the pages read before it kept; a document's text status is refused to whoever may not see it."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from docflow.models import Confidentiality, DocumentKind, OcrStatus, OcrTask, PageText, Role
from tests.hostilepdfs import bomb_pdf
from tests.ocrpdfs import text_pdf


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return bomb_pdf()


def test_a_pdf_that_bombs_the_text_reader_still_uploads_and_loses_nothing(client, make_user, db_session, store,
                                                                          bomb):
    client.login(make_user(Role.CLERK))
    # Encoded here in memory: the test client's own encoder would spool this 1 MB file to a file it never closes.
    boundary, body = encode_multipart({
        "csrf_token": client.token(), "kind": "internal", "doc_type": "cong_van",
        "summary": "Về việc tệp có trang độc hại", "issuing_body": "UBND phường", "urgency": "normal",
        "confidentiality": "normal", "file": FileStorage(io.BytesIO(bomb), "bom.pdf")})
    response = client.client.post("/documents/new", data=body, content_type=f"multipart/form-data; boundary={boundary}")

    assert response.status_code == 302
    document_id = int(response.location.rstrip("/").split("/")[-1])
    assert client.get(f"/documents/{document_id}/file").data == bomb
    rows = db_session.execute(select(PageText).where(PageText.document_id == document_id)).scalars().all()
    assert [r.page_no for r in rows] == [1] and "kiem tra thuc dia" in rows[0].folded
    tasks = db_session.execute(select(OcrTask).where(OcrTask.document_id == document_id)).scalars().all()
    assert [(t.page_no, t.status) for t in tasks] == [(2, OcrStatus.QUEUED)]


def test_the_text_status_is_refused_to_another_department_and_to_strangers(app, client, make_user,
                                                                           make_department, make_document):
    owner = make_user(Role.OFFICIAL)
    document = make_document(owner, kind=DocumentKind.INTERNAL, confidentiality=Confidentiality.CONFIDENTIAL,
                             content=text_pdf(["Nội dung mật: kiểm tra thực địa đất đai."]))
    outsider = make_user(Role.OFFICIAL, department=make_department("Tư pháp", "TP"))

    anonymous = app.test_client().get(f"/documents/{document.id}/text-status")
    client.login(outsider)
    refused = client.get(f"/documents/{document.id}/text-status")

    assert anonymous.status_code == 302 and "/login" in anonymous.location
    assert refused.status_code == 403 and "Nội dung mật" not in refused.get_data(as_text=True) and b'"read"' not in refused.data

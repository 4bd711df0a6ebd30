"""Document screens: upload, page, inline view, download, bad files, other departments, lists."""

from __future__ import annotations

import io
import re

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart
from sqlalchemy import func, select

from docflow.models import Confidentiality, Document, Role
from tests.conftest import pdf_bytes
from docflow.services import audit


def _upload(client, content: bytes, filename: str = "van-ban.pdf", **fields):
    data = {"kind": "internal", "doc_type": "cong_van", "summary": "Về việc tổ chức Tết Trung thu",
            "issuing_body": "UBND quận Hoàn Kiếm", "urgency": "normal", "confidentiality": "normal"}
    data.update(fields)
    data["file"] = (io.BytesIO(content), filename)
    return client.post("/documents/new", data, content_type="multipart/form-data")


def _count(db_session) -> int:
    return db_session.execute(select(func.count(Document.id))).scalar_one()


def test_upload_then_open_the_document_page_and_its_pdf(client, make_user, store):
    client.login(make_user(Role.CLERK))
    content = pdf_bytes("web-upload")
    response = _upload(client, content, number_symbol="123/UBND-VP", urgency="urgent")
    assert response.status_code == 302
    page = client.get(response.location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Về việc tổ chức Tết Trung thu" in html and "123/UBND-VP" in html and 'data-testid="pdf-frame"' in html
    document_id = int(response.location.rstrip("/").split("/")[-1])
    pdf = client.get(f"/documents/{document_id}/file")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data == content
    assert "inline" in pdf.headers.get("Content-Disposition", "inline")
    download = client.get(f"/documents/{document_id}/versions/1/download")
    assert download.data == content and "attachment" in download.headers["Content-Disposition"]


@pytest.mark.parametrize("content,message", [
    (b"", "không có nội dung"),
    (b"PK\x03\x04 a zip file, not a PDF", "không phải"),
    (pdf_bytes("truncated")[:200], "hỏng"),
])
def test_bad_files_get_a_clear_message_and_nothing_is_stored(client, make_user, db_session, content, message):
    client.login(make_user(Role.CLERK))
    before = _count(db_session)
    response = _upload(client, content)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True).lower()
    assert _count(db_session) == before


def test_a_password_protected_pdf_is_refused(client, make_user, db_session):
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes("secret"))))
    writer.encrypt("mat-khau")
    out = io.BytesIO()
    writer.write(out)
    client.login(make_user(Role.CLERK))
    response = _upload(client, out.getvalue())
    assert response.status_code == 400
    assert "mật khẩu" in response.get_data(as_text=True).lower()


def test_an_oversized_upload_is_refused_with_the_limit(app, client, make_user, db_session):
    client.login(make_user(Role.CLERK))
    limit = app.config["MAX_CONTENT_LENGTH"]
    before = _count(db_session)
    # Encoded here in memory: the test client's own encoder would spool to a file it never closes.
    boundary, body = encode_multipart({"csrf_token": client.token(), "kind": "internal", "doc_type": "cong_van",
                                       "summary": "Quá lớn", "issuing_body": "UBND",
                                       "file": FileStorage(io.BytesIO(b"%PDF-1.7\n" + b"0" * (limit + 10)),
                                                           "lon.pdf")})
    response = client.client.post("/documents/new", data=body,
                                  content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "MB" in response.get_data(as_text=True)
    assert _count(db_session) == before


def test_the_form_keeps_what_was_typed_after_an_error(client, make_user):
    client.login(make_user(Role.CLERK))
    response = _upload(client, b"not a pdf", summary="Trích yếu cần giữ lại")
    assert "Trích yếu cần giữ lại" in response.get_data(as_text=True)


def test_another_departments_document_by_direct_url_is_forbidden(client, make_user, make_document,
                                                                make_department):
    own, other = make_department(), make_department()
    doc = make_document(make_user(Role.OFFICIAL, department=own))
    client.login(make_user(Role.OFFICIAL, department=other))
    for url in (f"/documents/{doc.id}", f"/documents/{doc.id}/file", f"/documents/{doc.id}/versions/1/download",
                f"/documents/{doc.id}/edit"):
        assert client.get(url).status_code == 403, url
    assert client.get("/documents/999999").status_code == 404


def test_a_confidential_document_is_hidden_from_lists_and_urls(client, make_user, make_document):
    clerk = make_user(Role.CLERK)
    doc = make_document(clerk, confidentiality=Confidentiality.SECRET, summary="Hồ sơ tối mật")
    client.login(make_user(Role.CLERK))
    assert client.get(f"/documents/{doc.id}").status_code == 403
    assert "Hồ sơ tối mật" not in client.get("/documents/").get_data(as_text=True)


def test_an_auditor_reads_but_cannot_change(client, make_user, make_document):
    doc = make_document(make_user(Role.CLERK))
    client.login(make_user(Role.AUDITOR))
    assert client.get(f"/documents/{doc.id}").status_code == 200
    assert client.get("/documents/new").status_code == 403
    assert client.get(f"/documents/{doc.id}/edit").status_code == 403
    response = client.post(f"/documents/{doc.id}/versions",
                           {"file": (io.BytesIO(pdf_bytes()), "x.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 403


def test_a_missing_blob_gives_a_clear_page_not_a_traceback(client, make_user, make_document, store):
    clerk = make_user(Role.CLERK)
    doc = make_document(clerk, content=pdf_bytes("web-lost"))
    store.path_for(doc.current_version.sha256).unlink()
    client.login(clerk)
    assert client.get(f"/documents/{doc.id}").status_code == 200
    response = client.get(f"/documents/{doc.id}/file")
    assert response.status_code == 500
    assert doc.current_version.sha256 in response.get_data(as_text=True)


def test_editing_metadata_and_a_stale_form(client, make_user, make_document):
    clerk = make_user(Role.CLERK)
    doc = make_document(clerk)
    client.login(clerk)
    form = client.get(f"/documents/{doc.id}/edit").get_data(as_text=True)
    row_version = re.search(r'name="row_version" value="(\d+)"', form).group(1)
    fields = {"doc_type": "thong_bao", "summary": "Trích yếu đã sửa", "issuing_body": "UBND quận",
              "urgency": "normal", "confidentiality": "normal", "row_version": row_version}
    assert client.post(f"/documents/{doc.id}/edit", fields).status_code == 302
    stale = client.post(f"/documents/{doc.id}/edit", {**fields, "summary": "Bản cũ"})
    assert stale.status_code == 409
    assert "Trích yếu đã sửa" in client.get(f"/documents/{doc.id}").get_data(as_text=True)


def test_adding_a_version_through_the_page(client, make_user, make_document):
    clerk = make_user(Role.CLERK)
    doc = make_document(clerk)
    client.login(clerk)
    response = client.post(f"/documents/{doc.id}/versions",
                           {"file": (io.BytesIO(pdf_bytes("v2-web")), "ban-2.pdf"), "note": "Bản sửa"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    html = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "ban-2.pdf" in html and "Bản sửa" in html


def test_the_list_filters_and_pages(client, make_user, make_document, make_department):
    dept = make_department()
    clerk = make_user(Role.CLERK, department=dept)
    for i in range(30):
        make_document(clerk, department=dept, summary=f"Danh sách mục {i:02d}",
                      doc_type="ke_hoach" if i < 3 else "cong_van")
    client.login(clerk)
    page1 = client.get(f"/documents/?department_id={dept.id}").get_data(as_text=True)
    assert "30 " in page1 and "Danh sách mục 29" in page1 and "Danh sách mục 00" not in page1
    page2 = client.get(f"/documents/?department_id={dept.id}&page=2").get_data(as_text=True)
    assert "Danh sách mục 00" in page2
    filtered = client.get(f"/documents/?department_id={dept.id}&doc_type=ke_hoach").get_data(as_text=True)
    assert filtered.count("Danh sách mục") == 3
    assert client.get("/documents/?page=abc&kind=nonsense&date_from=xx").status_code == 200


def test_a_control_character_in_a_filename_does_not_break_downloads(client, make_user, db_session):
    client.login(make_user(Role.CLERK))
    boundary = "docflowboundary"
    fields = {"csrf_token": client.token(), "kind": "internal", "doc_type": "cong_van", "summary": "Tên tệp lạ",
              "issuing_body": "UBND"}
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items())
    # RFC 5987 lets a client put CR LF into the filename; a browser never would, an attacker can.
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
             f"filename*=UTF-8''bad%0D%0AX-Injected%3A%201.pdf\r\nContent-Type: application/pdf\r\n\r\n").encode()
    body += pdf_bytes("ctl") + f"\r\n--{boundary}--\r\n".encode()
    response = client.client.post("/documents/new", data=body,
                                  content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302
    document_id = int(response.location.rsplit("/", 1)[1])
    download = client.get(f"/documents/{document_id}/versions/1/download")
    assert download.status_code == 200 and "X-Injected" not in download.headers
    # issue 13: the download is named after the document, not after what the client sent
    assert f'filename="van-ban-{document_id}_' in download.headers["Content-Disposition"]


@pytest.mark.parametrize("url,status", [
    ("/documents/?page=%C2%B2", 200),
    ("/documents/?department_id=99999999999999999999", 200),
    ("/audit/?before=%C2%B2", 200),
    ("/documents/99999999999999999999", 404),
    ("/documents/1/versions/99999999999999999999/download", 404),
])
def test_crafted_numbers_get_an_answer_not_a_500(client, make_user, url, status):
    client.login(make_user(Role.ADMIN))
    assert client.get(url).status_code == status


def test_a_confidential_pdf_is_always_sent_whole_and_audited_once_per_request(client, make_user, make_document,
                                                                             make_department,
                                                                             db_session):
    leader = make_user(Role.LEADER)
    doc = make_document(leader, department=make_department(), confidentiality=Confidentiality.CONFIDENTIAL)
    client.login(leader)
    response = client.get(f"/documents/{doc.id}/file", headers={"Range": "bytes=0-10"})
    assert response.status_code == 200 and len(response.data) == doc.current_version.size
    views = [e for e in audit.events_for(db_session, object_type="document", object_id=doc.id)
             if e.action == "document.viewed"]
    assert len(views) == 1


def test_the_list_and_the_search_read_their_filters_alike_and_leave_out_what_is_malformed():
    from datetime import date

    from docflow.models import DocumentKind
    from docflow.web.helpers import document_filters
    args = {"q": "đất đai" * 40, "kind": "incoming", "status": "nonsense", "department_id": "²",
            "date_from": "2026-02-30", "date_to": "2026-03-01", "sort": "drop table", "order": "asc"}
    filters = document_filters(args, max_query=100)
    assert (filters.kind, filters.status, filters.department_id, filters.date_from, filters.date_to) == (
        DocumentKind.INCOMING, None, None, None, date(2026, 3, 1))
    assert len(filters.q) == 100 and filters.sort == "created" and filters.descending is False
    assert document_filters({}, max_query=10) == document_filters({"kind": "", "order": "desc"}, max_query=10)

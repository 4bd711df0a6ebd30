"""The records pages: the file plan of a year, a file's page, "add to file" from a document's page, closing and
reopening by role, the printable cover and table of contents, the appraisal list and the chairman's decision."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from docflow.models import DocumentKind, FileDocument, FilePlan, FileStatus, RecordFile, Role
from docflow.services import records
from tests.services.records.helpers import NOW, open_file, planned_file

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_R46_the_clerk_builds_the_plan_on_its_page_and_a_leader_approves_it(client, db_session, make_user):
    clerk, leader = make_user(Role.CLERK), make_user(Role.LEADER)
    client.login(clerk)
    assert 'data-nav="records"' in _page(client, "/")
    assert 'data-testid="no-plan"' in _page(client, "/records/?year=2026")
    assert client.post("/records/plan/2026/headings", {"title": "Công tác văn phòng", "department_id": ""}
                       ).status_code == 302
    heading = db_session.execute(select(FilePlan)).scalar_one().headings[0]
    assert client.post(f"/records/headings/{heading.id}/files", {"code": "01.VP", "title": "Hồ sơ tiếp công dân",
                                                                 "retention_years": "", "year": "2026"}
                       ).status_code == 302
    page = _page(client, "/records/?year=2026")
    assert "01.VP" in page and "Vĩnh viễn" in page and 'data-testid="approve-plan"' not in page
    client.logout()

    client.login(leader)
    assert 'data-testid="approve-plan"' in _page(client, "/records/?year=2026")
    client.post("/records/plan/2026/approve")
    assert 'data-testid="plan-approved"' in _page(client, "/records/?year=2026")


def test_a_mistyped_entry_is_flashed_and_nothing_is_added(client, db_session, make_user):
    clerk = make_user(Role.CLERK)
    record = planned_file(db_session, actor=clerk)
    client.login(clerk)
    response = client.post(f"/records/headings/{record.heading_id}/files",
                           {"code": "x" * 21, "title": "T", "retention_years": "abc"}, follow_redirects=True)
    assert "1 đến 100 năm" in response.get_data(as_text=True)
    response = client.post(f"/records/headings/{record.heading_id}/files",
                           {"code": "01.VP", "title": "Trùng", "retention_years": "5"}, follow_redirects=True)
    assert "đã có trong danh mục" in response.get_data(as_text=True)
    assert len(db_session.execute(select(RecordFile)).scalars().all()) == 1


def test_a_document_is_added_to_a_file_from_its_page_and_listed_on_the_files_page(client, db_session, make_user,
                                                                                  make_document):
    clerk = make_user(Role.CLERK)
    record = open_file(db_session, actor=clerk)
    document = make_document(clerk, kind=DocumentKind.INCOMING, summary="Về việc tiếp công dân tháng 3")
    client.login(clerk)
    page = _page(client, f"/incoming/{document.id}")
    assert 'data-testid="add-to-file-form"' in page and "01.VP" in page

    response = client.post(f"/records/documents/{document.id}/add", {"file_id": str(record.id), "home": "auto"})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/incoming/{document.id}#records")
    assert db_session.execute(select(FileDocument)).scalar_one().is_home
    page = _page(client, f"/records/files/{record.id}")
    assert "Về việc tiếp công dân tháng 3" in page and 'data-testid="close-file"' in page
    page = _page(client, f"/incoming/{document.id}")
    assert 'data-testid="document-file"' in page and "Hồ sơ gốc" in page
    assert 'data-testid="add-to-file-form"' not in page, "a file holding the document is not offered again"


def test_the_add_to_file_panel_is_on_outgoing_and_internal_pages_too(client, db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    open_file(db_session, actor=clerk)
    client.login(clerk)
    outgoing = make_document(clerk, kind=DocumentKind.OUTGOING)
    internal = make_document(clerk, kind=DocumentKind.INTERNAL)
    assert 'data-testid="add-to-file-form"' in _page(client, f"/outgoing/{outgoing.id}")
    assert 'data-testid="add-to-file-form"' in _page(client, f"/documents/{internal.id}")


def test_closing_makes_the_file_read_only_and_only_a_leader_sees_reopen(client, db_session, make_user,
                                                                         make_document):
    clerk, leader = make_user(Role.CLERK), make_user(Role.LEADER)
    record = open_file(db_session, actor=clerk)
    document = make_document(clerk)
    records.add_document(db_session, actor=clerk, file_id=record.id, document_id=document.id, now=NOW)
    client.login(clerk)
    client.post(f"/records/files/{record.id}/close")
    db_session.refresh(record)
    assert record.status is FileStatus.CLOSED
    page = _page(client, f"/records/files/{record.id}")
    assert 'data-testid="file-read-only"' in page and 'data-testid="reopen-form"' not in page
    assert 'data-testid="remove-document"' not in page
    refused = client.post(f"/records/files/{record.id}/documents/{document.id}/remove", follow_redirects=True)
    assert "đã đóng, chỉ được xem" in refused.get_data(as_text=True)
    assert 'data-testid="add-to-file-form"' not in _page(client, f"/incoming/{document.id}")
    client.logout()

    client.login(leader)
    assert 'data-testid="reopen-form"' in _page(client, f"/records/files/{record.id}")
    client.post(f"/records/files/{record.id}/reopen", {"reason": "Bổ sung văn bản"})
    db_session.refresh(record)
    assert record.status is FileStatus.OPEN


def test_the_cover_and_the_table_of_contents_print_as_pages_and_pdfs(client, db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    record = open_file(db_session, actor=clerk)
    document = make_document(clerk, summary="Về việc tiếp công dân", document_date=date(2026, 2, 3))
    records.add_document(db_session, actor=clerk, file_id=record.id, document_id=document.id, now=NOW)
    client.login(clerk)

    cover = _page(client, f"/records/files/{record.id}/cover")
    contents = _page(client, f"/records/files/{record.id}/contents")

    assert 'data-testid="cover-code">01.VP' in cover and "Thời hạn bảo quản: 10 năm" in cover
    assert "data-print" in cover and "<script>" not in cover
    headings = re.findall(r"<th>([^<]+)</th>", contents)
    assert headings == ["STT", "Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tác giả văn bản",
                        "Trích yếu nội dung văn bản", "Tờ số/Trang số", "Ghi chú"]
    assert "03/02/2026" in contents and "Về việc tiếp công dân" in contents
    for part in ("cover", "contents"):
        response = client.get(f"/records/files/{record.id}/{part}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")


def test_the_chairman_records_a_destruction_decision_on_the_appraisal_page(client, db_session, make_user,
                                                                           make_document):
    clerk, chairman = make_user(Role.CLERK), make_user(Role.LEADER)
    chairman.post = "Chủ tịch"
    record = open_file(db_session, actor=clerk, retention=1)
    records.add_document(db_session, actor=clerk, file_id=record.id, now=NOW,
                         document_id=make_document(clerk, document_date=date(2020, 1, 2)).id)
    records.close_file(db_session, actor=clerk, file_id=record.id, tz=TZ, now=NOW)
    client.login(clerk)
    page = _page(client, "/records/appraisal")
    assert 'data-testid="due-file"' in page and 'data-testid="destroy-files"' not in page
    client.logout()

    client.login(chairman)
    assert 'data-testid="destroy-files"' in _page(client, "/records/appraisal")
    client.post("/records/appraisal/destroy", {"file_id": str(record.id), "number": "12/QĐ-UBND",
                                               "decided_on": "2026-03-01", "reason": "Hết thời hạn bảo quản"})
    db_session.refresh(record)
    assert record.status is FileStatus.DESTROYED
    page = _page(client, "/records/appraisal")
    assert 'data-testid="destroyed-file"' in page and "12/QĐ-UBND" in page
    assert 'data-testid="file-destroyed"' in _page(client, f"/records/files/{record.id}")

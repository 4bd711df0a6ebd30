"""Issue 13, the working day on screen: deadlines, the kind column, download names, "để biết", the
handling record and the other daily snags, as each role meets them."""

from __future__ import annotations

import re
from tests.services.incoming.test_incoming import directed, register, settings, ward  # noqa: F401 - fixtures


def _row(html: str, document_id: int) -> str:
    match = re.search(rf'<tr [^>]*data-document-id="{document_id}".*?</tr>', html, re.S)
    assert match, f"no row for document {document_id}"
    return match.group(0)


def test_the_documents_list_names_the_kind_and_shows_the_directions_deadline(app, client, ward, directed,
                                                                          db_session):
    d = directed()
    client.login(ward.leader)
    html = client.get("/documents/").get_data(as_text=True)
    row = _row(html, d.document.id)
    assert 'data-kind="incoming"' in row and "Văn bản đến" in row
    assert '<td data-testid="deadline">20/03/2026</td>' in row
    detail = client.get(f"/incoming/{d.document.id}").get_data(as_text=True)
    assert re.search(r'data-testid="deadline">20/03/2026<', detail)
    incoming_list = client.get("/incoming/").get_data(as_text=True)
    assert '<td data-testid="deadline">20/03/2026</td>' in _row(incoming_list, d.document.id)


def test_the_home_page_lists_for_information_apart_from_the_work_to_handle(client, ward, directed):
    d = directed()
    client.login(ward.vice)
    html = client.get("/").get_data(as_text=True)
    info = re.search(r'data-testid="home-section" data-queue="info">.*?</section>', html, re.S)
    handle = re.search(r'data-testid="home-section" data-queue="handle">.*?</section>', html, re.S)
    assert info and f'data-document-id="{d.document.id}"' in info.group(0)
    assert handle is None or f'data-document-id="{d.document.id}"' not in handle.group(0)


def test_downloads_are_named_after_the_documents_number_date_and_version(client, ward, directed):
    d = directed()
    client.login(ward.leader)
    version = client.get(f"/documents/{d.document.id}/versions/1/download")
    header = version.headers["Content-Disposition"]
    assert header.startswith('attachment; filename="123-STNMT-DD_2026-03-05_v1.pdf"')
    assert "filename*=UTF-8''123-STNMT-%C4%90%C4%90_2026-03-05_v1.pdf" in header
    inline = client.get(f"/documents/{d.document.id}/file").headers["Content-Disposition"]
    assert inline.startswith('inline; filename="123-STNMT-DD_2026-03-05_v1.pdf"')
    slip = client.get(f"/incoming/{d.document.id}/slip.pdf").headers["Content-Disposition"]
    assert slip.startswith('inline; filename="123-STNMT-DD_2026-03-05_phieu-giai-quyet.pdf"')
    report = client.get(f"/documents/{d.document.id}/versions/1/verification?format=json")
    assert 'filename="123-STNMT-DD_2026-03-05_v1_kiem-tra-chu-ky.json"' in report.headers["Content-Disposition"]


def test_R43_the_leader_keeps_phrases_on_his_screen_and_picks_one_when_directing(client, ward, register,
                                                                                 db_session):
    from docflow.models import Opinion
    from sqlalchemy import select
    document = register().document
    client.login(ward.leader)
    assert client.post("/phrases/", {"text": "Giao phòng Địa chính chủ trì, tham mưu trả lời"}).status_code == 302
    refused = client.post("/phrases/", {"text": "   "})
    assert refused.status_code == 400 and refused.get_data(as_text=True).count('data-testid="field-error"') == 1
    page = client.get(f"/incoming/{document.id}").get_data(as_text=True)
    assert 'data-testid="phrase-select"' in page and "Giao phòng Địa chính chủ trì, tham mưu trả lời</option>" in page
    assert "phrases.js" in page
    response = client.post(f"/incoming/{document.id}/direct",
                           {"row_version": document.row_version, f"role_d{ward.dc.id}": "lead",
                            "phrase": "Giao phòng Địa chính chủ trì, tham mưu trả lời", "instruction": "Trước 20/3"})
    assert response.status_code == 302
    body = db_session.execute(select(Opinion.body).where(Opinion.document_id == document.id)).scalar_one()
    assert body == "Giao phòng Địa chính chủ trì, tham mưu trả lời\nTrước 20/3"


def test_R20_the_handling_record_prints_who_directed_assigned_and_answered_with_deadlines(client, ward, directed,
                                                                                        db_session, settings):
    from docflow.services import incoming
    d = directed()
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, instruction="Kiểm tra thực địa")
    incoming.add_opinion(db_session, actor=ward.handler, assignment_id=child.id, body="Đã kiểm tra thực địa ngày 12/3")
    client.login(ward.leader)
    detail = client.get(f"/incoming/{d.document.id}").get_data(as_text=True)
    assert f'href="/incoming/{d.document.id}/handling-record"' in detail
    page = client.get(f"/incoming/{d.document.id}/handling-record")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="handling-record"' in html
    assert "Trần Văn Minh" in html and "Giao Địa chính chủ trì, báo cáo trước hạn." in html
    assert html.count('data-testid="record-assignment"') == 4          # lead, co, info; the handler
    assert "20/03/2026" in html and "Phan Thị Ngọc" in html and "Kiểm tra thực địa" in html
    assert "Đã kiểm tra thực địa ngày 12/3" in html
    assert "print.js" in html and "<nav" not in html                 # a clean page: no menu


def test_a_notice_whose_work_is_done_is_marked_done_on_the_notice_list(client, ward, directed, db_session, settings):
    from docflow.services import incoming
    d = directed()
    incoming.complete_assignment(db_session, actor=ward.head_tp, assignment_id=d.co.id, result="Đã góp ý",
                                 settings=settings)
    client.login(ward.head_tp)
    html = client.get("/notifications/").get_data(as_text=True)
    assert html.count('data-testid="notice-done"') == 1 and 'data-unread="false"' in html

"""The search page (issue 13 §1): results with snippet and page, escaping, pagination, saved searches,
exports to CSV and XLSX with spreadsheet formulas neutralised."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from docflow.models import DocumentKind, OpinionKind, Role
from tests.services.search.helpers import opinion, with_pages


@pytest.fixture
def leader(make_user, make_department):
    return make_user(Role.LEADER, full_name="Nguyễn Văn Chủ", department=make_department("Lãnh đạo", "LD"))


@pytest.fixture
def browser(client, leader):
    client.login(leader)
    return client


def test_R53_the_search_page_shows_ranked_hits_with_marked_snippets_and_the_page(browser, db_session, leader,
                                                                                make_document):
    document = with_pages(db_session, make_document(leader, summary="Về việc tổ dân phố"),
                          "Trang một", '<img src=x onerror=alert(1)> Kiểm tra thực địa ĐẤT ĐAI')
    html = browser.get("/search/?q=dat+dai").get_data(as_text=True)
    assert f'data-document-id="{document.id}"' in html
    assert "<mark>ĐẤT</mark> <mark>ĐAI</mark>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert f"/documents/{document.id}/file#page=2" in html
    assert "Tại trang 2" in html


def test_R53_a_hit_in_an_opinion_says_whose_opinion(browser, db_session, leader, make_user, make_document):
    handler = make_user(Role.OFFICIAL, full_name="Lê Thị Hoa")
    document = make_document(leader, summary="Văn bản")
    opinion(db_session, document, handler, "Cần kiểm tra thực địa trước", kind=OpinionKind.OPINION)
    html = browser.get("/search/?q=%22ki%E1%BB%83m+tra+th%E1%BB%B1c+%C4%91%E1%BB%8Ba%22").get_data(as_text=True)
    assert f'data-document-id="{document.id}"' in html
    assert "Trong ý kiến của Lê Thị Hoa" in html


def test_the_search_page_pages_its_results(browser, db_session, leader, make_document):
    for n in range(23):
        with_pages(db_session, make_document(leader, summary=f"Văn bản {n}"), "Phòng cháy chữa cháy")
    first = browser.get("/search/?q=phong+chay").get_data(as_text=True)
    second = browser.get("/search/?q=phong+chay&page=2").get_data(as_text=True)
    assert first.count('data-testid="hit"') == 20 and second.count('data-testid="hit"') == 3
    assert "Hơn 20 văn bản" in first and "page=2" in first
    assert "23 văn bản" in second and "page=3" not in second


def test_the_search_page_without_a_query_explains_itself(browser):
    response = browser.get("/search/?q=&kind=nonsense&date_from=not-a-date&department_id=%C2%B2")
    assert response.status_code == 200
    assert 'data-testid="hit"' not in response.get_data(as_text=True)


def test_R53_save_list_rerun_and_delete_a_search(browser, db_session, leader, make_document):
    with_pages(db_session, make_document(leader, kind=DocumentKind.OUTGOING), "Đất đai")
    saved = browser.post("/search/saved", {"name": "Đất đai đi", "q": "dat dai", "kind": "outgoing"})
    assert saved.status_code == 302
    page = browser.get("/search/").get_data(as_text=True)
    assert "Đất đai đi" in page
    from docflow.models import SavedSearch
    row = db_session.query(SavedSearch).one()
    assert (row.user_id, row.organisation_id, row.query) == (leader.id, leader.organisation_id, "dat dai")
    rerun = browser.get(f"/search/saved/{row.id}")
    assert rerun.status_code == 302 and "q=dat+dai" in rerun.location and "kind=outgoing" in rerun.location
    assert browser.post(f"/search/saved/{row.id}/delete").status_code == 302
    assert db_session.query(SavedSearch).count() == 0
    refused = browser.post("/search/saved", {"name": "  ", "q": "dat dai"})
    assert refused.status_code == 302 and db_session.query(SavedSearch).count() == 0


def test_R53_exports_write_every_hit_and_neutralise_formulas(browser, db_session, leader, make_document):
    document = with_pages(db_session, make_document(leader, summary='=HYPERLINK("http://x","y") đất đai'),
                          "@SUM(1) đất đai")
    csv_text = browser.get("/search/export.csv?q=dat+dai").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert rows[0][0] == "Số, ký hiệu"
    assert rows[1][3].startswith("'=HYPERLINK") and rows[1][-1] == str(document.id)
    response = browser.get("/search/export.xlsx?q=dat+dai")
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    cells = list(sheet.iter_rows(min_row=2, values_only=True))[0]
    assert cells[3].startswith("'=HYPERLINK") and cells[-1] == document.id
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_R53_an_export_is_audited_and_kept_in_no_cache(browser, db_session, leader, make_document):
    from sqlalchemy import select

    from docflow.models import AuditEvent
    with_pages(db_session, make_document(leader, summary="Về việc đất đai"), "đất đai")
    for fmt in ("csv", "xlsx"):
        response = browser.get(f"/search/export.{fmt}?q=dat+dai&kind=incoming")
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    db_session.expire_all()
    events = db_session.execute(select(AuditEvent).where(AuditEvent.action == "search.exported")
                                .order_by(AuditEvent.seq)).scalars().all()
    assert [(e.actor_id, e.details["format"], e.details["query"], e.details["filters"]["kind"])
            for e in events] == [(leader.id, "csv", "dat dai", "incoming"), (leader.id, "xlsx", "dat dai", "incoming")]
    assert all(e.details["number"] == 1 for e in events)

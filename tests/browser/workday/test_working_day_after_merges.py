"""The rest of the working day, on the documents the day made (tests/browser/workday/test_working_day.py runs
first): what issue 13 adds to the day.

- search (issue13-search, issue13-textindex): a phrase inside the letter's PDF and one in the official's opinion;
- the dashboard (issue13-reports): the on-time rate table;
- bulk confirmation of access changes (issue13-readable);
- the workflow snags (issue13-workday): the direction's deadline, the incoming/outgoing column, download names;
- every role's home page at 390 px (issue13-layout).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.workday.desk import NAMES, OPINION_PHRASE, PHONE, PHRASE, ROLES, Day, Desk, today
from tests.conftest import is_postgres

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(is_postgres(), reason="the working day walks once, on SQLite: the PostgreSQL "
                                                       "pass would repeat the same screens")]

VT = Callable[..., str]
LETTER_BODY_ONLY = "xac minh hien trang"   # accent-less; in the letter's text layer, not in any field or opinion


def search(page: Page, query: str) -> None:
    page.goto("/search?q=" + quote(query))
    expect(page.locator("html")).to_have_attribute("lang", "vi")


def hit(page: Page, document_id: int) -> Locator:
    """The document's hit in the result list (waited for)."""
    found = page.locator(f"[data-testid=hit][data-document-id='{document_id}']")
    expect(found).to_be_visible()
    return found


def test_R50_every_roles_home_page_fits_a_390px_phone_without_horizontal_scroll(desk: Desk) -> None:
    widths = {role: desk.phone_home(role) for role in ROLES}
    assert all(width <= PHONE["width"] for width in widths.values()), f"wider than the phone: {widths}"


def test_R50_the_days_documents_and_lists_fit_a_390px_phone_without_horizontal_scroll(desk: Desk, day: Day) -> None:
    day.need("clerk-afternoon")
    widths = desk.on_phone("clerk", {"letter": f"/incoming/{day.incoming_id}", "reply": f"/outgoing/{day.reply_id}",
                                     "letter-versions": f"/documents/{day.incoming_id}", "incoming-list": "/incoming/",
                                     "outgoing-list": "/outgoing/", "documents-list": "/documents/",
                                     "registers": f"/registers/{today().year}/incoming"})
    assert all(width <= PHONE["width"] for width in widths.values()), f"wider than the phone: {widths}"


def test_R53_the_official_finds_the_letter_by_a_phrase_inside_its_pdf_with_a_snippet_and_the_page(
        desk: Desk, day: Day, vi_text: VT) -> None:
    day.need("clerk-afternoon")
    official = desk.visit("official", f"/incoming/{day.incoming_id}")
    expect(official.get_by_test_id("text-status")).to_contain_text(
        vi_text("Text read: %(read)s/%(pages)s pages", read=1, pages=1))    # read at registration
    official.locator("nav [data-nav=search]").click()
    expect(official).to_have_url(re.compile(r"/search"))

    search(official, f'"{PHRASE}"')                   # in the letter's PDF, the reply's, and in both trích yếu
    for document_id in (day.incoming_id, day.reply_id):
        expect(hit(official, document_id).get_by_test_id("snippet").locator("mark").first).to_be_visible()
    desk.shot("official", "search-phrase")

    search(official, LETTER_BODY_ONLY)                 # only the letter's body says it: found without accents
    snippet = hit(official, day.incoming_id).get_by_test_id("snippet")
    expect(snippet).to_contain_text(vi_text("On page %(page)s", page=1))
    expect(snippet).to_contain_text("xác minh hiện trạng")
    expect(snippet.locator("mark").first).to_be_visible()
    expect(hit(official, day.incoming_id).get_by_test_id("page-link")).to_be_visible()
    desk.shot("official", "search-inside-the-pdf")


def test_R53_the_chairman_finds_the_officials_opinion_saves_the_search_and_exports_the_results(
        desk: Desk, day: Day, vi_text: VT) -> None:
    day.need("clerk-afternoon")
    chairman = desk.page("chairman")
    search(chairman, OPINION_PHRASE)                   # said only in Phan Thị Ngọc's opinion
    expect(hit(chairman, day.incoming_id).get_by_test_id("snippet")).to_contain_text(
        vi_text("In the opinion of %(name)s", name=NAMES["official"]))
    desk.shot("chairman", "search-opinion")

    search(chairman, f'"{PHRASE}"')
    for fmt, starts in (("csv", b""), ("xlsx", b"PK")):
        href = chairman.get_by_test_id(f"export-{fmt}").get_attribute("href")
        assert href, f"no {fmt} export link"
        response = chairman.request.get(href)
        assert response.status == 200 and response.body().startswith(starts)
        if fmt == "csv":
            assert day.reply_summary in response.body().decode("utf-8-sig")
    saved = f"Kiểm tra thực địa đợt {day.tag}"
    chairman.locator("#saved-name").fill(saved)
    chairman.get_by_test_id("save-search").locator("button[type=submit]").click()
    chairman.goto("/search")
    chairman.get_by_test_id("saved-searches").get_by_role("link", name=saved).click()   # run it again
    hit(chairman, day.reply_id)
    desk.shot("chairman", "saved-search")


def test_the_chairman_sees_the_on_time_rate_of_dia_chinh_on_the_dashboard(desk: Desk, day: Day, vi_text: VT) -> None:
    day.need("clerk-afternoon")
    chairman = desk.visit("chairman", "/")
    chairman.locator("nav [data-nav=dashboard]").click()
    expect(chairman).to_have_url(re.compile(r"/dashboard"))
    # the letter was completed the day it came, long before its deadline: Địa chính's rate is all on time
    row = chairman.get_by_test_id("figure-on-time-departments").locator("tbody tr", has_text="Địa chính – Xây dựng")
    expect(row.locator("td").last).to_have_text(re.compile(r"^\s*100([,.]0)?\s*%?\s*$"))
    expect(chairman.get_by_test_id("figure-issued")).to_contain_text("Công văn")      # issued by type
    desk.shot("chairman", "dashboard")

    head = desk.visit("head", "/dashboard")            # a head sees his own department only
    expect(head.get_by_test_id("dashboard-scope")).to_have_text(vi_text("Your department"))
    expect(head.get_by_test_id("on-time-rate")).to_contain_text("100")
    expect(head.locator("main table", has_text="Tư pháp – Hộ tịch")).to_have_count(0)
    desk.shot("head", "dashboard")


def test_R51_the_chairman_confirms_the_access_changes_of_the_day_in_one_click(desk: Desk, day: Day) -> None:
    day.need("admin")
    chairman = desk.visit("chairman", "/audit/access-changes")
    changes = chairman.get_by_test_id("access-changes")
    new_account = changes.locator("tbody tr", has_text=re.compile(re.escape(day.new_account) + "|Trương Thị Hải Yến"))
    expect(new_account).to_have_count(1)
    expect(changes).not_to_contain_text("user.created", use_inner_text=True)   # sentences, not action codes
    desk.shot("chairman", "access-changes")
    chairman.get_by_test_id("select-all").check()
    expect(new_account.get_by_test_id("select-change")).to_be_checked()
    chairman.get_by_test_id("confirm-selected").click()
    expect(new_account).to_have_count(0)
    desk.shot("chairman", "access-changes-confirmed")


def test_the_auditor_reads_the_replys_history_as_sentences_with_names(desk: Desk, day: Day) -> None:
    day.need("auditor")
    auditor = desk.visit("auditor", f"/audit/?document={day.reply_id}")
    events = auditor.get_by_test_id("audit-events")
    expect(events.locator(".audit-sentence").first).to_be_visible()
    for role in ("official", "head", "office-head", "vice-chairman", "clerk"):
        expect(events).to_contain_text(NAMES[role])
    for code in ("route.started", "draft.created", "document.uploaded", '{"'):
        expect(events).not_to_contain_text(code, use_inner_text=True)    # the raw details stay folded away
    desk.shot("auditor", "audit-log-as-sentences")


def test_the_directions_deadline_shows_on_the_lists_info_is_not_work_and_names_say_what_a_document_is(
        desk: Desk, day: Day) -> None:
    day.need("clerk-afternoon")
    # what the pages showed right after the direction (test_working_day.py), while the work was open
    without_deadline = [page for page in ("detail", "incoming-list", "documents-list")
                        if day.deadline not in day.seen[page]]
    assert day.seen["info-under-handle"] == "0", "a letter for information is listed under 'Cần xử lý'"
    clerk = desk.visit("clerk", f"/documents/?q={day.tag}")
    kinds = {document_id: clerk.locator(f"tr[data-document-id='{document_id}'] [data-testid=kind]")
             for document_id in (day.incoming_id, day.reply_id)}
    expect(kinds[day.incoming_id]).to_have_attribute("data-kind", "incoming")
    expect(kinds[day.reply_id]).to_have_attribute("data-kind", "outgoing")
    desk.shot("clerk", "documents-incoming-and-outgoing")
    disposition = clerk.request.get(f"/documents/{day.reply_id}/file").headers["content-disposition"]
    number = day.reply_number.split("/")[0]                            # "02/UBND-ĐC" -> "02-UBND-DC_<date>_v3.pdf"
    assert re.search(rf"{number}-UBND-\w+_\d{{4}}-\d{{2}}-\d{{2}}_v3\.pdf", disposition), disposition
    assert not without_deadline, f"the direction's deadline {day.deadline} is not shown on {without_deadline}: " + \
        "; ".join(day.seen[page] for page in without_deadline)


def test_the_reply_names_the_letter_it_answers_and_is_not_called_a_correction(
        desk: Desk, day: Day, vi_text: VT) -> None:
    day.need("clerk-afternoon")
    clerk = desk.visit("clerk", f"/outgoing/{day.reply_id}")
    related = clerk.get_by_test_id("related-original")
    expect(related).not_to_contain_text(vi_text("Corrects"))
    expect(related.get_by_role("link")).to_have_attribute("href", re.compile(rf"/incoming/{day.incoming_id}$"))

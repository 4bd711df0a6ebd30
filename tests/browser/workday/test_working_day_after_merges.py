"""The rest of the working day, on the documents the day made (tests/browser/workday/test_working_day.py runs
first): what issue 13's other tracks add, written as the walk expects them to work and skipped until the lead
merges them. Enable each by deleting its skip marker once its branch is on main; the selectors lean on text and
roles rather than on test ids the tracks have not settled yet, so adjust them there if needed.

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
from playwright.sync_api import Page, expect

from tests.browser.workday.desk import NAMES, OPINION_PHRASE, PHONE, PHRASE, ROLES, Day, Desk, today
from tests.conftest import is_postgres

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(is_postgres(), reason="the working day walks once, on SQLite: the PostgreSQL "
                                                       "pass would repeat the same screens")]

VT = Callable[..., str]
LETTER_BODY_ONLY = "xac minh hien trang"   # accent-less; in the letter's text layer, not in any field or opinion


def needs(track: str) -> pytest.MarkDecorator:
    return pytest.mark.skip(reason=f"needs issue13-{track} merge")


def search(page: Page, query: str) -> None:
    page.goto("/search?q=" + quote(query))
    expect(page.locator("html")).to_have_attribute("lang", "vi")


def hit(page: Page, document_id: int, kind: str) -> None:
    """The result list links to the document (its own page or its incoming/outgoing page)."""
    link = page.locator("main").locator(f"a[href$='/documents/{document_id}'], a[href$='/{kind}/{document_id}']")
    expect(link.first).to_be_visible()


@pytest.mark.skip(reason="enabled after layout merge")   # today: the admin's 467 px, the chairman's 410 px
def test_R50_every_roles_home_page_fits_a_390px_phone_without_horizontal_scroll(desk: Desk) -> None:
    widths = {role: desk.phone_home(role) for role in ROLES}
    assert all(width <= PHONE["width"] for width in widths.values()), f"wider than the phone: {widths}"


@pytest.mark.skip(reason="enabled after layout merge")   # today the lists are 457-462 px wide on a phone
def test_R50_the_days_documents_and_lists_fit_a_390px_phone_without_horizontal_scroll(desk: Desk, day: Day) -> None:
    day.need("clerk-afternoon")
    widths = desk.on_phone("clerk", {"letter": f"/incoming/{day.incoming_id}", "reply": f"/outgoing/{day.reply_id}",
                                     "letter-versions": f"/documents/{day.incoming_id}", "incoming-list": "/incoming/",
                                     "outgoing-list": "/outgoing/", "documents-list": "/documents/",
                                     "registers": f"/registers/{today().year}/incoming"})
    assert all(width <= PHONE["width"] for width in widths.values()), f"wider than the phone: {widths}"


@needs("search and issue13-textindex")
def test_R53_the_official_finds_the_letter_by_a_phrase_inside_its_pdf_with_a_snippet_and_the_page(
        desk: Desk, day: Day) -> None:
    day.need("clerk-afternoon")
    official = desk.visit("official", f"/incoming/{day.incoming_id}")
    expect(official.locator("main")).to_contain_text(re.compile(r"1/1 trang"))   # the text layer was read
    official.goto("/")
    official.locator("nav").get_by_role("link", name="Tìm kiếm").click()
    expect(official).to_have_url(re.compile(r"/search"))

    search(official, f'"{PHRASE}"')                   # in the letter's PDF, the reply's, and in both trích yếu
    hit(official, day.incoming_id, "incoming")
    hit(official, day.reply_id, "outgoing")
    expect(official.locator("main mark").first).to_have_text(re.compile(PHRASE, re.IGNORECASE))
    desk.shot("official", "search-phrase")

    search(official, LETTER_BODY_ONLY)                 # only the letter's body says it: found without accents
    hit(official, day.incoming_id, "incoming")
    expect(official.locator("main")).to_contain_text(re.compile(r"[Tt]rang 1\b"))
    expect(official.locator("main mark").first).to_have_text(re.compile("xác minh hiện trạng", re.IGNORECASE))
    desk.shot("official", "search-inside-the-pdf")


@needs("search")
def test_R53_the_chairman_finds_the_officials_opinion_saves_the_search_and_exports_the_results(
        desk: Desk, day: Day) -> None:
    day.need("clerk-afternoon")
    chairman = desk.page("chairman")
    search(chairman, OPINION_PHRASE)
    hit(chairman, day.incoming_id, "incoming")
    result = chairman.locator("main")
    expect(result).to_contain_text("ý kiến")                         # "trong ý kiến của Phan Thị Ngọc"
    expect(result).to_contain_text(NAMES["official"])
    desk.shot("chairman", "search-opinion")

    search(chairman, f'"{PHRASE}"')
    for fmt, magic in (("CSV", None), ("XLSX", b"PK")):
        href = chairman.get_by_role("link", name=re.compile(fmt)).first.get_attribute("href")
        assert href, f"no {fmt} export link"
        response = chairman.request.get(href)
        assert response.status == 200
        body = response.body()
        assert body.startswith(magic) if magic else day.reply_summary in body.decode("utf-8-sig")
    chairman.get_by_role("button", name=re.compile("Lưu")).first.click()
    chairman.goto("/search")
    expect(chairman.locator("main")).to_contain_text(PHRASE)            # the saved search, to run again
    desk.shot("chairman", "saved-search")


@needs("reports")
def test_the_chairman_sees_the_on_time_rate_of_dia_chinh_on_the_dashboard(desk: Desk, day: Day) -> None:
    day.need("clerk-afternoon")
    chairman = desk.visit("chairman", "/")
    chairman.locator("nav").get_by_role("link", name="Thống kê").click()
    expect(chairman).to_have_url(re.compile(r"/dashboard"))
    # the letter was completed the day it came, long before its deadline: Địa chính's rate is all on time
    row = chairman.locator("main table tr", has_text="Địa chính – Xây dựng").first
    expect(row).to_contain_text(re.compile(r"100(,0+)?\s*%"))
    expect(chairman.locator("main table", has_text="Công văn").first).to_be_visible()   # issued by type
    desk.shot("chairman", "dashboard")

    head = desk.visit("head", "/dashboard")            # a head sees his own department
    expect(head.locator("main table tr", has_text="Địa chính – Xây dựng").first).to_be_visible()
    expect(head.locator("main table tr", has_text="Tư pháp – Hộ tịch")).to_have_count(0)
    desk.shot("head", "dashboard")


@needs("readable")
def test_R51_the_chairman_confirms_the_access_changes_of_the_day_in_one_click(
        desk: Desk, day: Day, vi_text: VT) -> None:
    day.need("admin")
    chairman = desk.visit("chairman", "/audit/access-changes")
    changes = chairman.get_by_test_id("access-changes")
    new_account = changes.locator("tbody tr", has_text=re.compile(re.escape(day.new_account) + "|Trương Thị Hải Yến"))
    expect(new_account.first).to_be_visible()
    expect(changes).not_to_contain_text("user.created")               # sentences, not action codes
    desk.shot("chairman", "access-changes")
    chairman.get_by_role("checkbox", name=re.compile("tất cả", re.IGNORECASE)).check()
    chairman.locator("main form button[type=submit]", has_text=re.compile("đã chọn|tất cả", re.IGNORECASE)) \
        .first.click()
    expect(chairman.get_by_role("status").first).to_be_visible()
    expect(new_account).to_have_count(0)
    desk.shot("chairman", "access-changes-confirmed")


@needs("readable")
def test_the_auditor_reads_the_replys_history_as_sentences_with_names(desk: Desk, day: Day) -> None:
    day.need("auditor")
    auditor = desk.visit("auditor", f"/audit/?document={day.reply_id}")
    events = auditor.get_by_test_id("audit-events")
    expect(events).to_contain_text(NAMES["vice-chairman"])
    expect(events).to_contain_text(day.reply_number)                    # the document by its number ...
    for code in ("route.started", "draft.created", "document.uploaded", '{"'):
        expect(events).not_to_contain_text(code, use_inner_text=True)    # ... not codes or raw JSON shown
    desk.shot("auditor", "audit-log-as-sentences")


@needs("workday")
def test_the_directions_deadline_shows_on_the_lists_info_is_not_work_and_names_say_what_a_document_is(
        desk: Desk, day: Day, vi_text: VT) -> None:
    day.need("clerk-afternoon")
    # the chairman saw the letter's page and list right after directing it (test_working_day.py)
    assert day.deadline in day.seen["detail"], day.seen["detail"]
    assert day.deadline in day.seen["list"], day.seen["list"]
    assert day.seen["info-under-handle"] == "0", "a letter for information is listed under 'Cần xử lý'"
    clerk = desk.visit("clerk", f"/documents/?q={day.tag}")
    rows = clerk.locator("main table tbody tr")
    expect(rows.filter(has_text=day.incoming_summary)).to_contain_text(vi_text("Incoming"))
    expect(rows.filter(has_text=day.reply_summary)).to_contain_text(vi_text("Outgoing"))
    desk.shot("clerk", "documents-incoming-and-outgoing")
    response = clerk.request.get(f"/documents/{day.reply_id}/file")
    disposition = response.headers["content-disposition"]
    assert day.reply_number.split("/")[0] + "-UBND-" in disposition, disposition   # "01-UBND-ĐC_2026-12-06_v3.pdf"


@pytest.mark.skip(reason="a bug seen in the walk: the outgoing page labels the reply 'Đính chính' (corrects) and "
                         "links the letter it answers as if it corrected it (templates/outgoing/detail.html shows "
                         "relation reply_to as 'Corrects'); enable with its fix")
def test_the_reply_names_the_letter_it_answers_and_is_not_called_a_correction(
        desk: Desk, day: Day, vi_text: VT) -> None:
    day.need("clerk-afternoon")
    clerk = desk.visit("clerk", f"/outgoing/{day.reply_id}")
    related = clerk.get_by_test_id("related-original")
    expect(related).not_to_contain_text(vi_text("Corrects"))
    expect(related.get_by_role("link")).to_have_attribute("href", re.compile(rf"/incoming/{day.incoming_id}$"))

"""An incoming document's whole life in a real browser, in Vietnamese: the clerk registers it, the chairman
directs it to Địa chính, the head names a handler, the handler gives an opinion and proposes completion, the
head accepts it; each step appears on the timeline with who did it and whether it was on time."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_documents_in_browser import sign_in
from tests.conftest import pdf_bytes

pytestmark = pytest.mark.browser

ISSUER = "Sở Xây dựng tỉnh Bắc Ninh"


def flash(page: Page) -> str:
    return page.get_by_role("status").first.inner_text()


def register(page: Page, tmp_path: Path, summary: str, number_symbol: str) -> str:
    file = tmp_path / "cong-van-den.pdf"
    file.write_bytes(pdf_bytes(summary))
    page.goto("/incoming/new")
    form = page.get_by_test_id("register-form")
    form.locator("#file").set_input_files(str(file))
    form.locator("#doc_type").select_option("cong_van")
    form.locator("#summary").fill(summary)
    form.locator("#number_symbol").fill(number_symbol)
    form.locator("#document_date").fill("2026-03-05")
    form.locator("#issuing_body").fill(ISSUER)
    form.locator("#urgency").select_option("very_urgent")
    form.get_by_test_id("register-submit").click()
    expect(page).to_have_url(re.compile(r"/incoming/\d+$"))
    return page.url


def option_value(page: Page, select: str, text: str) -> str:
    value = page.locator(f"{select} option", has_text=text).first.get_attribute("value")
    assert value, f"no option {text!r} in {select}"
    return value


def test_an_incoming_document_from_registration_to_completion_with_its_timeline(
        new_page: Callable[[], Page], tmp_path: Path, vi_text: Callable[..., str]) -> None:
    tag = uuid.uuid4().hex[:6]
    summary = f"Về việc kiểm tra trật tự xây dựng trên địa bàn phường đợt {tag}"

    clerk = new_page()
    sign_in(clerk, "vanthu")
    expect(clerk.locator("html")).to_have_attribute("lang", "vi")
    url = register(clerk, tmp_path, summary, number_symbol=f"{tag}/SXD-QLXD")
    number = clerk.get_by_test_id("incoming-number").inner_text()
    assert re.fullmatch(r"\d{2,}", number), number
    year = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).year
    assert vi_text("Registered as incoming no. %(number)s.", number=f"{number}/{year}") in flash(clerk)
    expect(clerk.get_by_test_id("status")).to_have_attribute("data-status", "registered")
    expect(clerk.get_by_test_id("direct-form")).to_have_count(0)     # the clerk does not direct
    clerk.goto("/incoming/?scope=all")
    row = clerk.locator("[data-testid=incoming-row]", has_text=summary)
    expect(row).to_have_attribute("data-urgent", "true")
    urgent_flags = clerk.get_by_test_id("incoming-row").evaluate_all("rows => rows.map(r => r.dataset.urgent)")
    assert urgent_flags == sorted(urgent_flags, reverse=True), "an ordinary document is listed before an urgent one"

    chairman = new_page()
    sign_in(chairman, "chutich")
    chairman.goto(url)
    direct = chairman.get_by_test_id("direct-form")
    direct.locator("[data-testid=target-department][data-code='ĐC'] select").select_option("lead")
    direct.locator("[data-testid=target-department][data-code='TP'] select").select_option("co")
    direct.locator("#instruction").fill("Giao Địa chính – Xây dựng chủ trì kiểm tra, báo cáo kết quả.")
    direct.locator("button[type=submit]").click()
    assert vi_text("The document has been directed.") in flash(chairman)
    expect(chairman.get_by_test_id("status")).to_have_attribute("data-status", "in_progress")
    expect(chairman.get_by_test_id("assignment")).to_have_count(2)

    head = new_page()
    sign_in(head, "truongdc")
    head.goto(url)
    assign = head.get_by_test_id("assign-form")
    handler_id = option_value(head, "[data-testid=assign-form] select[name=handler_id]", "Phan Thị Ngọc")
    assign.locator("select[name=handler_id]").select_option(handler_id)
    assign.locator("input[name=instruction]").fill("Chị Ngọc kiểm tra thực địa")
    assign.locator("button[type=submit]").click()
    assert vi_text("The handler has been assigned.") in flash(head)

    official = new_page()
    sign_in(official, "chuyenvien.dc")
    official.goto(url)
    expect(official.get_by_test_id("assign-form")).to_have_count(0)
    expect(official.get_by_test_id("direct-form")).to_have_count(0)
    official.get_by_test_id("opinion-form").locator("textarea").fill("Đã kiểm tra thực địa, có 2 công trình vi phạm.")
    official.get_by_test_id("opinion-form").locator("button[type=submit]").click()
    assert vi_text("Your opinion has been recorded.") in flash(official)
    official.get_by_test_id("complete-form").locator("textarea").fill("Đã lập biên bản và báo cáo UBND phường.")
    official.get_by_test_id("complete-form").locator("button[type=submit]").click()
    # The lead's "complete" proposes (R43): the head who assigned her accepts, then the document completes.
    # Filtered by its text: a message of the step before may still stand above it (flashes travel in the session).
    expect(official.get_by_role("status").filter(has_text=vi_text(
        "The completion has been proposed; it awaits the acceptance of the head who assigned you."))).to_have_count(1)
    expect(official.get_by_test_id("status")).to_have_attribute("data-status", "in_progress")
    expect(official.get_by_test_id("completion-proposal")).to_have_count(1)
    expect(official.get_by_test_id("accept-form")).to_have_count(0)    # not hers to accept
    expect(official.get_by_test_id("complete-form")).to_have_count(0)  # one proposal at a time

    head.goto(url)
    head.get_by_test_id("accept-form").locator("button[type=submit]").click()
    assert vi_text("The completion has been accepted.") in flash(head)
    expect(head.get_by_test_id("status")).to_have_attribute("data-status", "completed")
    official.goto(url)
    expect(official.get_by_test_id("actions")).to_have_count(0)       # nothing left to do

    chairman.goto(url)
    expect(chairman.get_by_test_id("status")).to_have_attribute("data-status", "completed")
    steps = chairman.get_by_test_id("timeline-entry")
    expected = [
        ("Nguyễn Thị Hoa", vi_text("Registered as incoming no. %(number)s", number=number)),
        ("Trần Văn Minh", vi_text("Directed")),
        ("Hoàng Văn Nam", vi_text("Assigned to %(name)s", name="Phan Thị Ngọc")),
        ("Phan Thị Ngọc", vi_text("Opinion")),
        ("Phan Thị Ngọc", vi_text("Completion proposed, awaiting acceptance")),
        ("Hoàng Văn Nam", vi_text("Completion accepted; the document is completed")),
    ]
    expect(steps).to_have_count(len(expected))
    for index, (who, what) in enumerate(expected):
        step = steps.nth(index)
        expect(step).to_contain_text(who)
        expect(step.get_by_test_id("timeline-what")).to_have_text(what)
    expect(steps.nth(1)).to_contain_text("báo cáo kết quả")
    expect(steps.nth(3)).to_contain_text("2 công trình vi phạm")
    for index in (2, 3, 4, 5):      # done long before the default deadline of ten working days
        expect(steps.nth(index).get_by_test_id("state")).to_have_text(vi_text("On time"))
    expect(chairman.locator("[data-testid=assignment][data-status=completed]")).to_have_count(2)
    expect(chairman.locator("[data-testid=assignment][data-status=cancelled]")).to_have_count(1)   # the co-handler

"""A citizen's path on a phone (issue 15 §3): the public form gives a receipt code, the tracking page shows the
petition by code and phone, the ward's clerk assigns it and its handler answers on the petitions pages, and the
citizen rates the answer once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_documents_in_browser import sign_in

pytestmark = pytest.mark.browser
PHONE = "0912 888 777"


def _phone(new_page: Callable[[], Page]) -> Page:
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    return page


def _track(page: Page, code: str) -> None:
    page.goto("/citizens/track")
    page.fill("#code", code.lower())
    page.fill("#phone-track", PHONE)
    page.get_by_test_id("track").click()
    expect(page.get_by_test_id("tracked")).to_be_visible()


def test_a_citizen_sends_a_petition_follows_it_and_rates_the_answer(new_page: Callable[[], Page], vi_text):
    citizen = _phone(new_page)
    citizen.goto("/citizens/petition")
    citizen.check("#kind-proposal")
    citizen.fill("#citizen_name", "Nguyễn Thị Mận")
    citizen.fill("#phone", PHONE)
    citizen.fill("#subject", "Đề nghị lắp biển báo trường học")
    citizen.fill("#content", "Trước cổng trường tiểu học chưa có biển báo giảm tốc độ.")
    citizen.get_by_test_id("send-petition").click()
    code = citizen.get_by_test_id("receipt-code").inner_text().strip()
    assert len(code.replace("-", "")) == 16
    # the page fits a phone: nothing wider than the screen
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 390
    citizen.get_by_test_id("go-track").click()
    _track(citizen, code)
    expect(citizen.get_by_test_id("petition-status")).to_have_text(vi_text("Received"))
    expect(citizen.get_by_test_id("rating-form")).to_have_count(0)

    clerk = new_page()
    sign_in(clerk, "vanthu")
    clerk.goto("/petitions/")
    clerk.get_by_role("link", name="Đề nghị lắp biển báo trường học").click()
    expect(clerk.get_by_test_id("citizen")).to_contain_text("Nguyễn Thị Mận")
    clerk.select_option("#department_id", label="Địa chính – Xây dựng")
    clerk.select_option("#handler_id", label="Phan Thị Ngọc (ĐC)")
    clerk.get_by_test_id("assign-form").get_by_role("button").click()
    expect(clerk.get_by_test_id("status")).to_have_text(vi_text("Assigned"))

    handler = new_page()
    sign_in(handler, "chuyenvien.dc")
    handler.goto("/petitions/")
    handler.get_by_role("link", name="Đề nghị lắp biển báo trường học").click()
    handler.get_by_test_id("answer-form").locator("textarea").fill("Phường sẽ lắp biển báo trong tháng này.")
    handler.get_by_test_id("answer-form").locator("button[value=text]").click()
    expect(handler.get_by_test_id("status")).to_have_text(vi_text("Answered"))

    _track(citizen, code)
    expect(citizen.get_by_test_id("answer-text")).to_have_text("Phường sẽ lắp biển báo trong tháng này.")
    citizen.check("#rating-5")
    citizen.get_by_test_id("send-rating").click()
    expect(citizen.get_by_test_id("thanks")).to_be_visible()
    expect(citizen.get_by_test_id("rated")).to_be_visible()
    expect(citizen.get_by_test_id("rating-form")).to_have_count(0)

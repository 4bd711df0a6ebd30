"""The dashboard in Chromium: the vendored Chart.js draws one chart per table under the page's CSP, nothing
fails in the console, and the printout on A4 leaves the menu and the filters out."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_documents_in_browser import sign_in

pytestmark = pytest.mark.browser


def test_the_chairman_s_dashboard_draws_its_charts_and_prints_on_a4(page: Page, tmp_path):
    problems: list[str] = []
    # a failed load is told by its response (the browser's own favicon request is no page's)
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    sign_in(page, "chutich")

    page.goto("/")
    page.click("[data-nav=dashboard]")

    expect(page.get_by_test_id("dashboard-scope")).to_be_visible()
    canvases = page.locator("canvas[data-chart-for]").count()
    assert canvases >= 5
    assert page.evaluate("Object.keys(Chart.instances).length") == canvases
    assert page.evaluate("document.querySelector('canvas[data-chart-for]').width") > 0
    assert problems == []
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.get_by_test_id("dashboard-filters")).to_be_hidden()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_a_head_s_dashboard_has_no_department_filter(page: Page):
    sign_in(page, "truongdc")

    page.goto("/dashboard/")

    expect(page.get_by_test_id("dashboard-scope")).to_be_visible()
    assert page.locator("select[name=department_id]").count() == 0

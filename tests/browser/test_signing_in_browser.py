"""Signing on a document's page in a real browser, in Vietnamese: an official uploads an internal document, a
vice-chairman signs it with his PIN (after a wrong one) and the panel shows it valid; the clerk is offered no
seal there (the seal goes on an outgoing document at issue: tests/browser/test_outgoing_in_browser.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from docflow.services.demo import DEMO_PIN
from tests.browser.test_documents_in_browser import sign_in, unique_summary
from tests.conftest import pdf_bytes

pytestmark = pytest.mark.browser


def _sign(page: Page, kind: str, pin: str) -> None:
    form = page.get_by_test_id("sign-form")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[name=pin]").fill(pin)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_a_vice_chairman_signs_an_internal_document_and_the_clerk_is_offered_no_seal_in_the_browser(
        new_page: Callable[[], Page], tmp_path: Path, vi_text: Callable[..., str]) -> None:
    official = new_page()
    sign_in(official, "chuyenvien.vp")
    official.goto("/documents/new")
    form = official.get_by_test_id("upload-form")
    file = tmp_path / "du-thao.pdf"
    file.write_bytes(pdf_bytes("draft-to-sign"))
    form.locator("#file").set_input_files(str(file))
    # an internal document: an outgoing one is signed on its route (tests/browser/test_outgoing_in_browser.py)
    form.locator("#kind").select_option("internal")
    form.locator("#doc_type").select_option("quyet_dinh")
    summary = unique_summary()
    form.locator("#summary").fill(summary)
    form.locator("button[type=submit]").click()
    expect(official).to_have_url(re.compile(r"/documents/\d+$"))
    url = official.url
    expect(official.get_by_test_id("sign-form")).to_have_count(0)  # an official signs nothing

    leader = new_page()
    sign_in(leader, "phochutich1")
    leader.goto(url)
    _sign(leader, "personal", "000000")
    expect(leader.get_by_role("status")).to_contain_text(vi_text("The PIN is not correct."))
    _sign(leader, "personal", DEMO_PIN)
    expect(leader.get_by_role("status")).to_contain_text(vi_text("Signed. Version %(n)s holds your signature.", n=2))
    panel = leader.get_by_test_id("signature-panel")
    expect(panel.get_by_test_id("verdict")).to_have_attribute("data-valid", "true")
    expect(panel.get_by_test_id("signature")).to_have_count(1)
    expect(panel).to_contain_text("Lê Thị Thu Hà")
    expect(panel).to_contain_text("KT. CHỦ TỊCH")

    clerk = new_page()
    sign_in(clerk, "vanthu")
    clerk.goto(url)
    expect(clerk.get_by_test_id("signature-panel").get_by_test_id("signature")).to_have_count(1)
    expect(clerk.get_by_test_id("sign-form")).to_have_count(0)  # no seal on a document's page
    report = clerk.request.get(url + "/versions/2/verification?format=json")
    assert report.status == 200 and report.json()["valid"] is True

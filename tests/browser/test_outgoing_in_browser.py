"""An outgoing document walked through a real browser, in Vietnamese: chuyenvien.vp drafts it from the office
template, truongvp reviews it, phochutich1 signs it with his PIN, vanthu issues it; the issued PDF verifies
and carries its number."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.formatcheck import BLOCKING_BY_DEFAULT, check_pdf
from docflow.models import Document, Organisation
from docflow.services import signatures as signing_service
from docflow.services.formatcheck.review import expectation_for
from docflow.services.formatcheck.settings import blocking_codes
from docflow.services.demo import DEMO_PIN
from tests.browser.test_documents_in_browser import sign_in, unique_summary

pytestmark = pytest.mark.browser


def _step_form(page: Page, test_id: str, pin: str | None = None) -> None:
    form = page.get_by_test_id(test_id)
    if pin is not None:
        form.locator("input[name=pin]").fill(pin)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_an_outgoing_document_goes_from_draft_to_issued_in_the_browser(
        new_page: Callable[[], Page], tmp_path: Path, vi_text: Callable[..., str], live_app: Flask) -> None:
    drafter = new_page()
    sign_in(drafter, "chuyenvien.vp")
    drafter.goto("/outgoing/new")
    expect(drafter.locator("html")).to_have_attribute("lang", "vi")
    summary = unique_summary()
    template = drafter.request.get("/outgoing/template.pdf?doc_type=quyet_dinh&summary=" + summary)
    assert template.status == 200
    file = tmp_path / "du-thao.pdf"
    file.write_bytes(template.body())
    form = drafter.get_by_test_id("draft-form")
    form.locator("#file").set_input_files(str(file))
    form.locator("#doc_type").select_option("quyet_dinh")
    form.locator("#signer_id").select_option(label="Lê Thị Thu Hà · Phó Chủ tịch")
    form.locator("#summary").fill(summary)
    form.get_by_label("Văn hóa – Xã hội").check()
    form.locator("#external_recipients").fill("Sở Tư pháp tỉnh Bắc Ninh")
    form.locator("button[type=submit]").click()
    expect(drafter).to_have_url(re.compile(r"/outgoing/\d+$"))
    url = drafter.url
    expect(drafter.get_by_test_id("status")).to_have_attribute("data-status", "draft")
    _step_form(drafter, "route-form")
    expect(drafter.get_by_role("status")).to_contain_text(vi_text("The draft has been sent for review."))
    expect(drafter.get_by_test_id("step").first).to_have_attribute("data-status", "active")

    reviewer = new_page()
    sign_in(reviewer, "truongvp")
    reviewer.goto(url)
    _step_form(reviewer, "approve-form")
    expect(reviewer.get_by_role("status")).to_contain_text(vi_text("Approved."))
    expect(reviewer.get_by_test_id("status")).to_have_attribute("data-status", "awaiting_signature")

    leader = new_page()
    sign_in(leader, "phochutich1")
    leader.goto(url)
    _step_form(leader, "sign-step-form", "000000")
    expect(leader.get_by_role("status")).to_contain_text(vi_text("The PIN is not correct."))
    _step_form(leader, "sign-step-form", DEMO_PIN)
    expect(leader.get_by_test_id("status")).to_have_attribute("data-status", "signed")
    expect(leader.get_by_test_id("signature-panel")).to_contain_text("KT. CHỦ TỊCH")

    clerk = new_page()
    sign_in(clerk, "vanthu")
    clerk.goto(url)
    _step_form(clerk, "issue-form", DEMO_PIN)
    expect(clerk.get_by_test_id("status")).to_have_attribute("data-status", "issued")
    expect(clerk.get_by_test_id("number-symbol")).to_have_text(re.compile(r"^01/QĐ-UBND$"))
    panel = clerk.get_by_test_id("signature-panel")
    expect(panel.get_by_test_id("verdict")).to_have_attribute("data-valid", "true")
    expect(panel.get_by_test_id("signature")).to_have_count(2)
    expect(clerk.get_by_test_id("recipient").first).to_contain_text("Văn hóa – Xã hội")

    document_id = int(url.rsplit("/", 1)[1])
    issued = clerk.request.get(f"/documents/{document_id}/file")
    assert issued.status == 200
    data = issued.body()
    fields = PdfReader(io.BytesIO(data)).get_fields() or {}
    assert str(fields["so_ky_hieu"]["/V"]).startswith("Số: 01/")
    with Session(live_app.extensions["docflow.engine"]) as s:
        report = signing_service.verify_bytes(s, settings=live_app.extensions["docflow.settings"], data=data)
        # the demo ward holds Decree 30's blocking format policy, and the issued page has no finding at all
        organisation_id = s.execute(select(Organisation.id)).scalar_one()
        blocking = blocking_codes(s, organisation_id)
        findings = check_pdf(data, expectation_for(s.get(Document, document_id))).findings
        s.rollback()
    assert report["valid"] is True
    assert blocking == frozenset(BLOCKING_BY_DEFAULT) and findings == ()
    assert [sig["field"] for sig in report["signatures"]] == ["personal_1", "organisation"]
    if shutil.which("pdfsig"):   # poppler: both signatures' cryptography holds (trust needs the ward's root)
        path = tmp_path / "issued.pdf"
        path.write_bytes(data)
        checked = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60, check=False,
                                 env={**os.environ, "HOME": str(tmp_path)})
        assert checked.stdout.count("Signature Validation: Signature is Valid.") == 2, checked.stdout

"""The issue's "done when", in a real browser and in Vietnamese: in the demo ward the auditor picks an issued
document, sees its signature chain verified against docflow's records, downloads its evidence pack, and the
pack verifies offline against the ward's root; the log's chain verifies with its checkpoints."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from docflow import db
from docflow.auditlog.evidencepack import verify_pack
from docflow.models import Document, DocumentKind, DocumentStatus
from docflow.services.keys import root_certificates_pem
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_documents_in_browser import sign_in
from tests.browser.walk import demo_ward_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_ward(database_factory: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Its own app and database with the demo documents (issued ones included): the shared browser ward's
    register numbers stay as the other browser tests expect them."""
    app = demo_ward_app(database_factory("browser-audit"), tmp_path_factory.mktemp("browser-audit-data"))
    yield app
    app.extensions["docflow.engine"].dispose()


@pytest.fixture(scope="module")
def auditor_page(demo_ward: Flask, browser: Browser) -> Iterator[Page]:
    # demo_ward first: its signing runs asyncio.run(), which Playwright's running loop would refuse.
    server = make_server("127.0.0.1", 0, demo_ward, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="docflow-audit-server", daemon=True)
    thread.start()
    context = browser.new_context(base_url=f"http://127.0.0.1:{server.server_port}", accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, "thanhtra")
        yield page
    finally:
        context.close()
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def _issued_document(app: Flask) -> int:
    with app.app_context():
        return db.get_session().execute(select(Document.id).where(
            Document.kind == DocumentKind.OUTGOING, Document.status == DocumentStatus.ISSUED)
            .order_by(Document.id)).scalars().first()


def test_the_auditor_checks_an_issued_documents_chain_and_its_pack_verifies_offline(auditor_page, demo_ward,
                                                                                     tmp_path):
    page = auditor_page
    document_id = _issued_document(demo_ward)
    page.goto(f"/documents/{document_id}")
    page.get_by_test_id("chain-link").click()

    verdict = page.get_by_test_id("chain-verdict")
    expect(verdict).to_have_attribute("data-verdict", "ok")
    expect(verdict).to_contain_text("Mọi bước đều hợp lệ")
    steps = page.locator("[data-testid=chain-steps] li")
    assert steps.count() >= 6 and page.locator("li[data-verdict=problem]").count() == 0

    with page.expect_download() as download_info:
        page.get_by_test_id("download-evidence").click()
    pack = tmp_path / "goi-chung-cu.zip"
    download_info.value.save_as(pack)
    root = root_certificates_pem(demo_ward.extensions["docflow.settings"])
    # In a thread of its own, away from Playwright's event loop (verification runs pyHanko's asyncio).
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as pool:
        report = pool.submit(verify_pack, Path(pack), root).result()
    assert report.ok, report.problems
    assert report.signatures_checked == 2


def test_the_auditor_verifies_the_log_and_sees_the_checkpoints(auditor_page):
    page = auditor_page
    page.goto("/audit/")
    page.get_by_test_id("verify-chain").click()
    expect(page.get_by_test_id("chain-report")).to_have_class("alert alert-success")
    page.get_by_test_id("checkpoints-link").click()
    assert page.locator("[data-testid=checkpoints] tr[data-verdict=ok]").count() >= 1
    assert page.locator("[data-testid=checkpoints] tr[data-verdict=problem]").count() == 0


def test_R51_the_chairman_reviews_the_demos_access_changes_and_confirms_them_with_one_click(demo_ward, browser,
                                                                                           tmp_path):
    server = make_server("127.0.0.1", 0, demo_ward, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="docflow-access-server", daemon=True)
    thread.start()
    context = browser.new_context(base_url=f"http://127.0.0.1:{server.server_port}",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        sign_in(page, "chutich")
        page.goto("/audit/access-changes")
        # Every change reads as a sentence with names, never as codes or JSON.
        sentences = page.locator("[data-testid=access-changes] .audit-sentence")
        assert sentences.count() >= 20
        assert "user.created" not in page.locator("[data-testid=access-changes]").inner_text()
        expect(sentences.first).to_contain_text("tạo tài khoản cho")
        boxes = page.get_by_test_id("select-change")
        ticked = boxes.count()
        page.get_by_test_id("select-all").check()
        assert all(boxes.nth(i).is_checked() for i in range(ticked))
        page.screenshot(path=str(tmp_path / "access-changes-selected.png"), full_page=True)
        page.get_by_test_id("confirm-selected").click()
        expect(page.locator(".alert-success")).to_contain_text(f"Đã xác nhận {ticked} thay đổi")
        # Left: only what concerns the chairman himself, for another leader to confirm.
        assert page.get_by_test_id("select-change").count() == 0
        assert page.locator("[data-testid=access-changes] tr[data-seq]").count() >= 1
    finally:
        context.close()
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()

"""The issue's "done when" for public verification, on a phone: the QR code printed on a demo document's
first page (rendered with pdftoppm and decoded with zbarimg, as a phone's camera would read it) opens the
public page without signing in, which shows the document valid and in force; once the ward recalls it, the
same page shows it recalled."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect
from sqlalchemy import select
from werkzeug.serving import make_server

import docflow.services.demo
from docflow import db
from docflow.models import Confidentiality, Document, DocumentKind, DocumentStatus, User
from docflow.services import outgoing
from tests.browser.conftest import ORGANISATION, TIMEOUT_MS
from tests.conftest import make_test_app

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PHONE_AGENT = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
               "Chrome/120.0.0.0 Mobile Safari/537.36")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served_ward(database_factory: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[tuple[Flask, str]]:
    """The demo ward whose public address is the port it is served on (so its QR codes lead to it), seeded
    before Playwright starts (signing runs asyncio.run, which Playwright's running loop would refuse)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    app = make_test_app(database_factory("browser-public"), tmp_path_factory.mktemp("browser-public-data"),
                        app={"public_url": base})
    with app.app_context():
        settings, store = app.extensions["docflow.settings"], app.extensions["docflow.store"]
        with db.transaction() as s:
            docflow.services.demo.seed_demo(s, organisation_name=ORGANISATION)
            docflow.services.demo.seed_demo_keys(s, settings=settings, store=store)
        with db.transaction() as s:
            docflow.services.demo.seed_demo_documents(s, settings=settings, store=store)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="docflow-public-server", daemon=True)
    thread.start()
    try:
        yield app, base
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["docflow.engine"].dispose()


def _demo_issued(app: Flask) -> tuple[int, bytes]:
    with app.app_context():
        session = db.get_session()
        document = session.execute(select(Document).where(
            Document.kind == DocumentKind.OUTGOING, Document.status == DocumentStatus.ISSUED,
            Document.confidentiality == Confidentiality.NORMAL).order_by(Document.id)).scalars().first()
        assert document is not None, "the demo has no issued document"
        return document.id, app.extensions["docflow.store"].read(document.current_version.sha256)


def _scanned_url(pdf: bytes, tmp_path: Path) -> str:
    """What a phone's camera reads from the printed first page: pdftoppm renders it, zbarimg decodes the QR."""
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg is missing: apt-get install -y zbar-tools (listed in .ci/run)")
    source = tmp_path / "van-ban.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-f", "1", "-l", "1", "-png", str(source), str(tmp_path / "trang")],
                   check=True, timeout=60)
    image = next(tmp_path.glob("trang*.png"))
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], check=True, capture_output=True,
                             text=True, timeout=60)
    return decoded.stdout.strip()


def test_a_citizens_phone_opens_the_qr_page_of_a_demo_document_sees_it_valid_then_recalled(
        served_ward, browser: Browser, tmp_path):
    app, base = served_ward
    document_id, pdf = _demo_issued(app)

    url = _scanned_url(pdf, tmp_path)
    assert url.startswith(f"{base}/v/") and len(url) == len(base) + 3 + 16

    context = browser.new_context(viewport=PHONE, user_agent=PHONE_AGENT, is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(url)
        status = page.get_by_test_id("legal-status")
        expect(status).to_have_attribute("data-status", "in_force")
        expect(status).to_contain_text("Đang có hiệu lực")
        expect(page.get_by_test_id("signature-validity")).to_have_attribute("data-valid", "yes")
        expect(page.get_by_test_id("signature-validity")).to_contain_text("Chữ ký hợp lệ")
        # readable on the phone: nothing wider than its screen
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        with app.app_context():
            with db.transaction() as s:
                chairman = s.execute(select(User).where(User.username == "chutich")).scalar_one()
                outgoing.recall_document(s, actor=chairman, document_id=document_id,
                                         reason="Thu hồi để ban hành lại theo đúng thẩm quyền")

        page.reload()
        expect(status).to_have_attribute("data-status", "recalled")
        expect(status).to_contain_text("Đã thu hồi")
    finally:
        context.close()

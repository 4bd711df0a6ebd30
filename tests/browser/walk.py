"""The walk through every page each demo role can reach: the demo ward with its documents on its own database
and server, the list of pages per role, and the checks run on each page (axe-core, the phone width)."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import select
from werkzeug.serving import make_server

import docflow.services.demo
from docflow import db
from docflow.models import Document, DocumentKind
from docflow.paths import PROJECT_ROOT
from tests.browser.conftest import ORGANISATION

AXE_URL = "/static/vendor/axe/axe.min.js"  # vendored; no page of the app refers to it
SCREENS = Path(os.environ.get("DOCFLOW_TEST_ARTEFACTS", PROJECT_ROOT / "var" / "test-artefacts")) / "screens"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}

# The roles of the working day: clerk, chairman, vice-chairman, head, official, auditor, admin.
ROLES = ("vanthu", "chutich", "phochutich1", "truongvp", "chuyenvien.vp", "thanhtra", "admin")

# Pages no menu links to but a role reaches from another page; a 403 or 404 for a role just means "not hers".
EXTRA_PAGES = ("/account/password", "/account/signature", "/incoming/memos/new", "/audit/checkpoints",
               "/notifications/")


@dataclass(frozen=True)
class Ward:
    base_url: str
    incoming_id: int
    outgoing_id: int
    issued_id: int


@pytest.fixture(scope="module")
def walk_app(database_factory: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Its own database with the demo documents, so the shared browser ward keeps the numbers its tests expect."""
    from tests.conftest import make_test_app
    app = make_test_app(database_factory("browser-walk"), tmp_path_factory.mktemp("browser-walk-data"))
    with app.app_context():
        settings, store = app.extensions["docflow.settings"], app.extensions["docflow.store"]
        with db.transaction() as s:
            docflow.services.demo.seed_demo(s, organisation_name=ORGANISATION)
            docflow.services.demo.seed_demo_keys(s, settings=settings, store=store)
        with db.transaction() as s:
            docflow.services.demo.seed_demo_documents(s, settings=settings, store=store)
    yield app
    app.extensions["docflow.engine"].dispose()


@pytest.fixture(scope="module")
def ward(walk_app: Flask) -> Iterator[Ward]:
    """The walk ward served over HTTP; ids of a directed incoming, an outgoing in review and an issued document."""
    with walk_app.app_context():
        session = db.get_session()
        by_summary = {d.summary: d.id for d in session.execute(select(Document)).scalars()}
        issued = session.execute(select(Document.id).where(Document.kind == DocumentKind.OUTGOING,
                                                           Document.issued_at.is_not(None))).scalars().first()
    server = make_server("127.0.0.1", 0, walk_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="docflow-walk-server", daemon=True)
    thread.start()
    try:
        yield Ward(f"http://127.0.0.1:{server.server_port}",
                   incoming_id=by_summary[docflow.services.demo.INCOMING[1].summary],
                   outgoing_id=by_summary[docflow.services.demo.OUTGOING[1].summary], issued_id=int(issued or 0))
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", docflow.services.demo.DEMO_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.get_by_test_id("current-user").wait_for()


def same_site_paths(page: Page, selector: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    return [h.split("#")[0] for h in hrefs if h and h.startswith("/") and not re.search(r"\.(pdf|png|pem|docx|csv|xlsx|json)$|/(download|file|export)", h)]


def pages_of(page: Page, ward: Ward) -> list[str]:
    """Every GET page the signed-in user's menu, home page and registers lead to, plus the demo documents."""
    page.goto("/")
    paths = same_site_paths(page, "nav a[href]") + same_site_paths(page, "main a[href^='/queues/']")
    doc = ward.issued_id
    paths += [f"/incoming/{ward.incoming_id}", f"/outgoing/{ward.outgoing_id}", f"/outgoing/{doc}",
              f"/documents/{doc}", f"/documents/{ward.incoming_id}/edit", f"/audit/documents/{doc}/chain",
              f"/documents/{doc}/versions/1/verification", *EXTRA_PAGES]
    if "/registers/" in paths:
        page.goto("/registers/")
        paths += same_site_paths(page, "main a[href^='/registers/2']")[:2]
    if "/admin/users" in paths:
        page.goto("/admin/users")
        paths += same_site_paths(page, "main a[href^='/admin/users/']")[:1]
    return list(dict.fromkeys(p for p in paths if p != "/logout"))


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A and AA rules)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # from our static files: the app's CSP (script-src 'self') refuses an inline copy, rightly
        page.add_script_tag(url=AXE_URL)
    result: list[dict[str, Any]] = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => ({id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
    }""")
    return result


def screenshot_name(username: str, path: str, width: int) -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    return SCREENS / f"{username}-{slug}-{width}.png"

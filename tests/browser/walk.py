"""The walk through every page each demo role can reach: the demo ward with its documents on its own database
and server, the list of pages per role, and the checks run on each page (axe-core, the phone width)."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from playwright.sync_api import Page, ViewportSize

import docflow.services.demo
from docflow import db
from docflow.paths import PROJECT_ROOT
from tests.browser.conftest import ORGANISATION
from tests.conftest import make_test_app

AXE_URL = "/static/vendor/axe/axe.min.js"  # vendored; no page of the app refers to it
SCREENS = Path(os.environ.get("DOCFLOW_TEST_ARTEFACTS", PROJECT_ROOT / "var" / "test-artefacts")) / "screens"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1366, "height": 768}

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


def demo_ward_app(database_url: str, data_dir: Path) -> Flask:
    """An app on its own database holding the demo ward, its signing keys and its documents (walked through
    the real services), so the shared browser ward keeps the register numbers its tests expect."""
    app = make_test_app(database_url, data_dir)
    with app.app_context():
        settings, store = app.extensions["docflow.settings"], app.extensions["docflow.store"]
        with db.transaction() as s:
            docflow.services.demo.seed_demo(s, organisation_name=ORGANISATION)
            docflow.services.demo.seed_demo_keys(s, settings=settings, store=store)
        with db.transaction() as s:
            docflow.services.demo.seed_demo_documents(s, settings=settings, store=store)
    return app


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


def axe_violations(page: Page, *, whole: bool = False) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A and AA rules and
    best practice). The pages the PDF draws (thousands of text-layer spans, not our markup) are left out unless
    ``whole``: the viewer test checks them once."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # from our static files: the app's CSP (script-src 'self') refuses an inline copy, rightly
        page.add_script_tag(url=AXE_URL)
    result: list[dict[str, Any]] = page.evaluate("""async (whole) => {
        const context = whole ? document : {exclude: [['.pdfViewer']]};
        const r = await axe.run(context, {resultTypes: ['violations'],
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => ({id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
    }""", whole)
    return result


def main_fingerprint(page: Page) -> str:
    """The page's main content without its per-session CSRF tokens: the same for two roles who see the same."""
    html: str = page.evaluate("document.querySelector('main').innerHTML")
    return hashlib.sha256(re.sub(r'name="csrf_token" value="[^"]*"', "", html).encode()).hexdigest()


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus, and check the focus is visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"focus on {selector} is not visible"
            return
    raise AssertionError(f"Tab never reached {selector}")


def screenshot_name(username: str, path: str, width: int) -> Path:
    SCREENS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    return SCREENS / f"{username}-{slug}-{width}.jpeg"

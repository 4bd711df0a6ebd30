"""Issue 13 §3–§4 in a real browser: every page each demo role reaches passes axe-core with no serious or
critical violation and fits a 390 px phone without a horizontal page scroll; the menu fits one row at 1366 px;
the keyboard alone reaches and operates the main actions; the PDF.js viewer shows pages, zooms, finds text and
outlines signature fields; lists print cleanly. Screenshots of every page go to var/test-artefacts/screens/."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from docflow import db
from docflow.models import Document, DocumentKind
from docflow.services.demo import INCOMING, OUTGOING
from tests.browser.conftest import ORGANISATION, TIMEOUT_MS
from tests.browser.walk import (
    DESKTOP,
    PHONE,
    ROLES,
    SCREENS,
    Ward,
    axe_violations,
    demo_ward_app,
    main_fingerprint,
    pages_of,
    screenshot_name,
    sign_in,
    tab_to,
)

# One database is enough: the walk reads pages whose database work the other tests prove on both.
pytestmark = [pytest.mark.browser, pytest.mark.one_database]

CHECKED: set[str] = set()  # fingerprints of the main content axe has checked in this run


@pytest.fixture(scope="module")
def ward(database_factory: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ward]:
    """The demo ward on its own database, served over HTTP; ids of a directed incoming, an outgoing in review
    and an issued document."""
    walk_app = demo_ward_app(database_factory("browser-walk"), tmp_path_factory.mktemp("browser-walk-data"))
    with walk_app.app_context():
        session = db.get_session()
        by_summary = {d.summary: d.id for d in session.execute(select(Document)).scalars()}
        issued = session.execute(select(Document.id).where(Document.kind == DocumentKind.OUTGOING,
                                                           Document.issued_at.is_not(None)).order_by(Document.id)).scalars().first()
    server = make_server("127.0.0.1", 0, walk_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="docflow-walk-server", daemon=True)
    thread.start()
    try:
        yield Ward(f"http://127.0.0.1:{server.server_port}",
                   incoming_id=by_summary[INCOMING[1].summary],
                   outgoing_id=by_summary[OUTGOING[1].summary], issued_id=int(issued or 0))
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        walk_app.extensions["docflow.engine"].dispose()


@pytest.fixture(scope="module")
def contexts(ward: Ward, browser: Browser) -> Iterator[dict[str, BrowserContext]]:
    """One signed-in browser context per role (ward first: the demo's signing runs asyncio.run() before
    Playwright's loop starts)."""
    made: dict[str, BrowserContext] = {}
    for username in ROLES:
        context = browser.new_context(base_url=ward.base_url, viewport=DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        sign_in(context.new_page(), username)
        made[username] = context
    print(f"\nscreenshots: {SCREENS}")
    yield made
    for context in made.values():
        context.close()


@pytest.fixture
def fresh(ward: Ward, browser: Browser) -> Iterator[Callable[[str], Page]]:
    """A new context signed in as ``username`` (for tests that sign out or change the viewport)."""
    made: list[BrowserContext] = []

    def make(username: str) -> Page:
        context = browser.new_context(base_url=ward.base_url, viewport=DESKTOP)
        context.set_default_timeout(TIMEOUT_MS)
        made.append(context)
        page = context.new_page()
        sign_in(page, username)
        return page
    yield make
    for context in made:
        context.close()


def visit(page: Page, path: str) -> bool:
    response = page.goto(path)
    assert response is not None
    if response.status in (403, 404, 409):
        return False
    assert response.status == 200, f"{path} answered {response.status}"
    viewer = page.locator("section.pdf-viewer")
    if viewer.count():  # the PDF.js viewer opens the document on every page that shows one, for every role
        page.wait_for_function("() => document.querySelector('section.pdf-viewer').dataset.state")
        assert viewer.get_attribute("data-state") == "ready", f"the PDF viewer failed on {path}"
    return True


@pytest.mark.parametrize("username", ROLES)
def test_every_page_a_role_reaches_passes_axe_and_fits_a_phone(username: str, contexts: dict[str, BrowserContext],
                                                                 ward: Ward) -> None:
    page = contexts[username].pages[0]
    problems: dict[str, object] = {}
    visited = []
    for path in pages_of(page, ward):
        page.set_viewport_size(DESKTOP)
        if not visit(page, path):
            continue
        visited.append(path)
        # a page whose main content another role saw identically was checked then (its menu is checked on
        # this role's home page, always first)
        fingerprint = main_fingerprint(page)
        if path == "/" or fingerprint not in CHECKED:
            CHECKED.add(fingerprint)
            if violations := axe_violations(page):
                problems[f"axe {path}"] = violations
        page.screenshot(path=str(screenshot_name(username, path, DESKTOP["width"])), quality=70)
        page.set_viewport_size(PHONE)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems[f"width {path}"] = width
        # one scroller per wide table: a table in a scroll box is not made a scroller of its own
        nested = page.evaluate("[...document.querySelectorAll('main .table-scroll > table, main .table-responsive > table')]"
                               ".filter(t => getComputedStyle(t).display === 'block').length")
        if nested:
            problems[f"nested table scroll {path}"] = nested
        page.screenshot(path=str(screenshot_name(username, path, PHONE["width"])), full_page=True, quality=70)
    report = SCREENS.parent / f"axe-{username}.json"
    report.write_text(json.dumps({"visited": visited, "problems": problems}, ensure_ascii=False, indent=1))
    assert len(visited) >= 8, visited
    assert not problems, f"see {report}: {problems}"


@pytest.mark.parametrize("username", ROLES)
def test_the_menu_fits_one_row_at_1366_px_with_search_and_figures(
        username: str, contexts: dict[str, BrowserContext]) -> None:
    page = contexts[username].pages[0]
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    expect(page.locator("nav a[data-nav='search']")).to_be_visible()
    tops = page.evaluate("""() => [...document.querySelectorAll('nav .navbar-nav > .nav-item, nav .navbar-tools')]
        .map(e => e.getBoundingClientRect().top)""")
    assert max(tops) - min(tops) < 8, f"menu entries on more than one row: tops {tops}"
    assert page.evaluate("document.querySelector('nav.navbar').getBoundingClientRect().height") < 70
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def test_the_menu_collapses_on_a_phone_and_opens_with_the_keyboard(fresh: Callable[[str], Page]) -> None:
    page = fresh("vanthu")
    page.set_viewport_size(PHONE)
    page.goto("/")
    incoming = page.locator("nav a[data-nav='incoming']")
    expect(incoming).to_be_hidden()
    toggler = page.locator("nav .navbar-toggler")
    tab_to(page, "nav .navbar-toggler")
    page.keyboard.press("Enter")
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(incoming).to_be_visible()
    tab_to(page, "nav a[data-nav='incoming']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/incoming/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_keyboard_alone_skips_to_the_content_opens_menus_finds_in_the_pdf_and_signs_out(
        fresh: Callable[[str], Page], ward: Ward) -> None:
    page = fresh("chutich")
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_test_id("skip-link")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0, "the skip link stays off screen when focused"  # type: ignore[index]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.goto("/")
    tab_to(page, "nav [data-nav='registers-menu']")
    page.keyboard.press("Enter")
    expect(page.locator("nav [data-nav='registers-menu'] + .dropdown-menu")).to_be_visible()
    tab_to(page, "nav a[data-nav='registers']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/registers/")

    page.goto(f"/outgoing/{ward.issued_id}")
    expect(page.get_by_test_id("pdf-frame")).to_have_attribute("data-state", "ready")
    tab_to(page, "[data-testid='pdf-find']")
    page.keyboard.type("khen thưởng")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("pdf-status")).to_contain_text("1 trên")

    tab_to(page, "nav form[action='/logout'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login*")
    expect(page.get_by_test_id("ward-name")).to_have_text(ORGANISATION)  # the sign-in page names the ward
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshot_name("signed-out", "login", PHONE["width"])), full_page=True, quality=70)


def test_the_pdf_viewer_shows_pages_zooms_finds_text_and_outlines_the_signature_fields(
        fresh: Callable[[str], Page], ward: Ward) -> None:
    page = fresh("chutich")
    page.goto(f"/outgoing/{ward.issued_id}")
    viewer = page.get_by_test_id("pdf-frame")
    expect(viewer).to_have_attribute("data-state", "ready")
    expect(viewer.locator(".page canvas").first).to_be_visible()
    expect(page.get_by_test_id("pdf-pages")).to_contain_text("1")
    boxes = viewer.get_by_test_id("pdf-signature-field")
    expect(boxes.first).to_be_visible()
    expect(boxes.first).to_contain_text("Ô chữ ký")
    expect(page.get_by_test_id("pdf-status")).to_contain_text("Ô chữ ký")
    assert page.locator("iframe, embed, object").count() == 0
    assert axe_violations(page, whole=True) == []

    width = viewer.locator(".page").first.bounding_box()["width"]  # type: ignore[index]
    page.locator("[data-pdf='zoom-in']").click()
    expect(page.get_by_test_id("pdf-zoom")).not_to_have_value("page-width")
    page.wait_for_function("w => document.querySelector('.pdfViewer .page').getBoundingClientRect().width > w + 10",
                           arg=width)

    page.get_by_test_id("pdf-find").fill("tổ dân phố")
    page.get_by_test_id("pdf-find").press("Enter")
    expect(page.get_by_test_id("pdf-status")).to_contain_text("trên")
    expect(viewer.locator(".textLayer .highlight").first).to_be_visible()
    download = page.get_by_test_id("pdf-download")
    expect(download).to_have_text("Tải về")
    assert page.request.get(download.get_attribute("href") or "").body().startswith(b"%PDF")

    page.set_viewport_size(PHONE)
    page.locator("[data-pdf='zoom']").select_option("page-width")
    expect(viewer.locator(".page canvas").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshot_name("chutich", "pdf-viewer", PHONE["width"])), full_page=True, quality=70)


def test_the_pdf_is_on_the_same_side_on_incoming_and_outgoing_pages(fresh: Callable[[str], Page], ward: Ward) -> None:
    page = fresh("chutich")
    sides = {}
    for path in (f"/incoming/{ward.incoming_id}", f"/outgoing/{ward.outgoing_id}", f"/documents/{ward.issued_id}"):
        page.goto(path)
        viewer = page.get_by_test_id("pdf-frame").bounding_box()
        metadata = page.get_by_test_id("metadata").bounding_box()
        assert viewer and metadata
        sides[path] = "left" if viewer["x"] < metadata["x"] else "right"
    assert set(sides.values()) == {"left"}, sides


def test_a_list_prints_without_the_menu_with_bordered_tables_and_repeated_headers(
        contexts: dict[str, BrowserContext]) -> None:
    page = contexts["vanthu"].pages[0]
    page.set_viewport_size(DESKTOP)
    page.goto("/documents/")
    page.emulate_media(media="print")
    try:
        assert page.locator("nav.navbar").is_hidden()
        assert page.evaluate("getComputedStyle(document.querySelector('main table thead')).display") == "table-header-group"
        assert page.evaluate("getComputedStyle(document.querySelector('main table td')).borderTopStyle") == "solid"
        assert page.evaluate("document.querySelector('main').getBoundingClientRect().width") >= DESKTOP["width"] - 20
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        (SCREENS.parent / "documents-list-print.pdf").write_bytes(pdf)
    finally:
        page.emulate_media(media="screen")

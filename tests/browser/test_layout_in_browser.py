"""Issue 13 §3–§4 in a real browser: every page each demo role reaches passes axe-core with no serious or
critical violation and fits a 390 px phone without a horizontal page scroll; the menu fits one row at 1366 px;
the keyboard alone reaches and operates the main actions; the PDF.js viewer shows pages, zooms, finds text and
outlines signature fields. Screenshots of every page at both widths go to var/test-artefacts/screens/."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import ORGANISATION, TIMEOUT_MS
from tests.browser.walk import (  # noqa: F401  (walk_app and ward are fixtures)
    DESKTOP,
    PHONE,
    ROLES,
    SCREENS,
    Ward,
    axe_violations,
    pages_of,
    screenshot_name,
    sign_in,
    walk_app,
    ward,
)

# One database is enough: the walk reads pages whose database work the other tests prove on both.
pytestmark = [pytest.mark.browser, pytest.mark.one_database]


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


def visit(page: Page, path: str) -> bool:
    response = page.goto(path)
    assert response is not None
    if response.status in (403, 404, 409):
        return False
    assert response.status == 200, f"{path} answered {response.status}"
    page.wait_for_load_state("load")
    return True


@pytest.mark.parametrize("username", ROLES)
def test_every_page_a_role_reaches_passes_axe_and_fits_a_phone(username: str, contexts: dict[str, BrowserContext],
                                                                 ward: Ward) -> None:
    page = contexts[username].pages[0]
    paths = pages_of(page, ward)
    problems: dict[str, object] = {}
    visited = []
    for path in paths:
        page.set_viewport_size(DESKTOP)
        if not visit(page, path):
            continue
        visited.append(path)
        if violations := axe_violations(page):
            problems[f"axe {path}"] = violations
        page.screenshot(path=str(screenshot_name(username, path, DESKTOP["width"])), full_page=True)
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(50)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems[f"width {path}"] = width
        page.screenshot(path=str(screenshot_name(username, path, PHONE["width"])), full_page=True)
    (SCREENS.parent / f"axe-{username}.json").write_text(json.dumps(problems, ensure_ascii=False, indent=1))
    assert len(visited) >= 8, visited
    assert not problems, f"see {SCREENS.parent / f'axe-{username}.json'}: {problems}"


@pytest.mark.parametrize("username", ROLES)
def test_the_menu_fits_one_row_at_1366_px_with_room_for_two_more_entries(
        username: str, contexts: dict[str, BrowserContext]) -> None:
    page = contexts[username].pages[0]
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    # the two entries other tracks add (search, statistics), in Vietnamese as they will read
    page.evaluate("""() => {
        const list = document.querySelector('nav .navbar-nav');
        for (const label of ['Tìm kiếm', 'Thống kê']) {
            const li = document.createElement('li'); li.className = 'nav-item';
            li.innerHTML = '<a class="nav-link text-nowrap" href="#">' + label + '</a>'; list.append(li);
        }
    }""")
    heights = page.evaluate("""() => [...document.querySelectorAll('nav .navbar-nav > .nav-item, nav .navbar-tools')]
        .map(e => e.getBoundingClientRect().top)""")
    nav_height = page.evaluate("document.querySelector('nav.navbar').getBoundingClientRect().height")
    assert max(heights) - min(heights) < 8, f"menu entries on more than one row: tops {heights}"
    assert nav_height < 70, f"the menu bar is {nav_height}px high"
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]

"""Browser fixtures: the app served over real HTTP with the demo ward seeded, and headless Chromium
driven through Playwright's sync API (Debian's /usr/bin/chromium; never `playwright install`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

import docflow.services.demo
from docflow import db
from tests.conftest import make_test_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ORGANISATION = "UBND phường Tích Sơn"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def live_app(database_factory: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A separate app and database for the browser tests, with the demo ward and its signing keys committed."""
    app = make_test_app(database_factory("browser"), tmp_path_factory.mktemp("browser-data"))
    with app.app_context():
        with db.transaction() as s:
            docflow.services.demo.seed_demo(s, organisation_name=ORGANISATION)
            docflow.services.demo.seed_demo_keys(s, settings=app.extensions["docflow.settings"],
                                                 store=app.extensions["docflow.store"])
    yield app
    app.extensions["docflow.engine"].dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The app served by werkzeug on a free local port, in a daemon thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="docflow-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    # Module scope, not session: Playwright's sync API keeps an asyncio loop running in the main thread
    # while it is started, and pyHanko's own asyncio.run() in later (non-browser) tests would then fail.
    p = sync_playwright().start()
    try:
        yield p
    finally:
        p.stop()


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def new_page(browser: Browser, live_server: str) -> Iterator[Callable[[], Page]]:
    """Open a page in a fresh browser context (own cookies, so its own sign-in); closed after the test."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


@pytest.fixture
def vi_text(live_app: Flask) -> Callable[..., str]:
    """What the app itself renders for a message in Vietnamese (the msgid while untranslated)."""
    def translate(message: str, **params: Any) -> str:
        with live_app.test_request_context(), force_locale("vi"):
            return gettext(message, **params)
    return translate

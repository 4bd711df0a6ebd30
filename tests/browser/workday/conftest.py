"""Fixtures of the working-day walk: the screenshot folder (its path printed once, in the summary), the day's
shared record, and the desks (one signed-in browser per person) of the module."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.browser.workday.desk import Artefacts, Day, Desk


_used: list[Artefacts] = []


@pytest.fixture(scope="session")
def artefacts() -> Artefacts:
    """A fresh var/test-artefacts/working-day/ for this run; its path is printed once, in the summary."""
    _used.append(Artefacts())
    return _used[0]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _used:
        terminalreporter.write_line(f"working-day screenshots: {_used[0].root}")


@pytest.fixture(scope="session")
def day() -> Day:
    """What the day's earlier sittings leave for the later ones (and for the checks after the merges)."""
    return Day(tag=uuid.uuid4().hex[:6])


@pytest.fixture(scope="module")
def desk(live_server: str, browser: Browser, artefacts: Artefacts) -> Iterator[Desk]:
    desks = Desk(browser, live_server, artefacts)
    try:
        yield desks
    finally:
        desks.close()

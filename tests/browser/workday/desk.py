"""The desks of the working day: one signed-in browser per person, kept open between their sittings (the clerk
registers in the morning and issues in the afternoon), the screenshots of every step, and what the day's
earlier sittings leave for the later ones."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from docflow import PROJECT_ROOT
from docflow.services.demo import DEMO_PASSWORD
from docflow.services.outgoing import DraftDetails
from docflow.services.outgoing.template import draft_page, draft_template_pdf
from tests.browser.conftest import ORGANISATION, TIMEOUT_MS
from tests.browser.test_documents_in_browser import sign_in

ARTEFACTS = PROJECT_ROOT / "var" / "test-artefacts" / "working-day"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WARD_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

# Who sits at each desk (the demo accounts as `docflow demo` prints them); the screenshot folder is the role.
PEOPLE = {
    "clerk": "vanthu",                 # Nguyễn Thị Hoa, văn thư
    "chairman": "chutich",             # Trần Văn Minh
    "vice-chairman": "phochutich1",    # Lê Thị Thu Hà
    "head": "truongdc",                # Hoàng Văn Nam, Địa chính – Xây dựng
    "office-head": "truongvp",         # Đỗ Thị Lan, Chánh Văn phòng: checks the form of every draft
    "official": "chuyenvien.dc",       # Phan Thị Ngọc, công chức Địa chính
    "auditor": "thanhtra",             # Cao Thị Yến, thanh tra
    "admin": "admin",
}
NAMES = {"clerk": "Nguyễn Thị Hoa", "chairman": "Trần Văn Minh", "vice-chairman": "Lê Thị Thu Hà",
         "head": "Hoàng Văn Nam", "office-head": "Đỗ Thị Lan", "official": "Phan Thị Ngọc", "auditor": "Cao Thị Yến",
         "admin": "Quản trị hệ thống"}
ROLES = ("clerk", "chairman", "vice-chairman", "head", "official", "auditor", "admin")
FOLDER = {"office-head": "head"}       # the office's head is a department head: her steps sit with the head's

ISSUER = "Sở Nông nghiệp và Môi trường tỉnh Phú Thọ"
PHRASE = "kiểm tra thực địa"           # in the letter's text layer and in the official's opinion
OPINION_PHRASE = "ranh giới thửa đất"  # only in the official's opinion


def today() -> date:
    return datetime.now(WARD_ZONE).date()


def working_day_after(start: date, days: int) -> date:
    """``days`` calendar days on, moved to the next Monday to Friday."""
    day = start + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def vn_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


class Artefacts:
    """var/test-artefacts/working-day/<role>/<nn>-<step>.png, numbered per role across the whole walk."""

    def __init__(self, root: Path = ARTEFACTS) -> None:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        self.root = root
        self.numbers: Counter[str] = Counter()

    def path(self, role: str, step: str) -> Path:
        folder = FOLDER.get(role, role)
        self.numbers[folder] += 1
        target = self.root / folder / f"{self.numbers[folder]:02d}-{step}.png"
        target.parent.mkdir(exist_ok=True)
        return target


@dataclass
class Day:
    """What the earlier sittings leave for the later ones; a sitting that did not finish skips the rest."""
    tag: str
    finished: set[str] = field(default_factory=set)
    incoming_id: int = 0
    incoming_number: str = ""
    deadline: str = ""               # the lead department's deadline as the pages show it (dd/mm/yyyy)
    reply_id: int = 0
    reply_number: str = ""
    new_account: str = ""
    seen: dict[str, str] = field(default_factory=dict)   # what a page showed, for a check after the merges

    @property
    def incoming_summary(self) -> str:
        return f"Về việc đề nghị {PHRASE} việc sử dụng đất tại tổ dân phố số 5, đợt {self.tag}"

    @property
    def reply_summary(self) -> str:
        return f"Về việc báo cáo kết quả {PHRASE} việc sử dụng đất tại tổ dân phố số 5, đợt {self.tag}"

    def need(self, *sittings: str) -> None:
        missing = [s for s in sittings if s not in self.finished]
        if missing:
            pytest.skip(f"needs the earlier sitting(s) of the day: {', '.join(missing)}")

    def done(self, sitting: str) -> None:
        self.finished.add(sitting)


class Desk:
    """A browser context per person, signed in at first use and kept for the module."""

    def __init__(self, browser: Browser, base_url: str, artefacts: Artefacts) -> None:
        self.browser, self.base_url, self.artefacts = browser, base_url, artefacts
        self.contexts: dict[str, BrowserContext] = {}
        self.pages: dict[str, Page] = {}

    def _context(self, viewport: dict[str, int]) -> BrowserContext:
        context = self.browser.new_context(base_url=self.base_url, viewport=viewport)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        return context

    def page(self, role: str) -> Page:
        if role not in self.pages:
            self.contexts[role] = self._context(DESKTOP)
            self.pages[role] = self.contexts[role].new_page()
            sign_in(self.pages[role], PEOPLE[role])
            expect(self.pages[role].locator("html")).to_have_attribute("lang", "vi")
        return self.pages[role]

    def visit(self, role: str, path: str) -> Page:
        """The person's browser, opened at ``path``."""
        page = self.page(role)
        page.goto(path)
        return page

    def queue_row(self, role: str, queue: str, document_id: int, step: str) -> Locator:
        """The document's row in one of the person's home queues, waited for and screenshotted."""
        row = home_row(self.visit(role, "/"), queue, document_id)
        expect(row).to_be_visible()
        self.shot(role, step)
        return row

    def shot(self, role: str, step: str) -> None:
        self.pages[role].screenshot(path=str(self.artefacts.path(role, step)), full_page=True)

    def phone_home(self, role: str) -> int:
        """The person's home page on a 390 px phone, screenshotted; returns the page's scroll width."""
        return self.on_phone(role, {"home": "/"})["home"]

    def on_phone(self, role: str, pages: dict[str, str]) -> dict[str, int]:
        """Each page (step name -> path) on a 390 px phone as ``role``, screenshotted; their scroll widths."""
        context = self._context(PHONE)
        widths = {}
        try:
            page = context.new_page()
            # the shared sign_in waits for the user's name in the menu, which a phone folds away
            page.goto("/login")
            page.fill("#username", PEOPLE[role])
            page.fill("#password", DEMO_PASSWORD)
            page.click("form[action='/login'] button[type=submit]")
            expect(page).to_have_url(re.compile(r"/$"))
            for step, path in pages.items():
                page.goto(path)
                expect(page.locator("main h1, main h2").first).to_be_visible()
                page.screenshot(path=str(self.artefacts.path(role, f"{step}-390px")), full_page=True)
                widths[step] = page.evaluate("document.documentElement.scrollWidth")
            return widths
        finally:
            context.close()

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


def home_row(page: Page, queue: str, document_id: int) -> Locator:
    """The row of a document in one of the home page's queue sections."""
    return page.locator(f"[data-testid=home-section][data-queue={queue}] tr[data-document-id='{document_id}']")


def expect_flash(page: Page, text: str) -> None:
    """The message the next page shows (waited for: the page before may still show its own message)."""
    expect(page.get_by_role("status").filter(has_text=text)).to_have_count(1)


def document_id(url: str) -> int:
    match = re.search(r"/(\d+)$", url)
    assert match, url
    return int(match.group(1))


def incoming_letter(day: Day) -> bytes:
    """The province department's letter as a real text PDF (what a scanner-less ward receives by e-mail)."""
    details = DraftDetails(place="Phú Thọ", body_code="SNNMT", unit="QLĐĐ",
                           kinh_gui=("Ủy ban nhân dân phường Tích Sơn",),
                           paragraphs=(f"Sở Nông nghiệp và Môi trường nhận được đơn của công dân phản ánh việc sử dụng "
                                       f"đất tại tổ dân phố số 5. Đề nghị Ủy ban nhân dân phường Tích Sơn tổ chức "
                                       f"{PHRASE}, xác minh hiện trạng và báo cáo kết quả về Sở (đợt {day.tag}).",))
    return draft_page("Sở Nông nghiệp và Môi trường", doc_type="cong_van", summary=day.incoming_summary, details=details)


def reply_draft(day: Day) -> bytes:
    """The official's reply, made from the office template (Annex I page, number and date fields)."""
    details = DraftDetails(unit="ĐC", kinh_gui=(ISSUER,), external_recipients=(ISSUER,), internal_recipients=(),
                           paragraphs=(f"Thực hiện đề nghị của Sở, Ủy ban nhân dân phường Tích Sơn đã tổ chức {PHRASE} "
                                       f"tại tổ dân phố số 5. Kết quả: hiện trạng sử dụng đất đúng với hồ sơ địa "
                                       f"chính, không phát hiện vi phạm (đợt {day.tag}).",))
    return draft_template_pdf(organisation_name=ORGANISATION, doc_type="cong_van", summary=day.reply_summary,
                              details=details)


def fill_form(form: Locator, values: dict[str, str]) -> None:
    """Fill fields by id: a select takes the option of that value or label, a file input the file's path."""
    for field_id, value in values.items():
        element = form.locator(f"#{field_id}")
        kind = element.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
        if kind == "select":
            element.select_option(value)
        elif kind == "file":
            element.set_input_files(value)
        else:
            element.fill(value)


def fill_registration(clerk: Page, day: Day, tmp_path: Path) -> None:
    """The clerk's registration form, filled from the letter (an urgent công văn of the province department)."""
    letter = tmp_path / "cong-van-so-nong-nghiep.pdf"
    letter.write_bytes(incoming_letter(day))
    clerk.goto("/incoming/new")
    fill_form(clerk.get_by_test_id("register-form"), {
        "file": str(letter), "doc_type": "cong_van", "summary": day.incoming_summary,
        "number_symbol": f"{day.tag}/SNNMT-QLĐĐ", "document_date": working_day_after(today(), -3).isoformat(),
        "issuing_body": ISSUER, "urgency": "urgent"})


def fill_reply_draft(official: Page, day: Day, tmp_path: Path) -> None:
    """The draft form: a công văn to the province department, for the vice-chairman's signature."""
    draft = tmp_path / "du-thao-tra-loi.pdf"
    draft.write_bytes(reply_draft(day))
    official.goto("/outgoing/new")
    fill_form(official.get_by_test_id("draft-form"), {
        "file": str(draft), "doc_type": "cong_van", "signer_id": "Lê Thị Thu Hà · Phó Chủ tịch",
        "summary": day.reply_summary, "external_recipients": ISSUER})

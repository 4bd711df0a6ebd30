"""The clerk's everyday path through a real browser: sign in, switch language, upload a PDF, see it,
and the refusals a user meets (another department's document, a file that is not a PDF)."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from docflow import PROJECT_ROOT
from docflow.services.demo import DEMO_PASSWORD
from tests.conftest import pdf_bytes

pytestmark = pytest.mark.browser

VI_CATALOGUE = PROJECT_ROOT / "docflow" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
ISSUING_BODY = "Sở Tài nguyên và Môi trường tỉnh Bắc Ninh"


def catalogue_translation(msgid: str) -> str | None:
    """The Vietnamese msgstr in the source catalogue, or None while it is empty or fuzzy."""
    with VI_CATALOGUE.open("rb") as fh:
        message = read_po(fh, locale="vi").get(msgid)
    if message is None or message.fuzzy or not message.string:
        return None
    return str(message.string)


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_be_visible()


def document_count(page: Page, query: str = "") -> int:
    page.goto("/documents/" + (f"?q={query}" if query else ""))
    text = page.get_by_test_id("total").inner_text()
    match = re.search(r"\d+", text)
    assert match, f"no count in {text!r}"
    return int(match.group())


def fill_upload_form(page: Page, file: Path, summary: str, number_symbol: str) -> None:
    page.goto("/documents/new")
    form = page.get_by_test_id("upload-form")
    form.locator("#file").set_input_files(str(file))
    form.locator("#kind").select_option("internal")
    assert form.locator("#doc_type option[value=cong_van]").count() == 1, \
        "the document type list on /documents/new has no 'cong_van' option"
    form.locator("#doc_type").select_option("cong_van")
    form.locator("#summary").fill(summary)
    form.locator("#number_symbol").fill(number_symbol)
    form.locator("#document_date").fill("2026-03-05")
    form.locator("#issuing_body").fill(ISSUING_BODY)


def submit_upload(page: Page) -> int:
    """Submit the upload form; return the HTTP status of the POST."""
    with page.expect_response(lambda r: r.request.method == "POST" and "/documents/new" in r.url) as posted:
        page.get_by_test_id("upload-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    return posted.value.status


def unique_summary() -> str:
    # NFC-composed Vietnamese with stacked diacritics (ệ, ử, ấ, ờ) and a tag to find it again.
    return unicodedata.normalize(
        "NFC", f"Về việc xử lý hồ sơ cấp giấy chứng nhận quyền sử dụng đất đợt {uuid.uuid4().hex[:8]}")


def upload_pdf(page: Page, tmp_path: Path, summary: str) -> tuple[str, bytes]:
    """Upload a fresh PDF as the signed-in user; return the document page's URL and the bytes sent."""
    content = pdf_bytes(summary)
    file = tmp_path / f"cong-van-{uuid.uuid4().hex[:6]}.pdf"
    file.write_bytes(content)
    fill_upload_form(page, file, summary, number_symbol="125/STNMT-ĐĐ")
    assert submit_upload(page) == 302
    expect(page).to_have_url(re.compile(r"/documents/\d+$"))
    return page.url, content


def test_the_clerk_sees_vietnamese_by_default_and_the_english_button_switches_the_interface(
        page: Page) -> None:
    sign_in(page, "vanthu")
    nav = page.locator("nav")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(nav.get_by_role("button", name="English")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_contain_text("Nguyễn Thị Hoa")
    # Assert the Vietnamese menu only for entries the catalogue already translates (it is being filled in).
    for msgid in ("Documents", "Sign out", "Upload document"):
        translated = catalogue_translation(msgid)
        if translated is not None:
            expect(nav).to_contain_text(translated)
            assert msgid not in nav.inner_text(), f"{msgid!r} is shown in English in the Vietnamese interface"

    nav.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav.get_by_role("link", name="Documents", exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    expect(nav.get_by_role("button", name="Tiếng Việt")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_contain_text("Clerk")

    # The choice lasts for the session, on other pages too, and switching back works.
    page.goto("/documents/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav.get_by_role("button", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page).to_have_url(re.compile(r"/documents/"))


def test_the_clerk_uploads_a_pdf_and_its_page_shows_the_summary_metadata_version_and_the_pdf(
        page: Page, tmp_path: Path, vi_text: Callable[..., str]) -> None:
    sign_in(page, "vanthu")
    summary = unique_summary()
    url, content = upload_pdf(page, tmp_path, summary)

    expect(page.get_by_role("status")).to_contain_text(vi_text("The document has been uploaded."))
    title = page.get_by_test_id("document-title").inner_text()
    assert title == summary, f"summary changed on the way: {title!r}"
    assert unicodedata.is_normalized("NFC", title)

    metadata = page.get_by_test_id("metadata")
    for shown in ("Công văn", "125/STNMT-ĐĐ", "05/03/2026", ISSUING_BODY, "Văn phòng – Thống kê",
                  "Nguyễn Thị Hoa", vi_text("Internal")):
        expect(metadata).to_contain_text(shown)

    versions = page.get_by_test_id("versions").locator("li")
    expect(versions).to_have_count(1)
    expect(versions.first).to_contain_text(vi_text("Version %(n)s", n=1))
    expect(versions.first).to_contain_text(".pdf")

    frame = page.get_by_test_id("pdf-frame")
    expect(frame).to_be_visible()
    src = frame.get_attribute("data-src")
    assert src == urlsplit(url).path + "/file"
    response = page.request.get(src)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body() == content, "the PDF served is not the one uploaded"


def test_an_official_of_another_department_opening_the_document_url_gets_the_access_denied_page(
        new_page: Callable[[], Page], tmp_path: Path, vi_text: Callable[..., str]) -> None:
    clerk = new_page()
    sign_in(clerk, "vanthu")
    summary = unique_summary()
    url, _ = upload_pdf(clerk, tmp_path, summary)  # registered for Văn phòng (the clerk's department)

    official = new_page()
    sign_in(official, "chuyenvien.dc")
    response = official.goto(url)
    assert response is not None and response.status == 403
    error = official.get_by_test_id("error-page")
    expect(error).to_be_visible()
    expect(error).to_contain_text(vi_text("Access denied"))
    assert summary not in official.content(), "the denied page leaks the document's summary"
    assert official.request.get(url + "/file").status == 403, "the PDF itself is served to the other department"


def test_a_file_that_is_not_a_pdf_is_refused_with_a_message_and_creates_no_document(
        page: Page, tmp_path: Path, vi_text: Callable[..., str]) -> None:
    sign_in(page, "vanthu")
    before = document_count(page)
    summary = unique_summary()
    fake = tmp_path / "bien-ban.pdf"
    fake.write_text("Đây không phải là tệp PDF, chỉ là văn bản thuần.\n", encoding="utf-8")
    fill_upload_form(page, fake, summary, number_symbol="7/BB-UBND")

    assert submit_upload(page) == 400
    expect(page.get_by_test_id("error")).to_have_text(vi_text("The file is not a PDF document."))
    expect(page.locator("#summary")).to_have_value(summary)  # what was typed is kept
    assert document_count(page) == before
    assert document_count(page, summary.split()[-1]) == 0


def test_a_screenshot_of_the_document_page_is_a_real_image(page: Page, tmp_path: Path) -> None:
    sign_in(page, "vanthu")
    upload_pdf(page, tmp_path, unique_summary())
    expect(page.get_by_test_id("pdf-frame")).to_be_visible()
    shot = tmp_path / "document-page.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10 * 1024, f"screenshot is only {len(data)} bytes"

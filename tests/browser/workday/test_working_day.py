"""A working day of the demo ward in a real browser, in Vietnamese, one sitting of one person per test, in
the order the day happens: the clerk registers a province department's letter, the chairman directs it to
Địa chính – Xây dựng with a deadline and an instruction, the head assigns an official, the official records
her opinion, drafts the reply and sends it on, the heads review it, the vice-chairman signs it with the demo
PIN, the clerk issues it and finds it in the register, the auditor verifies the signature chain and the audit
log, the administrator manages an account. Each person sees the document arrive in and leave their queues.

Every step leaves a screenshot in var/test-artefacts/working-day/<role>/, and every person's home page is
photographed on a 390 px phone (whether it fits is asked in test_working_day_after_merges.py, with what issue
13's other tracks add to the day: search, the dashboard, bulk confirmation; skipped until they are merged).
The clerk and the head sit twice (morning and afternoon): their desks stay signed in between.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from docflow.services.demo import DEMO_PIN
from tests.browser.test_incoming_in_browser import option_value
from tests.browser.workday.desk import (
    ISSUER,
    NAMES,
    OPINION_PHRASE,
    PEOPLE,
    PHRASE,
    Day,
    Desk,
    document_id,
    expect_flash,
    fill_registration,
    fill_reply_draft,
    home_row,
    today,
    vn_date,
    working_day_after,
)
from tests.conftest import is_postgres

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(is_postgres(), reason="the working day walks once, on SQLite: the PostgreSQL "
                                                       "pass would repeat the same screens")]

VT = Callable[..., str]


def test_clerk_morning_registers_the_letter_and_it_waits_for_the_leaders_direction(
        desk: Desk, day: Day, vi_text: VT, tmp_path: Path) -> None:
    clerk = desk.visit("clerk", "/")
    expect(clerk.get_by_test_id("current-user")).to_contain_text("Nguyễn Thị Hoa · " + vi_text("Clerk"))
    for queue, title in (("issue", "To issue"), ("handle", "To handle"), ("follow", "Sent and followed")):
        expect(clerk.locator(f"[data-testid=queue-cards] [data-queue={queue}]")).to_contain_text(vi_text(title))
    desk.shot("clerk", "home")
    desk.phone_home("clerk")

    fill_registration(clerk, day, tmp_path)
    desk.shot("clerk", "registration-form")
    clerk.get_by_test_id("register-submit").click()
    expect(clerk).to_have_url(re.compile(r"/incoming/\d+$"))
    day.incoming_id = document_id(clerk.url)
    day.incoming_number = clerk.get_by_test_id("incoming-number").inner_text()
    assert re.fullmatch(r"\d{2,}", day.incoming_number), day.incoming_number
    number = f"{day.incoming_number}/{today().year}"
    expect_flash(clerk, vi_text("Registered as incoming no. %(number)s.", number=number))
    status = clerk.get_by_test_id("status")
    expect(status).to_have_attribute("data-status", "registered")
    expect(status).to_have_text(vi_text("Registered"))
    expect(clerk.get_by_test_id("metadata")).to_contain_text(ISSUER)
    expect(clerk.get_by_test_id("direct-form")).to_have_count(0)      # the leaders direct, not the clerk
    desk.shot("clerk", "registered")

    clerk.goto(f"/registers/{today().year}/incoming?q={day.tag}")
    entry = clerk.get_by_test_id("register-entries").locator("tbody tr")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(day.incoming_summary)
    expect(entry).to_contain_text(ISSUER)
    desk.shot("clerk", "incoming-register")
    day.done("clerk-morning")


def test_chairman_directs_the_letter_to_dia_chinh_with_a_deadline_and_an_instruction(
        desk: Desk, day: Day, vi_text: VT) -> None:
    day.need("clerk-morning")
    waiting = desk.queue_row("chairman", "direct", day.incoming_id, "home-to-direct")
    chairman = desk.page("chairman")
    expect(waiting).to_contain_text(day.incoming_summary[:60])
    expect(chairman.locator("[data-testid=home-section][data-queue=direct] h2")).to_contain_text(vi_text("To direct"))
    desk.phone_home("chairman")

    waiting.get_by_role("link").first.click()
    expect(chairman).to_have_url(re.compile(rf"/incoming/{day.incoming_id}$"))
    deadline = working_day_after(today(), 7)
    day.deadline = vn_date(deadline)
    direct = chairman.get_by_test_id("direct-form")
    lead = direct.locator("[data-testid=target-department][data-code='ĐC']")
    lead.locator("select").select_option("lead")
    lead.locator("input[type=date]").fill(deadline.isoformat())
    direct.locator("[data-testid=target-department][data-code='VP'] select").select_option("info")
    direct.locator("#instruction").fill(f"Giao bộ phận Địa chính – Xây dựng chủ trì {PHRASE}, dự thảo văn bản "
                                        "trả lời Sở trước thời hạn.")
    desk.shot("chairman", "direction-form")
    direct.locator("button[type=submit]").click()
    expect_flash(chairman, vi_text("The document has been directed."))
    expect(chairman.get_by_test_id("status")).to_have_attribute("data-status", "in_progress")
    lead_row = chairman.locator("[data-testid=assignment]", has_text="Địa chính – Xây dựng")
    expect(lead_row).to_contain_text(vi_text("Lead (chủ trì)"))
    expect(lead_row).to_contain_text(day.deadline)
    desk.shot("chairman", "directed")
    # what the pages show as the letter's deadline now, asked after the workday merge
    day.seen["detail"] = chairman.get_by_test_id("metadata").inner_text()
    for name, path in (("incoming-list", "/incoming/?scope=all"), ("documents-list", f"/documents/?q={day.tag}")):
        chairman.goto(path)
        day.seen[name] = chairman.locator(f"main tr[data-document-id='{day.incoming_id}'], main tr:has-text("
                                          f"'{day.incoming_summary[:50]}')").first.inner_text()

    chairman.goto("/")
    expect(home_row(chairman, "direct", day.incoming_id)).to_have_count(0)   # it left "to direct" ...
    expect(home_row(chairman, "follow", day.incoming_id)).to_have_count(1)   # ... for "sent and followed"
    desk.shot("chairman", "home-following")
    day.done("chairman")


def test_head_morning_assigns_the_official_of_his_department(desk: Desk, day: Day, vi_text: VT) -> None:
    day.need("chairman")
    task = desk.queue_row("head", "handle", day.incoming_id, "home-to-handle")
    head = desk.page("head")
    expect(task).to_contain_text(vi_text("Lead (chủ trì)"))
    expect(task).to_contain_text(PHRASE)                                   # the chairman's instruction
    expect(task).to_contain_text(vi_text("from %(name)s", name="Trần Văn Minh"))
    expect(task).to_contain_text(day.deadline)
    desk.phone_home("head")

    task.get_by_role("link").first.click()
    expect(head).to_have_url(re.compile(rf"/incoming/{day.incoming_id}$"))
    assign = head.get_by_test_id("assign-form")
    assign.locator("select[name=handler_id]").select_option(
        option_value(head, "[data-testid=assign-form] select[name=handler_id]", "Phan Thị Ngọc"))
    assign.locator("input[name=instruction]").fill(f"Đề nghị chị Ngọc {PHRASE}, dự thảo công văn trả lời Sở.")
    desk.shot("head", "assign-form")
    assign.locator("button[type=submit]").click()
    expect_flash(head, vi_text("The handler has been assigned."))
    expect(head.locator("[data-testid=assignment]", has_text="Phan Thị Ngọc")).to_have_count(1)
    desk.shot("head", "assigned")
    day.done("head-morning")


def test_official_gives_her_opinion_drafts_the_reply_and_sends_it_for_review(
        desk: Desk, day: Day, vi_text: VT, tmp_path: Path) -> None:
    day.need("head-morning")
    task = desk.queue_row("official", "handle", day.incoming_id, "home-to-handle")
    official = desk.page("official")
    expect(task).to_contain_text(vi_text("from %(name)s", name="Hoàng Văn Nam"))
    expect(official.get_by_test_id("unread-count")).to_be_visible()        # she was told of the assignment
    desk.phone_home("official")

    task.get_by_role("link").first.click()
    opinion = official.get_by_test_id("opinion-form")
    opinion.locator("textarea").fill(f"Đã {PHRASE} ngày {vn_date(today())}: {OPINION_PHRASE} đúng hồ sơ địa chính, "
                                     "không có tranh chấp.")
    opinion.locator("button[type=submit]").click()
    expect_flash(official, vi_text("Your opinion has been recorded."))
    expect(official.get_by_test_id("timeline-entry").last).to_contain_text(OPINION_PHRASE)
    desk.shot("official", "opinion")

    fill_reply_draft(official, day, tmp_path)
    desk.shot("official", "draft-form")
    official.get_by_test_id("draft-form").locator("button[type=submit]").click()
    expect(official).to_have_url(re.compile(r"/outgoing/\d+$"))
    day.reply_id = document_id(official.url)
    expect(official.get_by_test_id("status")).to_have_attribute("data-status", "draft")
    official.get_by_test_id("route-form").locator("button[type=submit]").click()
    expect_flash(official, vi_text("The draft has been sent for review."))
    steps = official.get_by_test_id("step")
    expect(steps.first).to_have_attribute("data-status", "active")
    expect(steps.first).to_contain_text("Hoàng Văn Nam")
    expect(official.locator("[data-testid=step][data-kind=sign]")).to_contain_text("Lê Thị Thu Hà")
    desk.shot("official", "sent-for-review")

    attach_reply_and_propose_completion(official, day, vi_text)
    desk.shot("official", "reply-attached-completion-proposed")
    official.goto("/")
    expect(home_row(official, "follow", day.reply_id)).to_have_count(1)
    day.done("official")


def attach_reply_and_propose_completion(official: Page, day: Day, vi_text: VT) -> None:
    official.goto(f"/incoming/{day.incoming_id}")
    reply = official.get_by_test_id("reply-form")
    reply.locator("select").select_option(
        option_value(official, "[data-testid=reply-form] select", day.reply_summary[:40]))
    reply.locator("button[type=submit]").click()
    expect_flash(official, vi_text("The reply has been attached."))
    complete = official.get_by_test_id("complete-form")
    complete.locator("textarea").fill("Đã kiểm tra, dự thảo công văn trả lời Sở và trình lãnh đạo ký.")
    complete.locator("button[type=submit]").click()
    expect_flash(official, vi_text("The completion has been proposed; it awaits the acceptance of the head who "
                                   "assigned you."))
    expect(official.get_by_test_id("reply-link")).to_be_visible()


def test_head_afternoon_reviews_the_draft_and_accepts_the_completion(desk: Desk, day: Day, vi_text: VT) -> None:
    day.need("official")
    review = desk.queue_row("head", "review", day.reply_id, "home-to-review")
    head = desk.page("head")
    expect(review).to_contain_text(vi_text("Content review"))
    expect(review).to_contain_text(vi_text("drafted by %(name)s", name="Phan Thị Ngọc"))
    review.get_by_role("link").first.click()
    expect(head).to_have_url(re.compile(rf"/outgoing/{day.reply_id}$"))
    head.get_by_test_id("approve-form").locator("button[type=submit]").click()
    expect_flash(head, vi_text("Approved."))
    desk.shot("head", "content-approved")

    to_review = desk.queue_row("office-head", "review", day.reply_id, "office-head-home-to-review")
    office = desk.page("office-head")       # Văn phòng's head checks the form of every draft
    # Văn phòng got the letter "for information": whether that is listed as work to do is asked after the merges
    day.seen["info-under-handle"] = str(home_row(office, "handle", day.incoming_id).count())
    to_review.get_by_role("link").first.click()
    office.get_by_test_id("approve-form").locator("button[type=submit]").click()
    expect(office.get_by_test_id("status")).to_have_attribute("data-status", "awaiting_signature")
    desk.shot("office-head", "office-head-form-approved")

    head.goto(f"/incoming/{day.incoming_id}")
    expect(head.get_by_test_id("completion-proposal")).to_contain_text("Phan Thị Ngọc")
    head.get_by_test_id("accept-form").locator("button[type=submit]").click()
    expect_flash(head, vi_text("The completion has been accepted."))
    expect(head.get_by_test_id("status")).to_have_attribute("data-status", "completed")
    desk.shot("head", "completion-accepted")
    head.goto("/")
    expect(home_row(head, "handle", day.incoming_id)).to_have_count(0)
    expect(home_row(head, "review", day.reply_id)).to_have_count(0)
    day.done("head-afternoon")


def test_vice_chairman_signs_the_reply_with_her_pin(desk: Desk, day: Day, vi_text: VT) -> None:
    day.need("head-afternoon")
    waiting = desk.queue_row("vice-chairman", "sign", day.reply_id, "home-to-sign")
    leader = desk.page("vice-chairman")
    expect(waiting).to_contain_text(vi_text("Approval and signature"))
    desk.phone_home("vice-chairman")
    waiting.get_by_role("link").first.click()
    form = leader.get_by_test_id("sign-step-form")
    form.locator("input[name=pin]").fill(DEMO_PIN)
    desk.shot("vice-chairman", "sign-form")
    form.locator("button[type=submit]").click()
    expect(leader.get_by_test_id("status")).to_have_attribute("data-status", "signed")
    panel = leader.get_by_test_id("signature-panel")
    expect(panel.get_by_test_id("verdict")).to_have_attribute("data-valid", "true")
    expect(panel).to_contain_text("Lê Thị Thu Hà")
    expect(panel).to_contain_text("KT. CHỦ TỊCH")
    desk.shot("vice-chairman", "signed")
    leader.goto("/")
    expect(home_row(leader, "sign", day.reply_id)).to_have_count(0)
    day.done("vice-chairman")


def test_clerk_afternoon_issues_the_reply_and_finds_it_in_the_outgoing_register(
        desk: Desk, day: Day, vi_text: VT) -> None:
    day.need("vice-chairman")
    waiting = desk.queue_row("clerk", "issue", day.reply_id, "home-to-issue")
    clerk = desk.page("clerk")
    expect(waiting).to_contain_text(vi_text("Numbering, seal and issue"))
    waiting.get_by_role("link").first.click()
    form = clerk.get_by_test_id("issue-form")
    form.locator("input[name=pin]").fill(DEMO_PIN)
    form.locator("button[type=submit]").click()
    expect(clerk.get_by_test_id("status")).to_have_attribute("data-status", "issued")
    expect(clerk.get_by_test_id("status")).to_have_text(vi_text("Issued"))
    number = clerk.get_by_test_id("number-symbol")
    expect(number).to_have_text(re.compile(r"^\d{2,}/UBND-ĐC$"))       # công văn: the drafting unit's symbol
    day.reply_number = number.inner_text()
    panel = clerk.get_by_test_id("signature-panel")
    expect(panel.get_by_test_id("verdict")).to_have_attribute("data-valid", "true")
    expect(panel.get_by_test_id("signature")).to_have_count(2)             # the vice-chairman's and the ward's
    expect(clerk.get_by_test_id("recipient")).to_contain_text(ISSUER)
    desk.shot("clerk", "issued")

    clerk.goto(f"/registers/{today().year}/outgoing?q={day.tag}")
    entry = clerk.get_by_test_id("register-entries").locator("tbody tr")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(day.reply_number)
    expect(entry).to_contain_text(day.reply_summary)
    desk.shot("clerk", "outgoing-register")
    clerk.goto(f"/incoming/{day.incoming_id}")
    expect(clerk.get_by_test_id("status")).to_have_attribute("data-status", "completed")
    expect(clerk.get_by_test_id("reply-link")).to_have_text(day.reply_number)
    clerk.goto("/")
    expect(home_row(clerk, "issue", day.reply_id)).to_have_count(0)
    desk.shot("clerk", "home-evening")
    day.done("clerk-afternoon")


def test_auditor_verifies_the_replys_signature_chain_and_the_audit_log(desk: Desk, day: Day, vi_text: VT) -> None:
    day.need("clerk-afternoon")
    auditor = desk.visit("auditor", "/")
    expect(auditor.locator("main")).to_contain_text(vi_text("Latest audit events"))
    desk.shot("auditor", "home")
    desk.phone_home("auditor")

    auditor.goto(f"/documents/{day.reply_id}")
    auditor.get_by_test_id("chain-link").click()
    verdict = auditor.get_by_test_id("chain-verdict")
    expect(verdict).to_have_attribute("data-verdict", "ok")
    expect(verdict).to_contain_text("Mọi bước đều hợp lệ")
    expect(auditor.locator("[data-testid=chain-steps] li[data-verdict=problem]")).to_have_count(0)
    assert auditor.locator("[data-testid=chain-steps] li[data-verdict=ok]").count() >= 5
    desk.shot("auditor", "signature-chain")

    auditor.goto(f"/audit/?document={day.reply_id}")
    events = auditor.get_by_test_id("audit-events").locator("tbody tr[data-seq]")
    expect(events.first).to_be_visible()
    assert events.count() >= 6, "drafted, routed, approved twice, signed and issued: each one an audit event"
    for role in ("official", "head", "office-head", "vice-chairman", "clerk"):   # by username today, by name later
        who = re.compile(rf"{re.escape(PEOPLE[role])}|{re.escape(NAMES[role])}")
        expect(auditor.get_by_test_id("audit-events").locator("tbody tr", has_text=who).first).to_be_visible()
    desk.shot("auditor", "audit-log-of-the-reply")
    auditor.get_by_test_id("verify-chain").click()
    expect(auditor.get_by_test_id("chain-report")).to_have_class(re.compile(r"\balert-success\b"))
    desk.shot("auditor", "audit-chain-verified")
    day.done("auditor")


def test_admin_opens_an_account_for_a_new_official_and_corrects_her_post(desk: Desk, day: Day, vi_text: VT) -> None:
    admin = desk.visit("admin", "/")
    desk.shot("admin", "home")
    desk.phone_home("admin")

    day.new_account = f"congchuc.{day.tag}"
    admin.goto("/admin/users")
    admin.locator("#username").fill(day.new_account)
    admin.locator("#full_name").fill("Trương Thị Hải Yến")
    admin.locator("#role").select_option("official")
    admin.locator("#post").fill("Công chức Địa chính")
    admin.locator("#department_id").select_option(label="Địa chính – Xây dựng")
    admin.locator("#password").fill("Ph@ngTichSon2026")
    admin.locator("#confirm_password").fill("Ph@ngTichSon2026")
    desk.shot("admin", "new-account-form")
    admin.locator("form[action$='/admin/users'] button[type=submit]").click()
    expect_flash(admin, vi_text("The account %(username)s has been created.", username=day.new_account))
    row = admin.get_by_test_id("users").locator("tr", has_text=day.new_account)
    expect(row).to_contain_text("Địa chính – Xây dựng")
    expect(row).to_contain_text(vi_text("Active"))
    desk.shot("admin", "account-created")

    row.get_by_role("link").first.click()
    admin.locator("#post").fill("Công chức Địa chính – Xây dựng")
    admin.get_by_role("button", name=vi_text("Save")).click()
    expect_flash(admin, vi_text("The account has been updated."))
    expect(admin.get_by_test_id("users").locator("tr", has_text=day.new_account)) \
        .to_contain_text("Công chức Địa chính – Xây dựng")
    desk.shot("admin", "account-updated")
    admin.goto("/admin/departments")
    for name in ("Văn phòng – Thống kê", "Địa chính – Xây dựng", "Tư pháp – Hộ tịch", "Văn hóa – Xã hội"):
        expect(admin.locator(f"input[name=name][value='{name}']")).to_have_count(1)
    desk.shot("admin", "departments")
    day.done("admin")

"""The audit log and the access changes read as Vietnamese sentences with names and links; the action filter
is a grouped select of readable names; a leader confirms the demo's open access changes in one go."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from docflow.models import AuditEvent, DocumentKind, Role
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.people import access_changes, update_user
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.web.test_audit_web import signed_checkpoints  # noqa: F401 - a fixture
from tests.testpki import ORGANISATION


def _seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr data-seq="(\d+)"', html)]


def _row(html: str, seq: int) -> str:
    """The whole row of event ``seq`` (its before/after table has rows of its own)."""
    start = html.index(f'<tr data-seq="{seq}"')
    ends = [i for i in (html.find('<tr data-seq="', start + 1), html.find("</tbody>\n</table>", start)) if i > 0]
    return html[start:min(ends)]


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_R52_the_log_says_who_signed_which_document_in_vietnamese_with_links(client, db_session, make_user,
                                                                            make_document):
    clerk = make_user(Role.CLERK, full_name="Nguyễn Thị Hoa")
    chairman = make_user(Role.LEADER, full_name="Trần Văn Nam")
    document = make_document(clerk, kind=DocumentKind.OUTGOING, summary="Về việc cấp phép")
    document.number_symbol = "12/QĐ-UBND"
    signed = audit.record(db_session, action=AuditAction.DOCUMENT_SIGNED, actor=chairman, object_type="document",
                          object_id=document.id, details={"version": 3, "sha256": "b" * 64})
    signed_in = audit.record(db_session, action=AuditAction.USER_SIGNED_IN, actor=clerk, object_type="user",
                             object_id=clerk.id, details={"remote_addr": "10.1.2.3"})
    client.login(make_user(Role.AUDITOR))

    html = client.get("/audit/").get_data(as_text=True)

    signing = _row(html, signed.seq)
    assert "ký số văn bản" in signing and "(phiên bản 3)" in signing and "Trần Văn Nam" in signing
    assert f'href="/outgoing/{document.id}"' in signing and ">12/QĐ-UBND</a>" in signing
    assert "Trần Văn Nam ký số văn bản 12/QĐ-UBND (phiên bản 3)" in _text(signing)
    assert "document.signed" not in _text(signing.split("<details")[0])   # the code: technical details only
    assert "Nguyễn Thị Hoa đăng nhập" in _text(_row(html, signed_in.seq))
    assert "Địa chỉ IP" in _row(html, signed_in.seq) and "&#34;" not in signing.split("<details")[0]


def test_R52_the_log_reads_in_english_when_the_user_chose_english(client, db_session, make_user):
    clerk = make_user(Role.CLERK, full_name="Nguyễn Thị Hoa")
    event = audit.record(db_session, action=AuditAction.USER_SIGNED_OUT, actor=clerk, object_type="user",
                         object_id=clerk.id)
    auditor = make_user(Role.AUDITOR)
    auditor.locale = "en"
    db_session.flush()
    client.login(auditor)
    row = _row(client.get("/audit/").get_data(as_text=True), event.seq)
    assert "Nguyễn Thị Hoa signed out" in _text(row) and "đăng xuất" not in row


def test_R52_an_admin_sees_a_role_change_as_a_before_after_table_with_a_link_to_the_account(client, db_session,
                                                                                             make_user,
                                                                                             make_department):
    admin = make_user(Role.ADMIN, full_name="Quản Trị Viên")
    new = make_department("Địa chính", "DCY")
    official = make_user(Role.OFFICIAL, full_name="Lê Thị Thu")
    update_user(db_session, actor=admin, user_id=official.id, role=Role.HEAD, post="Trưởng bộ phận",
                department_id=new.id, full_name=official.full_name)
    seq = db_session.execute(select(func.max(AuditEvent.seq))).scalar_one()
    client.login(admin)

    row = _row(client.get("/audit/").get_data(as_text=True), seq)

    assert "thay đổi tài khoản của" in row and f'href="/admin/users/{official.id}"' in row
    table = row[row.index('data-testid="before-after"'):]
    assert "Trước" in table and "Sau" in table and "Địa chính" in table
    assert "Trưởng bộ phận" in table and "Chuyên viên" in table or "Công chức" in table


def test_R52_the_action_filter_is_grouped_by_area_in_vietnamese_and_old_links_keep_working(client, db_session,
                                                                                           make_user,
                                                                                           make_document):
    clerk = make_user(Role.CLERK, full_name="Nguyễn Thị Hoa")
    document = make_document(clerk)
    for _ in range(2):
        audit.record(db_session, action=AuditAction.DOCUMENT_VIEWED, actor=clerk, object_type="document",
                     object_id=document.id)
    client.login(make_user(Role.AUDITOR))

    page = client.get("/audit/?action=document.viewed").get_data(as_text=True)

    select_html = page[page.index('data-testid="action-filter"'):page.index("</select>")]
    assert re.search(r'<optgroup label="Đăng nhập (&amp;|&) tài khoản">', select_html)
    assert '<optgroup label="Ký số">' in select_html and '<optgroup label="Văn bản đến">' in select_html
    assert '<option value="document.viewed" selected>Xem văn bản</option>' in select_html
    assert "user.signed_in" not in re.sub(r'value="[^"]*"', "", select_html)   # codes only as values
    assert len(_seqs(client.get(f"/audit/?user={clerk.username}&action=document.viewed")
                     .get_data(as_text=True))) == 2
    by_name = client.get("/audit/?user=Thị Hoa&action=document.viewed").get_data(as_text=True)
    assert len(_seqs(by_name)) == 2
    assert _seqs(client.get("/audit/?user=Không Ai&action=document.viewed").get_data(as_text=True)) == []


def test_R51_the_access_changes_read_as_sentences_with_before_and_after(client, db_session, make_user):
    admin = make_user(Role.ADMIN, full_name="Quản Trị Viên")
    official = make_user(Role.OFFICIAL, full_name="Lê Thị Thu")
    update_user(db_session, actor=admin, user_id=official.id, role=Role.CLERK, post="",
                department_id=official.department_id, full_name=official.full_name)
    seq = db_session.execute(select(func.max(AuditEvent.seq))).scalar_one()
    client.login(make_user(Role.LEADER))

    row = _row(client.get("/audit/access-changes").get_data(as_text=True), seq)

    assert "Quản Trị Viên" in row and "thay đổi tài khoản của" in row and "Lê Thị Thu" in row
    assert 'data-testid="before-after"' in row and "Văn thư" in row
    assert 'name="seq"' in row and 'form="bulk-confirm"' in row


def test_R51_a_leader_confirms_the_demo_wards_open_access_changes_in_one_go(client, db_session, signing_settings,
                                                                           store):
    from docflow.models import User
    from docflow.services.demo import seed_demo, seed_demo_documents, seed_demo_keys
    from docflow.services.demo.ward import DEMO_PASSWORD
    seed_demo(db_session, organisation_name=ORGANISATION)
    seed_demo_keys(db_session, settings=signing_settings, store=store)
    seed_demo_documents(db_session, settings=signing_settings, store=store)
    chairman = db_session.execute(select(User).where(User.username == "chutich")).scalar_one()
    vice = db_session.execute(select(User).where(User.username == "phochutich1")).scalar_one()
    open_before = access_changes.unconfirmed_changes(db_session, actor=chairman)
    confirmations_before = db_session.execute(select(func.count()).where(
        AuditEvent.action == "access_change.confirmed")).scalar_one()
    client.login("chutich", DEMO_PASSWORD)
    page = client.get("/audit/access-changes").get_data(as_text=True)
    tickable = [int(s) for s in re.findall(r'name="seq" value="(\d+)"', page)]
    assert 'data-testid="select-all"' in page and len(tickable) >= 20

    response = client.post("/audit/access-changes/confirm", {"seq": tickable})

    assert response.status_code == 302
    left = access_changes.unconfirmed_changes(db_session, actor=chairman)
    assert {c.event.seq for c in left} == {c.event.seq for c in open_before} - set(tickable)
    confirmations = db_session.execute(select(AuditEvent).where(
        AuditEvent.action == "access_change.confirmed").order_by(AuditEvent.seq)).scalars().all()
    assert len(confirmations) - confirmations_before == len(tickable)
    assert sorted(int(e.object_id) for e in confirmations[-len(tickable):]) == sorted(tickable)
    assert all(e.actor_id == chairman.id and e.object_type == "audit_event" for e in confirmations[-len(tickable):])
    # What concerns the chairman himself is left to another leader, who clears the rest the same way.
    client.post("/logout")
    client._token = None
    client.login("phochutich1", DEMO_PASSWORD)
    rest = [int(s) for s in re.findall(r'name="seq" value="(\d+)"',
                                       client.get("/audit/access-changes").get_data(as_text=True))]
    assert client.post("/audit/access-changes/confirm", {"seq": rest}).status_code == 302
    assert access_changes.unconfirmed_changes(db_session, actor=vice) == []
    assert len(open_before) == len(tickable) + len(rest)


def test_certificate_subjects_show_as_name_and_post_with_the_full_subject_kept(client, db_session, make_user,
                                                                               signing_settings, store, ward):
    from tests.services.signatures.test_chaincheck import _issued
    document = _issued(db_session, signing_settings, store, ward)
    number = document.current_version.number
    client.login(make_user(Role.AUDITOR))

    report = client.get(f"/documents/{document.id}/versions/{number}/verification").get_data(as_text=True)
    chain = client.get(f"/audit/documents/{document.id}/chain").get_data(as_text=True)

    signers = re.findall(r'data-testid="signer">(.*?)</strong>', report, re.S)
    signer, ward_name = document.signer, document.organisation.name
    assert f"1. {signer.full_name} — {signer.post} {ward_name}" == _text(signers[0])   # "… — Phó Chủ tịch UBND …"
    assert _text(signers[1]) == f"2. {ward_name}"                                     # the ward's own seal
    for page in (report, chain):
        shown = re.sub(r'title="[^"]*"', "", page)
        assert "Common Name" not in shown and "User ID" not in shown and "UID=" not in shown
    assert re.search(f'title="[^"]*Common Name: {signer.full_name}', report)   # the full subject for the auditor

    client.post("/logout")
    client._token = None
    client.login(make_user(Role.ADMIN))
    certificates = client.get("/admin/certificates").get_data(as_text=True)
    subjects = [_text(s) for s in re.findall(r'data-testid="certificate-subject">(.*?)</small>', certificates, re.S)]
    assert f"{signer.full_name} — {signer.post} {ward_name}" in subjects
    assert not any("UID=" in s or "CN=" in s for s in subjects)
    assert re.search(f'title="UID=[^"]*CN={signer.full_name}', certificates)


def test_the_checkpoints_name_the_wards_system_certificate_readably(client, make_user, signed_checkpoints):
    client.login(make_user(Role.AUDITOR))
    assert client.post("/audit/checkpoints").status_code == 302
    page = client.get("/audit/checkpoints").get_data(as_text=True)
    shown = re.sub(r'title="[^"]*"', "", page)
    assert 'data-verdict="ok"' in page and "User ID" not in shown and "Common Name" not in shown
    assert re.search(r'title="User ID: system[^"]*"', page)

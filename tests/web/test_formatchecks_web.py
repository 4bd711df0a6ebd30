"""The format check on the pages: the administrator's policy screen (audited) and the clerk's format review
on the outgoing document page, in Vietnamese, blocking findings first; a refused signature lists them."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.formatcheck import ALL_CODES
from docflow.models import AuditEvent, Role
from docflow.services import formatcheck as format_service
from docflow.services import outgoing
from docflow.services.audit import AuditAction
from docflow.services.formatcheck.settings import restore_defaults
from tests.annex1_pages import annex1_pdf, in_test_ward
from tests.services.outgoing.test_outgoing import PIN, Ward, _active, _draft, ward  # noqa: F401


def test_r32_the_administrator_moves_checks_on_the_policy_screen(client: Any, make_user: Any, db_session: Session,
                                                                  org: Any) -> None:
    restore_defaults(db_session, organisation_id=org.id)
    client.login(make_user(Role.ADMIN))
    page = client.get("/admin/format-checks")
    assert page.status_code == 200 and "Kiểm tra thể thức" in page.get_data(as_text=True)
    form = {f"level_{code}": "warn" for code in ALL_CODES} | {"level_font": "block", "level_symbol": "block"}
    assert client.post("/admin/format-checks", form).status_code == 302
    db_session.expire_all()
    assert format_service.blocking_codes(db_session, org.id) == frozenset({"font", "symbol"})
    event = db_session.execute(select(AuditEvent).where(
        AuditEvent.action == AuditAction.FORMAT_CHECK_POLICY_CHANGED.value)).scalar_one()
    assert event.details["blocking"] == ["font", "symbol"] and "number_line" in event.details["now_warning"]


def test_r32_the_format_review_lists_each_problem_in_vietnamese_blocking_first(
        client: Any, db_session: Session, store: Any, ward: Ward, org: Any) -> None:
    restore_defaults(db_session, organisation_id=org.id)
    page = annex1_pdf(in_test_ward(luu=None, body_size=12))
    document = _draft(db_session, store, ward, content=page, signer=ward.chairman)
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store, reviewer_ids=[])
    client.login(ward.clerk)
    html = client.get(f"/outgoing/{document.id}").get_data(as_text=True)
    rows = re.findall(r'data-code="([a-z_]+)" data-blocking="(true|false)"', html)
    assert rows[0] == ("recipients", "true") and ("size", "false") in rows
    assert "phải kết thúc bằng \"- Lưu: VT, …\"" in html.replace("&#34;", '"').replace("&quot;", '"')
    assert "R32 · NĐ30 PL I, II.9" in html


def test_r32_a_refused_signature_lists_the_blocking_problems(client: Any, db_session: Session, store: Any,
                                                             ward: Ward, org: Any) -> None:
    restore_defaults(db_session, organisation_id=org.id)
    document = _draft(db_session, store, ward, content=annex1_pdf(in_test_ward(type_line=None)), signer=ward.chairman)
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store, reviewer_ids=[])
    step = _active(db_session, document)
    client.login(ward.chairman)
    response = client.post(f"/outgoing/{document.id}/steps/{step.id}/sign", {"pin": PIN})
    assert response.status_code == 302
    html = client.get(f"/outgoing/{document.id}").get_data(as_text=True).replace("&#34;", '"')
    assert "Văn bản chưa đúng thể thức" in html and "Văn bản không có tên loại (\"QUYẾT ĐỊNH\")" in html
    db_session.expire_all()
    assert _active(db_session, document).id == step.id

"""Outgoing screens: the draft form, the template, the outgoing page with its route and actions, issue with
the PIN, refusals as messages, recall shown wherever the document appears."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from docflow.models import Document, DocumentStatus, Register, RegisterKind, Role
from docflow.models.routing import Recipient, RoutingStep, StepStatus
from docflow.services.formatcheck import review as format_review
from docflow.services.formatcheck.settings import restore_defaults
from docflow.signing.base import CertificateKind
from tests.conftest import SIGNING_PIN, pdf_bytes


@pytest.fixture
def people(make_department, make_user, issue_cert) -> dict[str, Any]:
    office, land, culture = make_department("Văn phòng", "VP"), make_department("Địa chính", "ĐC"), \
        make_department("Văn hóa", "VHXH")
    people = {"office": office, "land": land, "culture": culture,
              "drafter": make_user(Role.OFFICIAL, department=land),
              "land_head": make_user(Role.HEAD, department=land),
              "office_head": make_user(Role.HEAD, department=office),
              "leader": make_user(Role.LEADER, full_name="Lê Thị Thu Hà"),
              "clerk": make_user(Role.CLERK, department=office),
              "reader": make_user(Role.OFFICIAL, department=culture)}
    people["leader"].post = "Phó Chủ tịch"
    issue_cert(people["leader"])
    issue_cert(None, CertificateKind.ORGANISATION)
    return people


def _switch(client, user) -> None:
    client.logout()
    assert client.login(user).status_code == 302


def _follow(client, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client.get(response.location).get_data(as_text=True)


def _draft(client, people, **extra: Any) -> int:
    data = {"doc_type": "quyet_dinh", "summary": "Về việc thành lập tổ công tác", "signer_id": str(people["leader"].id),
            "urgency": "normal", "recipient_department_ids": [str(people["culture"].id)],
            "external_recipients": "Sở Tư pháp tỉnh Bắc Ninh\n", "file": (io.BytesIO(pdf_bytes("web")), "du-thao.pdf"),
            **extra}
    response = client.post("/outgoing/new", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def _active(db_session, document_id: int) -> RoutingStep:
    return db_session.execute(select(RoutingStep).where(RoutingStep.document_id == document_id,
                                                        RoutingStep.status == StepStatus.ACTIVE)
                              .execution_options(populate_existing=True)).scalar_one()


def _to_signed(client, db_session, people) -> int:
    client.login(people["drafter"])
    document_id = _draft(client, people)
    _follow(client, client.post(f"/outgoing/{document_id}/route"))
    for reviewer in ("land_head", "office_head"):
        _switch(client, people[reviewer])
        _follow(client, client.post(f"/outgoing/{document_id}/steps/{_active(db_session, document_id).id}/approve"))
    _switch(client, people["leader"])
    page = client.get(f"/outgoing/{document_id}").get_data(as_text=True)
    assert 'data-testid="sign-step-form"' in page
    _follow(client, client.post(f"/outgoing/{document_id}/steps/{_active(db_session, document_id).id}/sign",
                                {"pin": SIGNING_PIN, "version": "2"}))
    return document_id


def test_the_draft_form_offers_entitled_signers_and_the_template(client, people):
    client.login(people["drafter"])
    page = client.get("/outgoing/new").get_data(as_text=True)
    assert 'data-testid="draft-form"' in page
    signers = re.search(r'id="signer_id".*?</select>', page, re.S).group(0)
    assert f'value="{people["leader"].id}"' in signers and f'value="{people["office_head"].id}"' not in signers
    assert "/outgoing/template.pdf" in page


def test_a_draft_without_a_signer_comes_back_with_the_message(client, people):
    client.login(people["drafter"])
    response = client.post("/outgoing/new", {"doc_type": "quyet_dinh", "summary": "Thiếu người ký",
                                             "file": (io.BytesIO(pdf_bytes()), "a.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.get_data(as_text=True).count('data-testid="error"') == 1   # issue 13: the reason once


def test_the_template_downloads_with_its_number_date_and_signature_fields(client, people):
    client.login(people["drafter"])
    response = client.get("/outgoing/template.pdf?doc_type=quyet_dinh&summary=V%E1%BB%81%20vi%E1%BB%87c%20th%E1%BB%AD")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    fields = PdfReader(io.BytesIO(response.data)).get_fields() or {}
    assert {"so_ky_hieu", "ngay_ban_hanh", "personal_1"} <= set(fields)


def test_an_outgoing_document_goes_from_draft_to_issued_on_screen(client, db_session, people, store):
    document_id = _to_signed(client, db_session, people)
    _switch(client, people["clerk"])
    page = client.get(f"/outgoing/{document_id}").get_data(as_text=True)
    assert 'data-testid="issue-form"' in page
    html = _follow(client, client.post(f"/outgoing/{document_id}/issue", {"pin": SIGNING_PIN, "version": "3"}))
    assert 'data-status="issued"' in html and "01/QĐ-UBND" in html
    assert 'data-valid="true"' in html and 'data-field="organisation"' in html
    document = db_session.get(Document, document_id)
    db_session.refresh(document)
    data = store.read(document.versions[-1].sha256)
    assert PdfReader(io.BytesIO(data)).get_fields()["so_ky_hieu"]["/V"] == "Số: 01/QĐ-UBND"
    assert html.count('data-testid="step"') == 4 and html.count('data-status="done"') == 2
    assert re.search(rf'data-testid="step-decision">{re.escape(people["clerk"].full_name)} · ', html)


def _version(db_session, document_id: int) -> str:
    document = db_session.get(Document, document_id)
    db_session.refresh(document)
    return str(document.current_version.number)


def test_annex1_a_draft_from_the_template_is_reviewed_signed_and_issued_under_decree_30s_default_policy(
        client, db_session, people, store):
    restore_defaults(db_session, organisation_id=people["drafter"].organisation_id)
    client.login(people["drafter"])
    template = client.get("/outgoing/template.pdf?doc_type=quyet_dinh&summary=V%E1%BB%81%20vi%E1%BB%87c%20th%E1%BB%AD")
    document_id = _draft(client, people, file=(io.BytesIO(template.data), "du-thao.pdf"))
    _follow(client, client.post(f"/outgoing/{document_id}/route"))
    for reviewer in ("land_head", "office_head"):
        _switch(client, people[reviewer])
        _follow(client, client.post(f"/outgoing/{document_id}/steps/{_active(db_session, document_id).id}/approve"))
    _switch(client, people["leader"])
    _follow(client, client.post(f"/outgoing/{document_id}/steps/{_active(db_session, document_id).id}/sign",
                                {"pin": SIGNING_PIN, "version": _version(db_session, document_id)}))
    _switch(client, people["clerk"])
    html = _follow(client, client.post(f"/outgoing/{document_id}/issue",
                                       {"pin": SIGNING_PIN, "version": _version(db_session, document_id)}))
    assert 'data-status="issued"' in html and "01/QĐ-UBND" in html
    document = db_session.get(Document, document_id)
    review = format_review.review_of(db_session, store=store, document=document, keep=False)
    assert review is not None and review.blocking == () and review.warnings == ()


def test_a_wrong_pin_at_issue_is_a_message_and_the_number_is_not_consumed(client, db_session, people):
    document_id = _to_signed(client, db_session, people)
    _switch(client, people["clerk"])
    html = _follow(client, client.post(f"/outgoing/{document_id}/issue", {"pin": "000000"}))
    assert "Mã PIN không đúng" in html and "000000" not in html
    register = db_session.execute(select(Register).where(Register.kind == RegisterKind.OUTGOING)
                                  .execution_options(populate_existing=True)).scalar_one_or_none()
    assert register is None or register.last_number == 0
    document = db_session.get(Document, document_id)
    db_session.refresh(document)
    assert document.status is DocumentStatus.SIGNED and document.number_symbol is None


def test_someone_else_cannot_act_on_a_step_by_url(client, db_session, people):
    client.login(people["drafter"])
    document_id = _draft(client, people)
    client.post(f"/outgoing/{document_id}/route")
    step = _active(db_session, document_id)
    _switch(client, people["office_head"])
    response = client.post(f"/outgoing/{document_id}/steps/{step.id}/approve")
    assert response.status_code == 403
    _switch(client, people["reader"])
    assert client.get(f"/outgoing/{document_id}").status_code == 403


def test_returning_without_a_reason_is_refused_and_with_one_goes_back_to_the_drafter(client, db_session, people):
    client.login(people["drafter"])
    document_id = _draft(client, people)
    client.post(f"/outgoing/{document_id}/route")
    step = _active(db_session, document_id)
    _switch(client, people["land_head"])
    html = _follow(client, client.post(f"/outgoing/{document_id}/steps/{step.id}/return", {"reason": ""}))
    assert "alert-danger" in html
    html = _follow(client, client.post(f"/outgoing/{document_id}/steps/{step.id}/return",
                                       {"reason": "Bổ sung căn cứ pháp lý"}))
    assert 'data-status="draft"' in html and "Bổ sung căn cứ pháp lý" in html


def test_the_document_page_offers_no_generic_signing_for_an_outgoing_document(client, db_session, people):
    client.login(people["drafter"])
    document_id = _draft(client, people)
    _switch(client, people["leader"])
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert 'data-testid="sign-form"' not in page and 'data-testid="outgoing-link"' in page
    response = client.post(f"/documents/{document_id}/sign", {"kind": "personal", "pin": SIGNING_PIN})
    assert response.status_code == 409 and "trên trang văn bản đi" in response.get_data(as_text=True)
    assert len(db_session.get(Document, document_id).versions) == 1


def test_a_recall_shows_on_the_page_in_the_list_and_on_the_incoming_copy(client, db_session, people):
    document_id = _to_signed(client, db_session, people)
    _switch(client, people["clerk"])
    client.post(f"/outgoing/{document_id}/issue", {"pin": SIGNING_PIN})
    copy_id = db_session.execute(select(Recipient.delivered_document_id).where(
        Recipient.document_id == document_id, Recipient.department_id.is_not(None))).scalar_one()
    _switch(client, people["leader"])
    html = _follow(client, client.post(f"/outgoing/{document_id}/recall", {"reason": "Sai thẩm quyền"}))
    assert 'data-testid="status-banner" data-status="recalled"' in html
    listing = client.get("/outgoing/?status=recalled").get_data(as_text=True)
    assert re.search(rf'data-status="recalled">\s*<td>01/QĐ-UBND', listing)
    _switch(client, people["reader"])
    copy_page = client.get(f"/documents/{copy_id}").get_data(as_text=True)
    assert 'data-status="recalled"' in copy_page and 'data-testid="copy-of"' in copy_page


def test_a_leader_signs_a_batch_with_one_pin_and_sees_a_result_per_document(client, db_session, people):
    client.login(people["drafter"])
    ids = [_draft(client, people, summary=f"Thông báo số {n}") for n in range(2)]
    for document_id in ids:
        client.post(f"/outgoing/{document_id}/route", {})
    for reviewer in ("land_head", "office_head"):
        _switch(client, people[reviewer])
        for document_id in ids:
            client.post(f"/outgoing/{document_id}/steps/{_active(db_session, document_id).id}/approve")
    _switch(client, people["leader"])
    page = client.get("/outgoing/batch").get_data(as_text=True)
    assert page.count('name="documents"') == 2
    response = client.post("/outgoing/batch", {"documents": [f"{i}:2" for i in ids], "pin": SIGNING_PIN},
                           buffered=True)  # the batch starts when the response is closed
    assert response.status_code == 302
    job_id = response.location.rsplit("/", 1)[1]
    progress, thread = client.client.application.extensions["docflow.outgoing_batches"][job_id]
    thread.join(timeout=120)
    state = client.get(f"/outgoing/batch/{job_id}?format=json").get_json()
    assert state["done"] and state["signed"] == 2 and [r["ok"] for r in state["results"]] == [True, True]
    html = client.get(f"/outgoing/batch/{job_id}").get_data(as_text=True)
    assert html.count('data-ok="true"') == 2 and 'data-done="true"' in html
    _switch(client, people["drafter"])
    assert client.get(f"/outgoing/batch/{job_id}").status_code == 404

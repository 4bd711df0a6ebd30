"""The incoming screens: registration (with the duplicate warning), the list, the incoming page with its
forms per role, and the actions posted from it."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from docflow.models import Assignment, AssignmentStatus, Document, DocumentKind, DocumentStatus, Role, Urgency, utc_now
from docflow.services import incoming
from tests.conftest import WebClient, pdf_bytes
from tests.services.incoming.test_incoming import _data, directed, register, settings, ward  # noqa: F401 - fixtures

FORM = {"doc_type": "cong_van", "summary": "Về việc kiểm tra công trình xây dựng trái phép",
        "number_symbol": "56/UBND-QLĐT", "document_date": "2026-03-05", "issuing_body": "UBND quận Thử Nghiệm",
        "urgency": "normal", "confidentiality": "normal"}


def _register(client: Any, content: bytes | None = None, **fields: Any) -> Any:
    data: dict[str, Any] = {**FORM, **fields}
    if content is not None or "held" not in fields:
        data["file"] = (io.BytesIO(content or pdf_bytes()), "cong-van.pdf")
    return client.post("/incoming/new", data, content_type="multipart/form-data")


def _incoming_count(db_session: Any) -> int:
    return db_session.execute(select(func.count(Document.id)).where(
        Document.kind == DocumentKind.INCOMING)).scalar_one()


@pytest.fixture
def signed_in(app: Any, db_session: Any) -> Any:
    """A fresh browser session for each user, signed in."""
    def make(user: Any) -> WebClient:
        client = WebClient(app.test_client())
        client.login(user)
        return client
    return make


def _id(location: str) -> int:
    return int(location.rstrip("/").split("/")[-1])


def test_the_clerk_registers_an_incoming_document_and_sees_its_number(client, ward, db_session):
    client.login(ward.clerk)
    form = client.get("/incoming/new")
    assert form.status_code == 200 and 'data-testid="register-form"' in form.get_data(as_text=True)
    before = utc_now()
    response = _register(client, receipt_note="Nhận bản giấy lúc 16:40 ngày 09/3")
    assert response.status_code == 302
    document = db_session.get(Document, _id(response.location))
    assert document.kind is DocumentKind.INCOMING and document.register_number is not None
    # R13: the receipt time is the system's, the paper time only a note (the form no longer takes a time)
    assert before <= document.received_at <= utc_now()
    assert document.receipt_note == "Nhận bản giấy lúc 16:40 ngày 09/3"
    page = client.get(response.location).get_data(as_text=True)
    assert f'data-testid="incoming-number">{document.register_number:02d}<' in page
    assert "56/UBND-QLĐT" in page and 'data-testid="timeline"' in page


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.HEAD, Role.LEADER, Role.AUDITOR])
def test_only_the_clerk_opens_the_registration_form(client, make_user, role):
    client.login(make_user(role))
    assert client.get("/incoming/new").status_code == 403
    assert _register(client).status_code == 403


def test_a_duplicate_warns_with_a_link_and_registers_on_confirmation_without_the_file_again(client, ward,
                                                                                           db_session):
    client.login(ward.clerk)
    first = _id(_register(client).location)
    before = _incoming_count(db_session)
    warned = _register(client)
    html = warned.get_data(as_text=True)
    assert warned.status_code == 409 and 'data-testid="duplicate-warning"' in html
    assert f'href="/incoming/{first}"' in html and 'data-testid="cancel-duplicate"' in html
    assert _incoming_count(db_session) == before          # cancelling is leaving: nothing was registered
    held = re.search(r'name="held" value="([^"]+)"', html).group(1)
    confirmed = _register(client, held=held, confirm_duplicate="1")
    assert confirmed.status_code == 302 and _incoming_count(db_session) == before + 1
    second = db_session.get(Document, _id(confirmed.location))
    assert second.number_symbol == "56/UBND-QLĐT" and second.versions[0].original_filename == "cong-van.pdf"


def test_a_held_file_only_serves_the_clerk_it_was_kept_for(client, ward, make_user, db_session, signed_in):
    client.login(ward.clerk)
    _register(client)
    held = re.search(r'name="held" value="([^"]+)"', _register(client).get_data(as_text=True)).group(1)
    tampered = _register(client, held=held[:-2] + "xx", confirm_duplicate="1")
    assert tampered.status_code == 400
    client = signed_in(make_user(Role.CLERK, username="vanthu2"))
    other = _register(client, held=held, confirm_duplicate="1")
    assert other.status_code == 400 and 'data-testid="error"' in other.get_data(as_text=True)


def test_the_leader_directs_from_the_page_and_the_head_then_sees_the_assign_form(client, ward, register,
                                                                                db_session, signed_in):
    document = register().document
    client.login(ward.head_dc)
    assert client.get(f"/incoming/{document.id}").status_code == 403     # not directed to Địa chính yet
    client = signed_in(ward.leader)
    page = client.get(f"/incoming/{document.id}").get_data(as_text=True)
    assert 'data-testid="direct-form"' in page and 'data-testid="assign-form"' not in page
    response = client.post(f"/incoming/{document.id}/direct", {
        f"role_d{ward.dc.id}": "lead", f"deadline_d{ward.dc.id}": "2026-12-30",
        f"role_d{ward.tp.id}": "co", "person_1": str(ward.vice.id), "role_p1": "info",
        "instruction": "Địa chính chủ trì", "row_version": str(document.row_version)})
    assert response.status_code == 302
    db_session.refresh(document)
    assert document.status is DocumentStatus.IN_PROGRESS
    roles = {(a.role.value, a.department_id, a.assignee_id) for a in db_session.execute(
        select(Assignment).where(Assignment.document_id == document.id)).scalars()}
    assert roles == {("lead", ward.dc.id, None), ("co", ward.tp.id, None), ("info", None, ward.vice.id)}
    client = signed_in(ward.head_dc)
    head_page = client.get(f"/incoming/{document.id}").get_data(as_text=True)
    assert 'data-testid="assign-form"' in head_page and 'data-testid="direct-form"' not in head_page
    assert ward.handler.full_name in head_page


def test_a_direction_without_a_lead_comes_back_as_a_message(client, ward, register, db_session):
    document = register().document
    client.login(ward.leader)
    response = client.post(f"/incoming/{document.id}/direct", {f"role_d{ward.dc.id}": "co"},
                           follow_redirects=True)
    assert response.status_code == 200 and "alert-danger" in response.get_data(as_text=True)
    db_session.refresh(document)
    assert document.status is DocumentStatus.REGISTERED


def test_a_head_assigns_and_the_handler_gives_an_opinion_and_completes_from_the_page(client, ward, directed,
                                                                                     db_session, signed_in):
    d = directed()
    client.login(ward.head_dc)
    assert client.post(f"/incoming/{d.document.id}/assignments/{d.lead.id}/assign", {
        "handler_id": str(ward.handler.id), "row_version": str(d.lead.row_version)}).status_code == 302
    child = db_session.execute(select(Assignment).where(Assignment.parent_id == d.lead.id)).scalar_one()
    client = signed_in(ward.handler)
    page = client.get(f"/incoming/{d.document.id}").get_data(as_text=True)
    assert 'data-testid="opinion-form"' in page and 'data-testid="complete-form"' in page
    assert 'data-testid="assign-form"' not in page and 'data-testid="direct-form"' not in page
    base = f"/incoming/{d.document.id}/assignments/{child.id}"
    client.post(f"{base}/opinion", {"body": "Đã kiểm tra thực địa", "row_version": str(child.row_version)})
    # A lead without a result is refused with a message, and nothing changes.
    refused = client.post(f"{base}/complete", {"result": ""}, follow_redirects=True)
    assert "alert-danger" in refused.get_data(as_text=True)
    db_session.refresh(child)
    assert child.status is AssignmentStatus.IN_PROGRESS
    done = client.post(f"{base}/complete", {"result": "Đã lập biên bản", "row_version": str(child.row_version)},
                       follow_redirects=True)
    html = done.get_data(as_text=True)
    # The lead's complete proposes (R43): the head who assigned accepts on the page.
    assert done.status_code == 200 and 'data-testid="completion-proposal"' in html and "Đã lập biên bản" in html
    assert 'data-testid="accept-form"' not in html     # not the proposer's to accept
    db_session.refresh(d.document)
    assert d.document.status is DocumentStatus.IN_PROGRESS
    proposal = incoming.pending_proposal(db_session, d.document.id)
    client = signed_in(ward.head_dc)
    page = client.get(f"/incoming/{d.document.id}").get_data(as_text=True)
    assert 'data-testid="accept-form"' in page and 'data-testid="return-form"' in page
    accepted = client.post(f"/incoming/{d.document.id}/completion/{proposal.id}/accept", follow_redirects=True)
    html = accepted.get_data(as_text=True)
    assert accepted.status_code == 200 and 'data-status="completed"' in html
    assert "Đã kiểm tra thực địa" in html and "Đã lập biên bản" in html
    db_session.refresh(d.document)
    assert d.document.status is DocumentStatus.COMPLETED


def test_a_stale_form_on_the_page_is_refused_with_a_message(client, ward, directed, db_session):
    d = directed()
    client.login(ward.head_dc)
    stale = str(d.lead.row_version)
    base = f"/incoming/{d.document.id}/assignments/{d.lead.id}"
    client.post(f"{base}/opinion", {"body": "Trước", "row_version": stale})
    response = client.post(f"{base}/complete", {"result": "Xong", "row_version": stale}, follow_redirects=True)
    assert "Reload the page" in response.get_data(as_text=True) or "Tải lại" in response.get_data(as_text=True)
    db_session.refresh(d.lead)
    assert d.lead.status is AssignmentStatus.IN_PROGRESS


def test_people_not_assigned_are_refused(client, ward, directed, make_user, signed_in):
    d = directed()
    base = f"/incoming/{d.document.id}/assignments/{d.lead.id}"
    client.login(ward.handler)     # in the department, but the head has not named them
    assert client.get(f"/incoming/{d.document.id}").status_code == 403
    assert client.post(f"{base}/opinion", {"body": "x"}).status_code == 403
    client = signed_in(ward.head_tp)      # a co-handler's head, not the lead's
    assert client.post(f"{base}/complete", {"result": "x"}).status_code == 403
    assert client.post(f"/incoming/{d.document.id}/direct", {f"role_d{ward.dc.id}": "lead"}).status_code == 403


def test_the_list_shows_urgent_documents_first(client, ward, register):
    normal = register(_data(number_symbol="1/L")).document
    express = register(_data(number_symbol="2/L", urgency=Urgency.EXPRESS)).document
    client.login(ward.clerk)
    html = client.get("/incoming/").get_data(as_text=True)
    rows = re.findall(r'data-testid="incoming-row" data-urgent="(\w+)" data-document-id="(\d+)"', html)
    ids = [int(i) for _, i in rows]
    assert ids.index(express.id) < ids.index(normal.id)
    assert ("true", str(express.id)) in rows and 'data-testid="register-link"' in html


def test_a_head_sends_an_internal_memo(client, ward, db_session, signed_in):
    client.login(ward.head_tp)
    assert client.get("/incoming/memos/new").status_code == 200
    response = client.post("/incoming/memos/new", {
        "doc_type": "thong_bao", "summary": "Lịch trực Tết", "urgency": "normal", "confidentiality": "normal",
        f"role_d{ward.dc.id}": "lead", "instruction": "Cử người trực",
        "file": (io.BytesIO(pdf_bytes("memo-web")), "lich-truc.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    memo = db_session.get(Document, _id(response.location))
    assert memo.kind is DocumentKind.INTERNAL and memo.status is DocumentStatus.IN_PROGRESS
    page = client.get(response.location).get_data(as_text=True)
    assert "Địa chính" in page
    listed = client.get("/incoming/?kind=internal&scope=all").get_data(as_text=True)
    assert f'data-document-id="{memo.id}"' in listed
    client = signed_in(ward.handler)
    assert client.get("/incoming/memos/new").status_code == 403


def test_an_outgoing_document_has_no_incoming_page(client, ward, make_document):
    outgoing = make_document(ward.official_vp, kind=DocumentKind.OUTGOING)
    client.login(ward.official_vp)
    assert client.get(f"/incoming/{outgoing.id}").status_code == 404


def test_r43_a_co_handler_contributes_with_a_file_and_the_head_returns_the_proposal_from_the_page(
        client, ward, directed, db_session, signed_in):
    d = directed()
    client.login(ward.head_tp)    # the co-handling department's head
    page = client.get(f"/incoming/{d.document.id}").get_data(as_text=True)
    assert 'data-testid="contribute-form"' in page
    base = f"/incoming/{d.document.id}/assignments/{d.co.id}"
    done = client.post(f"{base}/contribute", {"body": "Ý kiến của Tư pháp", "done": "1",
                                              "row_version": str(d.co.row_version),
                                              "file": (io.BytesIO(pdf_bytes("tu-phap")), "y-kien.pdf")},
                       content_type="multipart/form-data", follow_redirects=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and 'data-testid="contributions"' in html
    assert "Ý kiến của Tư pháp" in html and "y-kien.pdf" in html
    [contribution] = incoming.contributions_of(db_session, d.document.id)
    url = f"/incoming/{d.document.id}/contributions/{contribution.id}/file"
    got = client.get(url)
    assert got.status_code == 200 and got.data == pdf_bytes("tu-phap")
    assert got.headers["Content-Security-Policy"] == "sandbox"
    wrong = client.get(f"/incoming/{d.document.id + 999}/contributions/{contribution.id}/file")
    assert wrong.status_code == 404
    db_session.refresh(d.co)
    assert d.co.status is AssignmentStatus.COMPLETED
    client = signed_in(ward.head_dc)   # the lead department's head proposes; the directing leader decides
    client.post(f"/incoming/{d.document.id}/assignments/{d.lead.id}/complete",
                {"result": "Đã xử lý", "row_version": str(d.lead.row_version)})
    proposal = incoming.pending_proposal(db_session, d.document.id)
    assert proposal is not None
    client = signed_in(ward.leader)
    assert client.post(f"/incoming/{d.document.id}/completion/{proposal.id}/return", {"reason": ""},
                       follow_redirects=True).status_code == 200   # a message: the reason is required
    db_session.refresh(proposal)
    assert proposal.status.value == "proposed"
    returned = client.post(f"/incoming/{d.document.id}/completion/{proposal.id}/return",
                           {"reason": "Bổ sung ý kiến"}, follow_redirects=True)
    assert returned.status_code == 200 and "Bổ sung ý kiến" in returned.get_data(as_text=True)
    db_session.refresh(proposal)
    assert proposal.status.value == "returned"
    # a form without its CSRF token is refused
    assert client.post(f"/incoming/{d.document.id}/completion/{proposal.id}/accept", csrf=False).status_code == 400

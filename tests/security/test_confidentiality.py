"""Issue 10, section 5: confidentiality and access, each attack performed through the web as the attacker
would, and the legitimate path beside it.

- an official lowers the confidentiality of their own secret document to open it to colleagues;
- a handler forwards a confidential assignment to an official of another department, who opens it at once;
- anyone signed in reads a top-secret document's verification report by its SHA-256 (the audit log shows it).
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from sqlalchemy import select

from docflow.models import Assignment, AssignmentStatus, AuditEvent, Confidentiality, Document, Role
from docflow.services import incoming
from tests.conftest import WebClient, pdf_bytes
from tests.services.incoming.test_incoming import NOW, directed, register, settings, ward  # noqa: F401 - fixtures


@pytest.fixture
def signed_in(app: Any, db_session: Any) -> Any:
    """A browser of its own for each user, signed in."""
    def make(user: Any) -> WebClient:
        client = WebClient(app.test_client())
        client.login(user)
        return client
    return make


def _upload(client: WebClient, *, confidentiality: str, content: bytes | None = None) -> int:
    response = client.post("/documents/new", {
        "kind": "internal", "doc_type": "cong_van", "summary": "Hồ sơ nhân sự", "issuing_body": "UBND quận",
        "urgency": "normal", "confidentiality": confidentiality,
        "file": (io.BytesIO(content or pdf_bytes()), "ho-so.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rstrip("/").split("/")[-1])


def _edit_confidentiality(client: WebClient, document_id: int, level: str) -> Any:
    form = client.get(f"/documents/{document_id}/edit").get_data(as_text=True)
    row_version = re.search(r'name="row_version" value="(\d+)"', form).group(1)
    department_id = re.search(r'<option value="(\d+)"[^>]*selected', form).group(1)
    return client.post(f"/documents/{document_id}/edit", {
        "doc_type": "cong_van", "summary": "Hồ sơ nhân sự", "issuing_body": "UBND quận", "urgency": "normal",
        "confidentiality": level, "department_id": department_id, "row_version": row_version})


def _last_seq(db_session: Any, action: str) -> int:
    return db_session.execute(select(AuditEvent.seq).where(AuditEvent.action == action)
                              .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()


# -- lowering the confidentiality ---------------------------------------------------------------------------


def test_an_official_cannot_lower_their_own_secret_document_to_open_it_to_colleagues(signed_in, make_user,
                                                                                     make_department, db_session):
    department = make_department("Địa chính", "ĐC")
    owner, colleague = make_user(Role.OFFICIAL, department=department), make_user(Role.OFFICIAL, department=department)
    attacker = signed_in(owner)
    document_id = _upload(attacker, confidentiality="secret")

    response = _edit_confidentiality(attacker, document_id, "normal")

    assert response.status_code == 403
    assert "Chỉ lãnh đạo được hạ độ mật" in response.get_data(as_text=True)   # the clear message, in Vietnamese
    assert db_session.get(Document, document_id).confidentiality is Confidentiality.SECRET
    reader = signed_in(colleague)
    assert reader.get(f"/documents/{document_id}").status_code == 403
    assert reader.get(f"/documents/{document_id}/file").status_code == 403


def test_a_leaders_lowering_waits_until_another_leader_confirms_it(signed_in, make_user, make_department,
                                                                   db_session):
    department = make_department("Địa chính", "ĐC")
    owner, colleague = make_user(Role.OFFICIAL, department=department), make_user(Role.OFFICIAL, department=department)
    chairman, vice = make_user(Role.LEADER), make_user(Role.LEADER)
    document_id = _upload(signed_in(owner), confidentiality="secret")
    proposer = signed_in(chairman)

    assert _edit_confidentiality(proposer, document_id, "normal").status_code == 302
    reader = signed_in(colleague)
    assert reader.get(f"/documents/{document_id}").status_code == 403      # not before the confirmation
    seq = _last_seq(db_session, "document.confidentiality_lowering_proposed")
    assert proposer.post(f"/audit/access-changes/{seq}/confirm").status_code == 403   # not by the proposer
    assert reader.get(f"/documents/{document_id}").status_code == 403

    assert signed_in(vice).post(f"/audit/access-changes/{seq}/confirm").status_code == 302

    assert db_session.get(Document, document_id).confidentiality is Confidentiality.NORMAL
    assert reader.get(f"/documents/{document_id}").status_code == 200


def test_raising_the_confidentiality_stays_free_for_an_editor(signed_in, make_user, make_department, db_session):
    department = make_department("Địa chính", "ĐC")
    owner, colleague = make_user(Role.OFFICIAL, department=department), make_user(Role.OFFICIAL, department=department)
    client = signed_in(owner)
    document_id = _upload(client, confidentiality="normal")
    assert _edit_confidentiality(client, document_id, "secret").status_code == 302
    assert db_session.get(Document, document_id).confidentiality is Confidentiality.SECRET
    assert client.get(f"/documents/{document_id}").status_code == 200
    assert signed_in(colleague).get(f"/documents/{document_id}").status_code == 403


# -- forwarding a confidential assignment across departments -------------------------------------------------


def _confidential_with_handler(db_session: Any, ward: Any, directed: Any, settings: Any) -> tuple[Any, Assignment]:
    d = directed(confidentiality=Confidentiality.CONFIDENTIAL)
    child = incoming.assign_handler(db_session, actor=ward.head_dc, assignment_id=d.lead.id,
                                    handler_id=ward.handler.id, settings=settings, now=NOW)
    return d.document, child


def _forward(client: WebClient, document_id: int, assignment_id: int, to_user_id: int) -> Any:
    return client.post(f"/incoming/{document_id}/assignments/{assignment_id}/forward",
                       {"note": "Chuyển Tư pháp xem xét", "to_user_id": to_user_id})


def test_a_confidential_forward_to_another_department_gives_no_access_before_a_leader_confirms(
        signed_in, db_session, ward, directed, settings):
    document, child = _confidential_with_handler(db_session, ward, directed, settings)

    assert _forward(signed_in(ward.handler), document.id, child.id, ward.official_tp.id).status_code == 302

    receiver = signed_in(ward.official_tp)
    assert receiver.get(f"/incoming/{document.id}").status_code == 403
    assert receiver.get(f"/documents/{document.id}/file").status_code == 403
    assert f"/incoming/{document.id}" not in receiver.get("/queues/handle").get_data(as_text=True)
    [pending] = db_session.execute(select(Assignment).where(Assignment.assignee_id == ward.official_tp.id)).scalars()
    assert pending.status is AssignmentStatus.PENDING


def test_a_leader_confirms_the_cross_department_forward_and_the_receiver_then_handles_it(
        signed_in, db_session, ward, directed, settings):
    document, child = _confidential_with_handler(db_session, ward, directed, settings)
    _forward(signed_in(ward.handler), document.id, child.id, ward.official_tp.id)
    seq = _last_seq(db_session, "assignment.forward_proposed")
    leader = signed_in(ward.vice)
    assert "Đang chờ lãnh đạo xác nhận" in leader.get(f"/incoming/{document.id}").get_data(as_text=True)
    listed = leader.get("/audit/access-changes").get_data(as_text=True)
    assert f'data-seq="{seq}"' in listed and 'data-testid="decline"' in listed

    assert leader.post(f"/audit/access-changes/{seq}/confirm").status_code == 302

    receiver = signed_in(ward.official_tp)
    assert receiver.get(f"/incoming/{document.id}").status_code == 200
    assert receiver.get(f"/documents/{document.id}/file").status_code == 200
    assert f"/incoming/{document.id}" in receiver.get("/queues/handle").get_data(as_text=True)


def test_a_leader_declines_the_cross_department_forward_and_it_goes_back_to_the_handler(
        signed_in, db_session, ward, directed, settings):
    document, child = _confidential_with_handler(db_session, ward, directed, settings)
    handler = signed_in(ward.handler)
    _forward(handler, document.id, child.id, ward.official_tp.id)
    seq = _last_seq(db_session, "assignment.forward_proposed")
    # neither the sender nor the receiver settles it: only another leader
    assert handler.post(f"/audit/access-changes/{seq}/decline").status_code == 403
    assert signed_in(ward.official_tp).post(f"/audit/access-changes/{seq}/confirm").status_code == 403

    assert signed_in(ward.vice).post(f"/audit/access-changes/{seq}/decline").status_code == 302

    assert signed_in(ward.official_tp).get(f"/incoming/{document.id}").status_code == 403
    db_session.refresh(child)
    assert child.status is AssignmentStatus.IN_PROGRESS
    assert f"/incoming/{document.id}" in handler.get("/queues/handle").get_data(as_text=True)


def test_a_confidential_forward_inside_the_department_keeps_taking_effect_at_once(signed_in, db_session, ward,
                                                                                   directed, settings):
    document, child = _confidential_with_handler(db_session, ward, directed, settings)
    assert _forward(signed_in(ward.handler), document.id, child.id, ward.handler2.id).status_code == 302
    assert signed_in(ward.handler2).get(f"/incoming/{document.id}").status_code == 200


# -- verification reports by digest --------------------------------------------------------------------------


def test_a_verification_report_of_a_top_secret_document_is_not_served_to_whoever_knows_its_hash(
            signed_in, make_user, db_session):
    owner, outsider = signed_in(make_user(Role.OFFICIAL)), make_user(Role.OFFICIAL)
    document_id = _upload(owner, confidentiality="top_secret")
    assert owner.post(f"/documents/{document_id}/verify").status_code == 302      # the report is kept
    sha256 = db_session.get(Document, document_id).current_version.sha256

    attacker = signed_in(outsider)
    response = attacker.get(f"/verify/{sha256}")
    json_response = attacker.get(f"/verify/{sha256}?format=json")

    assert response.status_code == 404 and json_response.status_code == 404
    assert attacker.get("/verify/" + "0" * 64).status_code == 404                 # the same answer as no file
    assert owner.get(f"/verify/{sha256}").status_code == 200                      # a reader of the document


def test_whoever_verified_a_file_on_the_verify_page_reads_its_report_again(signed_in, make_user):
    content = pdf_bytes("verify-own")
    uploader, other = signed_in(make_user(Role.OFFICIAL)), signed_in(make_user(Role.OFFICIAL))
    response = uploader.post("/verify", {"file": (io.BytesIO(content), "x.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert uploader.get(response.location).status_code == 200
    assert other.get(response.location).status_code == 404

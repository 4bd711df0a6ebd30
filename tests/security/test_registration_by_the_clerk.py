"""Registration is the clerk's (Decree 30, Art. 22.1; rule R2): an incoming document made by anyone else, by
any door, is refused, and nothing without a số đến reaches the chairman's direction queue."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from docflow.errors import InvalidTransitionError, PermissionDeniedError
from docflow.models import Document, DocumentKind, DocumentStatus, DocumentVersion, Role
from docflow.services import documents as doc_service
from docflow.services import incoming, queues
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.services.incoming import Direction, Target
from docflow.services.queues import Day, QueueName
from docflow.models.routing import AssignmentRole
from tests.conftest import pdf_bytes


def _incoming_input(department_id: int | None = None) -> DocumentInput:
    return DocumentInput(kind=DocumentKind.INCOMING, doc_type="cong_van", summary="Về việc thu hồi đất",
                         department_id=department_id, number_symbol="12/UBND-ĐC", issuing_body="UBND quận",
                         document_date=date(2026, 3, 2))


def _count(db_session: Any) -> int:
    return db_session.execute(select(func.count()).select_from(Document)).scalar_one()


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.HEAD, Role.LEADER, Role.CLERK])
def test_r2_an_incoming_upload_is_refused_for_every_role_outside_registration(db_session, make_user, store, role):
    actor = make_user(role)
    before = _count(db_session)
    with pytest.raises(PermissionDeniedError) as refused:
        doc_service.upload_document(db_session, actor=actor, data=_incoming_input(), store=store,
                                    upload=UploadedFile(io.BytesIO(pdf_bytes()), "den.pdf"),
                                    max_bytes=10 * 1024 * 1024)
    assert "văn thư" in refused.value.message
    assert _count(db_session) == before


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.HEAD, Role.LEADER])
def test_r2_only_the_clerk_registers_an_incoming_document(app, db_session, make_user, store, role):
    with pytest.raises(PermissionDeniedError):
        incoming.register_incoming(db_session, actor=make_user(role), data=_incoming_input(), store=store,
                                   settings=app.extensions["docflow.settings"],
                                   upload=UploadedFile(io.BytesIO(pdf_bytes()), "den.pdf"))


def test_r2_an_officials_incoming_upload_through_the_web_form_makes_nothing(client, make_user, db_session):
    official = make_user(Role.OFFICIAL)
    client.login(official)
    before = _count(db_session)
    response = client.post("/documents/new", {
        "kind": "incoming", "doc_type": "cong_van", "summary": "Văn bản đến tự tải lên", "issuing_body": "UBND quận",
        "file": (io.BytesIO(pdf_bytes("official-incoming")), "den.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 403
    assert _count(db_session) == before
    assert 'value="incoming"' not in client.get("/documents/new").get_data(as_text=True)


def _unregistered_incoming(db_session: Any, owner: Any) -> Document:
    """An incoming row with no số đến, as an earlier docflow let an official make."""
    document = Document(organisation_id=owner.organisation_id, department_id=owner.department_id,
                        kind=DocumentKind.INCOMING, doc_type="cong_van", summary="Văn bản không vào sổ",
                        issuing_body="UBND quận", status=DocumentStatus.REGISTERED, created_by_id=owner.id)
    db_session.add(document)
    db_session.flush()
    db_session.add(DocumentVersion(document_id=document.id, number=1, sha256="0" * 64, size=1, page_count=1,
                                   created_by_id=owner.id))
    db_session.flush()
    return document


def test_r2_an_incoming_document_without_a_so_den_never_reaches_the_direction_queue(
        app, db_session, make_user, make_department):
    leader, official = make_user(Role.LEADER), make_user(Role.OFFICIAL)
    unregistered = _unregistered_incoming(db_session, official)
    page = queues.list_queue(db_session, actor=leader, name=QueueName.DIRECT, day=Day(date(2026, 3, 10)))
    assert unregistered.id not in [item.document.id for item in page.items]
    assert queues.count_queue(db_session, actor=leader, name=QueueName.DIRECT, day=Day(date(2026, 3, 10))) == 0
    with pytest.raises(InvalidTransitionError) as refused:
        incoming.direct_document(db_session, actor=leader, document_id=unregistered.id,
                                 settings=app.extensions["docflow.settings"],
                                 direction=Direction(targets=(Target(AssignmentRole.LEAD,
                                                                     department_id=make_department().id),)))
    assert "số đến" in refused.value.message
    assert db_session.get(Document, unregistered.id).status is DocumentStatus.REGISTERED

"""Issue 10, section 3: an issued document always carries its number and date.

When the route began with a review initial (ký nháy), the number and date fields were never added, and
03/UBND-VP was issued and sealed with "Số:      /UBND-VP" and no date. These tests walk that route through
the web client, try drafts that cannot take the fields, a document routed before the fields existed, and a
register date changed in the database, and check the demo ward's document with a ký nháy.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from docflow.models import Document, DocumentStatus, Register, RegisterKind, Role, Signature, User
from docflow.models.routing import RoutingStep, StepKind, StepStatus
from docflow.services import keys, outgoing
from docflow.services.signatures import chain as chaincheck
from docflow.signing.base import DATE_FIELD, NUMBER_FIELD, CertificateKind, PadesLevel, SignatureKind
from docflow.signing.sign import SignRequest, SigningContext, ensure_fields, fill_fields, sign_pdf
from tests.conftest import SIGNING_PIN as PIN
from tests.conftest import pdf_bytes
from tests.services.signatures.test_chaincheck import _issued
from tests.services.outgoing.test_outgoing import Ward, ward  # noqa: F401 - the ward fixture


def _draft(client: Any, w: Ward, content: bytes) -> int:
    client.login(w.drafter)
    response = client.post("/outgoing/new", {
        "doc_type": "cong_van", "summary": "Về việc tổ chức tiêm chủng", "signer_id": str(w.leader.id),
        "urgency": "normal", "recipient_department_ids": [str(w.culture.id)], "external_recipients": "",
        "file": (io.BytesIO(content), "du-thao.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def _active(db_session: Session, document_id: int) -> RoutingStep | None:
    return db_session.execute(select(RoutingStep).where(RoutingStep.document_id == document_id,
                                                        RoutingStep.status == StepStatus.ACTIVE)
                              .execution_options(populate_existing=True)).scalar_one_or_none()


def _page(client: Any, response: Any) -> str:
    assert response.status_code == 302
    return client.get(response.location).get_data(as_text=True)


def _walk_with_initials(client: Any, db_session: Session, document_id: int) -> str:
    """Each reviewer approves with a ký nháy, the signer signs, the clerk issues; the clerk's page after."""
    client.post(f"/outgoing/{document_id}/route")
    while (step := _active(db_session, document_id)) is not None and step.kind is not StepKind.ISSUE:
        client.login(db_session.get(User, step.assignee_id))
        if step.kind is StepKind.REVIEW:
            client.post(f"/outgoing/{document_id}/steps/{step.id}/approve", {"initial": "1", "pin": PIN})
        else:
            client.post(f"/outgoing/{document_id}/steps/{step.id}/sign", {"pin": PIN})
    clerk = db_session.execute(select(User).where(User.role == Role.CLERK)).scalars().first()
    client.login(clerk)
    return _page(client, client.post(f"/outgoing/{document_id}/issue", {"pin": PIN}))


def _printed(store: Any, document: Document) -> dict[str, str]:
    fields = PdfReader(io.BytesIO(store.read(document.current_version.sha256))).get_fields() or {}
    return {name: str(fields[name].get("/V") or "") for name in (NUMBER_FIELD, DATE_FIELD) if name in fields}


def _expected_date(document: Document) -> str:
    day = document.document_date
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def _issued_numbers(db_session: Session) -> int:
    return db_session.execute(select(func.coalesce(func.sum(Register.last_number), 0))
                              .where(Register.kind == RegisterKind.OUTGOING)).scalar_one()


def test_a_document_whose_route_began_with_a_review_initial_is_issued_with_its_number_and_date(
        client, db_session, signing_settings, store, ward, make_user):
    document_id = _draft(client, ward, pdf_bytes("a draft made without the template"))

    _walk_with_initials(client, db_session, document_id)

    db_session.expire_all()
    document = db_session.get(Document, document_id)
    kinds = db_session.execute(select(Signature.kind).where(Signature.document_id == document_id)
                               .order_by(Signature.id)).scalars().all()
    assert document.status is DocumentStatus.ISSUED
    assert kinds[0] is SignatureKind.INITIAL and kinds[-1] is SignatureKind.ORGANISATION
    printed = _printed(store, document)
    assert printed.get(NUMBER_FIELD) == f"Số: {document.number_symbol}"
    assert printed.get(DATE_FIELD, "").endswith(_expected_date(document))
    result = chaincheck.check_document(db_session, settings=signing_settings, store=store,
                                       actor=make_user(Role.AUDITOR), document_id=document_id)
    assert result.ok, [s.to_json() for s in result.steps if not s.ok]


def _signed_elsewhere(db_session: Session, settings: Any, signer: User) -> bytes:
    certificate = keys.certificate_for(db_session, actor=signer, kind=CertificateKind.PERSONAL)
    with keys.open_signing_key(db_session, settings, actor=signer, certificate=certificate,
                               pin=PIN) as key:
        return sign_pdf(pdf_bytes("signed before the route"), key,
                        SignRequest(kind=SignatureKind.INITIAL, level=PadesLevel.B_B), SigningContext())


def _hidden_number_field(content: bytes) -> bytes:
    """The number field kept but hidden (annotation flag 2): the clerk's number would go where no one sees
    it, while the page shows the number the drafter typed as plain text."""
    writer = IncrementalPdfFileWriter(io.BytesIO(content))
    for ref in writer.root["/AcroForm"]["/Fields"]:
        if ref.get_object().get("/T") == NUMBER_FIELD:
            ref.get_object()["/F"] = generic.NumberObject(2)
            writer.mark_update(ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("draft", ["already signed", "fields already filled", "number field hidden"])
def test_a_draft_that_cannot_take_the_number_and_date_is_refused_when_the_route_starts(
        client, db_session, signing_settings, store, ward, draft):
    if draft == "already signed":
        content, reason = _signed_elsewhere(db_session, signing_settings, ward.land_head), "đã có chữ ký"
    elif draft == "number field hidden":
        content = _hidden_number_field(ensure_fields(pdf_bytes("hidden")))
        reason = "không hiển thị trên trang đầu"
    else:
        content = fill_fields(ensure_fields(pdf_bytes("prefilled")), {NUMBER_FIELD: "Số: 99/UBND-VP"})
        reason = "đã có nội dung (Số: 99/UBND-VP)"
    document_id = _draft(client, ward, content)

    page = _page(client, client.post(f"/outgoing/{document_id}/route"))

    assert reason in page
    db_session.expire_all()
    assert db_session.get(Document, document_id).status is DocumentStatus.DRAFT
    assert _active(db_session, document_id) is None


def test_a_document_routed_without_the_fields_is_refused_at_issue_and_keeps_the_number_free(
        client, db_session, signing_settings, store, ward, monkeypatch):
    # as for a document sent on its route before the fields were added at the route's start
    monkeypatch.setattr(outgoing.route, "ensure_number_fields", lambda *args, **kwargs: None)
    document_id = _draft(client, ward, pdf_bytes("routed before the fix"))
    numbers = _issued_numbers(db_session)

    page = _walk_with_initials(client, db_session, document_id)

    assert "không có ô số, ký hiệu và ngày ban hành" in page
    db_session.expire_all()
    assert db_session.get(Document, document_id).status is DocumentStatus.SIGNED
    assert _issued_numbers(db_session) == numbers


def test_an_issue_date_changed_in_the_register_is_named_by_the_chain_check(
        client, db_session, signing_settings, store, ward, make_user):
    document = _issued(db_session, signing_settings, store, ward)
    printed = _printed(store, document)[DATE_FIELD]
    db_session.execute(update(Document).where(Document.id == document.id)
                       .values(document_date=document.document_date - timedelta(days=3)))
    db_session.expire_all()
    client.login(make_user(Role.AUDITOR))

    html = client.get(f"/audit/documents/{document.id}/chain").get_data(as_text=True)

    assert f'Tệp PDF ghi "{printed}", không phải ngày ban hành của sổ đăng ký' in html


def test_the_demo_wards_document_with_a_review_initial_is_issued_with_its_number_and_date(
        db_session, signing_settings, store):
    from docflow.services.demo import seed_demo, seed_demo_keys
    from docflow.services.demo import seed_demo_documents
    seed_demo(db_session, organisation_name="UBND phường Tích Sơn")
    seed_demo_keys(db_session, settings=signing_settings, store=store)
    seed_demo_documents(db_session, settings=signing_settings, store=store)
    initialled = db_session.execute(select(Document).join(Signature, Signature.document_id == Document.id)
                                    .where(Signature.kind == SignatureKind.INITIAL)).scalars().unique().all()
    issued = [d for d in initialled if d.status is DocumentStatus.ISSUED]
    assert len(issued) == 1
    document = issued[0]
    auditor = db_session.execute(select(User).where(User.role == Role.AUDITOR)).scalars().first()

    printed = _printed(store, document)
    result = chaincheck.check_document(db_session, settings=signing_settings, store=store, actor=auditor,
                                       document_id=document.id)

    assert printed.get(NUMBER_FIELD) == f"Số: {document.number_symbol}"
    assert printed.get(DATE_FIELD, "").endswith(_expected_date(document))
    assert result.ok, [s.to_json() for s in result.steps if not s.ok]


def test_a_field_hidden_shrunk_to_nothing_or_not_viewable_is_not_what_the_page_prints():
    from docflow.signing.sign import read_text_fields

    def unseen(data: bytes) -> list[str]:
        return [name for name, field in read_text_fields(data).items() if not field.visible]

    drafted = ensure_fields(pdf_bytes("fields", pages=2))
    assert unseen(drafted) == []
    assert unseen(_hidden_number_field(drafted)) == [NUMBER_FIELD]
    for change in ({"/Rect": generic.ArrayObject([generic.FloatObject(0)] * 4)},
                   {"/F": generic.NumberObject(32)}):
        writer = IncrementalPdfFileWriter(io.BytesIO(drafted))
        for ref in writer.root["/AcroForm"]["/Fields"]:
            if ref.get_object().get("/T") == DATE_FIELD:
                ref.get_object().update({generic.NameObject(k): v for k, v in change.items()})
                writer.mark_update(ref)
        out = io.BytesIO()
        writer.write(out)
        assert unseen(out.getvalue()) == [DATE_FIELD]

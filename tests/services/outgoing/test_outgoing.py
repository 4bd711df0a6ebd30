"""Outgoing documents on a real database, the ward's development CA and the delegation register: every
transition of the draft → review → signature → issue → distribution route, and every refusal."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.errors import (
    ConflictError,
    InvalidTransitionError,
    PermissionDeniedError,
    ValidationError,
    WrongPinError,
)
from docflow.models import (
    AuditEvent,
    Department,
    Document,
    DocumentKind,
    DocumentStatus,
    Register,
    RegisterKind,
    Role,
    Signature,
    User,
    utc_now,
)
from docflow.models.routing import Notification, SigningMode, StepKind, StepStatus
from docflow.services.people import delegations
from docflow.services import outgoing as issuing
from docflow.services import documents as doc_service
from docflow.services import outgoing
from docflow.services import signatures as signing_service
from docflow.services.documents import UploadedFile
from docflow.services.formatcheck.settings import restore_defaults
from docflow.signing.base import CertificateKind, SignatureKind
from tests.conftest import SIGNING_PIN as PIN
from tests.conftest import pdf_bytes


@dataclass
class Ward:
    office: Department
    land: Department
    culture: Department
    drafter: User
    land_head: User
    office_head: User
    leader: User
    chairman: User
    clerk: User


@pytest.fixture
def ward(make_department: Any, make_user: Any, issue_cert: Any) -> Ward:
    office, land, culture = make_department("Văn phòng", "VP"), make_department("Địa chính", "ĐC"), \
        make_department("Văn hóa", "VHXH")
    w = Ward(office=office, land=land, culture=culture,
             drafter=make_user(Role.OFFICIAL, department=land, full_name="Phan Thị Ngọc"),
             land_head=make_user(Role.HEAD, department=land, full_name="Hoàng Văn Nam"),
             office_head=make_user(Role.HEAD, department=office, full_name="Đỗ Thị Lan"),
             leader=make_user(Role.LEADER, full_name="Lê Thị Thu Hà"),
             chairman=make_user(Role.LEADER, full_name="Trần Văn Minh"),
             clerk=make_user(Role.CLERK, department=office))
    w.leader.post, w.chairman.post, w.office_head.post = "Phó Chủ tịch", "Chủ tịch", "Chánh Văn phòng"
    for user in (w.land_head, w.office_head, w.leader, w.chairman):
        issue_cert(user)
    issue_cert(None, CertificateKind.ORGANISATION)
    return w


def _draft(db_session: Session, store: Any, w: Ward, *, signer: User | None = None, doc_type: str = "quyet_dinh",
           content: bytes | None = None, settings: Any = None, **extra: Any) -> Document:
    data = outgoing.DraftInput(doc_type=doc_type, summary="Về việc thành lập tổ công tác", signer_id=(signer or w.leader).id,
                               recipient_department_ids=extra.pop("recipients", [w.culture.id]),
                               external_recipients=extra.pop("external", ["Sở Tư pháp tỉnh Bắc Ninh"]), **extra)
    return outgoing.create_draft(db_session, actor=w.drafter, data=data, store=store, max_bytes=10 ** 7,
                                 settings=settings, upload=UploadedFile(io.BytesIO(content or pdf_bytes()), "du-thao.pdf"))


def _active(db_session: Session, document: Document) -> Any:
    step = outgoing.active_step(db_session, document.id)
    assert step is not None
    return step


def _approve(db_session: Session, document: Document, user: User, **kw: Any) -> Any:
    return outgoing.approve_step(db_session, actor=user, document_id=document.id,
                                 step_id=_active(db_session, document).id, **kw)


def _sign(db_session: Session, settings: Any, store: Any, document: Document, user: User, pin: str = PIN,
          **kw: Any) -> Any:
    return outgoing.sign_step(db_session, actor=user, settings=settings, store=store, document_id=document.id,
                              step_id=_active(db_session, document).id, pin=pin, expected_version=None, **kw)


def _issue(db_session: Session, settings: Any, store: Any, document: Document, user: User, pin: str = PIN) -> Document:
    return issuing.issue_document(db_session, actor=user, settings=settings, store=store, document_id=document.id,
                                  pin=pin)


def _signed(db_session: Session, settings: Any, store: Any, w: Ward, **kw: Any) -> Document:
    document = _draft(db_session, store, w, **kw)
    outgoing.start_route(db_session, actor=w.drafter, document_id=document.id, store=store)
    _approve(db_session, document, w.land_head)
    _approve(db_session, document, w.office_head)
    _sign(db_session, settings, store, document, w.leader)
    return document


def _actions(db_session: Session, object_id: int) -> list[str]:
    return list(db_session.execute(select(AuditEvent.action).where(AuditEvent.object_id == str(object_id))
                                   .order_by(AuditEvent.seq)).scalars())


def _register(db_session: Session, w: Ward, kind: RegisterKind = RegisterKind.OUTGOING) -> Register | None:
    return db_session.execute(select(Register).where(Register.organisation_id == w.drafter.organisation_id,
                                                     Register.kind == kind)
                              .execution_options(populate_existing=True)).scalar_one_or_none()


# --- draft ---------------------------------------------------------------------------------------------

def test_a_draft_keeps_its_signer_and_recipients_and_is_audited(db_session, store, ward):
    document = _draft(db_session, store, ward)
    assert (document.kind, document.status, document.signer_id) == (DocumentKind.OUTGOING, DocumentStatus.DRAFT,
                                                                     ward.leader.id)
    assert document.department_id == ward.land.id
    recipients = outgoing.recipients_of(db_session, document.id)
    assert [(r.department_id, r.external_name) for r in recipients] == [(ward.culture.id, ""),
                                                                       (None, "Sở Tư pháp tỉnh Bắc Ninh")]
    assert "draft.created" in _actions(db_session, document.id)


def test_a_draft_needs_a_signer_entitled_by_the_delegation_register(db_session, store, ward, make_user):
    with pytest.raises(ValidationError, match="Choose who signs"):
        _draft(db_session, store, ward, signer=ward.drafter)
    with pytest.raises(ValidationError, match="not entitled to sign"):
        _draft(db_session, store, ward, signer=ward.office_head)
    delegations.create_delegation(db_session, actor=ward.chairman, delegate_id=ward.office_head.id,
                                  delegator_id=ward.chairman.id, mode=SigningMode.TL, doc_types=["cong_van"],
                                  valid_from=date(2020, 1, 1), valid_to=None)
    with pytest.raises(ValidationError, match="not entitled to sign"):
        _draft(db_session, store, ward, signer=ward.office_head, doc_type="quyet_dinh")
    assert _draft(db_session, store, ward, signer=ward.office_head, doc_type="cong_van").signer_id == ward.office_head.id


def test_an_auditor_cannot_draft(db_session, store, ward, make_user):
    ward.drafter = make_user(Role.AUDITOR)
    with pytest.raises(PermissionDeniedError):
        _draft(db_session, store, ward)


def test_comments_form_the_documents_thread(db_session, store, ward, make_user):
    document = _draft(db_session, store, ward)
    outgoing.add_comment(db_session, actor=ward.land_head, document_id=document.id, body="Sửa lại căn cứ pháp lý.")
    outgoing.add_comment(db_session, actor=ward.drafter, document_id=document.id, body="Đã sửa.")
    assert [(c.author_id, c.kind, c.body) for c in outgoing.comments_of(db_session, document.id)] == [
        (ward.land_head.id, "comment", "Sửa lại căn cứ pháp lý."), (ward.drafter.id, "comment", "Đã sửa.")]
    with pytest.raises(ValidationError):
        outgoing.add_comment(db_session, actor=ward.drafter, document_id=document.id, body="   ")
    with pytest.raises(PermissionDeniedError):
        outgoing.add_comment(db_session, actor=make_user(Role.OFFICIAL, department=ward.culture),
                             document_id=document.id, body="Tôi không được xem văn bản này.")


# --- route -----------------------------------------------------------------------------------------------

def test_the_route_runs_content_review_then_form_review_then_the_signer_then_the_clerk(
        db_session, store, ward, signing_settings):
    document = _draft(db_session, store, ward)
    steps = outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    assert [(s.kind, s.assignee_id, s.status) for s in steps] == [
        (StepKind.REVIEW, ward.land_head.id, StepStatus.ACTIVE), (StepKind.REVIEW, ward.office_head.id, StepStatus.WAITING),
        (StepKind.SIGN, ward.leader.id, StepStatus.WAITING), (StepKind.ISSUE, None, StepStatus.WAITING)]
    assert document.status is DocumentStatus.IN_REVIEW
    with pytest.raises(InvalidTransitionError, match="already on its way"):
        outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    _approve(db_session, document, ward.land_head)
    assert document.status is DocumentStatus.IN_REVIEW
    _approve(db_session, document, ward.office_head)
    assert document.status is DocumentStatus.AWAITING_SIGNATURE
    step = _sign(db_session, signing_settings, store, document, ward.leader)
    assert step.status is StepStatus.DONE and document.status is DocumentStatus.SIGNED
    assert _active(db_session, document).kind is StepKind.ISSUE
    signature = db_session.get(Signature, step.signature_id)
    assert (signature.kind, signature.mode_line) == (SignatureKind.PERSONAL, "KT. CHỦ TỊCH")
    assert _actions(db_session, document.id).count("step.approved") == 3
    notified = set(db_session.execute(select(Notification.user_id).where(Notification.document_id == document.id)).scalars())
    assert {ward.land_head.id, ward.office_head.id, ward.leader.id, ward.clerk.id} <= notified


def test_only_the_assignee_acts_on_the_open_step(db_session, store, ward, signing_settings):
    document = _draft(db_session, store, ward)
    steps = outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    with pytest.raises(PermissionDeniedError):
        _approve(db_session, document, ward.office_head)
    with pytest.raises(InvalidTransitionError, match="not open"):
        outgoing.approve_step(db_session, actor=ward.office_head, document_id=document.id, step_id=steps[1].id)
    with pytest.raises(InvalidTransitionError, match="not the signer"):
        outgoing.sign_step(db_session, actor=ward.land_head, settings=signing_settings, store=store,
                           document_id=document.id, step_id=steps[0].id, pin=PIN, expected_version=None)
    with pytest.raises(ConflictError):
        _approve(db_session, document, ward.land_head, expected_row_version=steps[0].row_version + 5)
    _approve(db_session, document, ward.land_head)
    with pytest.raises(InvalidTransitionError, match="Hoàng Văn Nam has already acted"):
        outgoing.approve_step(db_session, actor=ward.land_head, document_id=document.id, step_id=steps[0].id)


def test_a_reviewer_may_approve_with_a_review_initial(db_session, store, ward, signing_settings):
    document = _draft(db_session, store, ward)
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    step = _approve(db_session, document, ward.land_head, initial_pin=PIN, settings=signing_settings, store=store)
    signature = db_session.get(Signature, step.signature_id)
    assert (signature.kind, signature.signer_id, signature.field_name) == (SignatureKind.INITIAL, ward.land_head.id,
                                                                           "initial_1")
    # version 2 added the number and date fields when the route started; the initial made version 3
    assert step.version_number == 3 == document.current_version.number
    with pytest.raises(WrongPinError):
        _approve(db_session, document, ward.office_head, initial_pin="000000", settings=signing_settings, store=store)


def test_returning_needs_a_reason_and_gives_the_draft_back_for_a_new_round(db_session, store, ward, signing_settings):
    document = _draft(db_session, store, ward)
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    _approve(db_session, document, ward.land_head)
    step = _active(db_session, document)
    with pytest.raises(ValidationError):
        outgoing.return_step(db_session, actor=ward.office_head, document_id=document.id, step_id=step.id, reason=" ")
    outgoing.return_step(db_session, actor=ward.office_head, document_id=document.id, step_id=step.id,
                         reason="Sai thể thức: thiếu nơi nhận.")
    assert document.status is DocumentStatus.DRAFT
    assert [s.status for s in outgoing.steps_of(db_session, document.id)] == [
        StepStatus.APPROVED, StepStatus.RETURNED, StepStatus.SKIPPED, StepStatus.SKIPPED]
    assert outgoing.active_step(db_session, document.id) is None
    outgoing.add_draft_version(db_session, actor=ward.drafter, document_id=document.id, store=store, max_bytes=10 ** 7,
                               upload=UploadedFile(io.BytesIO(pdf_bytes("v2")), "v2.pdf"))
    second = outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    assert {s.round for s in second} == {2} and second[0].status is StepStatus.ACTIVE
    assert "step.returned" in _actions(db_session, document.id)
    assert db_session.execute(select(Notification).where(Notification.user_id == ward.drafter.id)).first()


def test_the_signer_may_return_the_draft_too(db_session, store, ward):
    document = _draft(db_session, store, ward)
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store, reviewer_ids=[])
    assert document.status is DocumentStatus.AWAITING_SIGNATURE
    outgoing.return_step(db_session, actor=ward.leader, document_id=document.id,
                         step_id=_active(db_session, document).id, reason="Chưa đủ căn cứ.")
    assert document.status is DocumentStatus.DRAFT


def test_a_new_version_after_an_approval_starts_the_route_again(db_session, store, ward, signing_settings):
    document = _draft(db_session, store, ward)
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    _approve(db_session, document, ward.land_head)
    _approve(db_session, document, ward.office_head)
    outgoing.add_draft_version(db_session, actor=ward.drafter, document_id=document.id, store=store, max_bytes=10 ** 7,
                               upload=UploadedFile(io.BytesIO(pdf_bytes("changed")), "v2.pdf"), note="Sửa số liệu")
    steps = outgoing.steps_of(db_session, document.id)
    assert [s.status for s in steps if s.round == 1] == [StepStatus.APPROVED, StepStatus.APPROVED,
                                                         StepStatus.SKIPPED, StepStatus.SKIPPED]
    assert [(s.kind, s.status) for s in steps if s.round == 2][0] == (StepKind.REVIEW, StepStatus.ACTIVE)
    assert document.status is DocumentStatus.IN_REVIEW
    with pytest.raises(InvalidTransitionError, match="not the signer"):
        _sign(db_session, signing_settings, store, document, ward.leader)


def test_a_version_added_elsewhere_after_an_approval_cannot_be_signed(db_session, store, ward, signing_settings):
    document = _draft(db_session, store, ward)
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    _approve(db_session, document, ward.land_head)
    _approve(db_session, document, ward.office_head)
    with pytest.raises(InvalidTransitionError, match="on its route"):
        doc_service.add_version(db_session, actor=ward.drafter, document_id=document.id, store=store,
                                max_bytes=10 ** 7, upload=UploadedFile(io.BytesIO(pdf_bytes("sneaky")), "v2.pdf"))
    # a path that reached the version service as the route does, without starting the route again
    doc_service.add_version(db_session, actor=ward.drafter, document_id=document.id, store=store, max_bytes=10 ** 7,
                            upload=UploadedFile(io.BytesIO(pdf_bytes("sneaky")), "v2.pdf"), via_route=True)
    with pytest.raises(InvalidTransitionError, match="changed after it was approved"):
        _sign(db_session, signing_settings, store, document, ward.leader)


def test_only_the_chosen_signer_signs_and_only_while_entitled(db_session, store, ward, signing_settings):
    delegation = delegations.create_delegation(
        db_session, actor=ward.chairman, delegate_id=ward.office_head.id, delegator_id=ward.chairman.id,
        mode=SigningMode.TL, doc_types=None, valid_from=date(2020, 1, 1), valid_to=None)
    document = _draft(db_session, store, ward, signer=ward.office_head, doc_type="cong_van")
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store,
                         reviewer_ids=[ward.land_head.id])
    _approve(db_session, document, ward.land_head)
    with pytest.raises(PermissionDeniedError):
        _sign(db_session, signing_settings, store, document, ward.chairman)
    delegation.valid_to = signing_service.local_today(signing_settings, utc_now()) - timedelta(days=1)
    db_session.flush()
    with pytest.raises(PermissionDeniedError, match="not entitled"):
        _sign(db_session, signing_settings, store, document, ward.office_head)
    delegation.valid_to = None
    db_session.flush()
    step = _sign(db_session, signing_settings, store, document, ward.office_head)
    assert db_session.get(Signature, step.signature_id).mode_line == "TL. CHỦ TỊCH"


def test_a_crash_between_signing_and_commit_leaves_the_document_as_it_was(db_session, store, ward, signing_settings):
    document = _draft(db_session, store, ward)
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store, reviewer_ids=[])
    versions_before = [v.sha256 for v in document.versions]
    signed_sha: list[str] = []
    with pytest.raises(RuntimeError, match="power cut"):
        with db_session.begin_nested():
            step = _sign(db_session, signing_settings, store, document, ward.leader)
            signed_sha.append(document.current_version.sha256)
            assert step.status is StepStatus.DONE
            raise RuntimeError("power cut")
    db_session.expire_all()
    document = db_session.get(Document, document.id)
    assert document.status is DocumentStatus.AWAITING_SIGNATURE
    assert [v.sha256 for v in document.versions] == versions_before
    assert db_session.execute(select(func.count()).select_from(Signature)
                              .where(Signature.document_id == document.id)).scalar_one() == 0
    assert _active(db_session, document).kind is StepKind.SIGN
    assert store.exists(signed_sha[0])  # the orphan blob may stay; no row points at a missing one
    for version in document.versions:
        assert store.exists(version.sha256)


# --- issue -------------------------------------------------------------------------------------------------

def test_issuing_numbers_fills_and_seals_the_document_and_distributes_it(db_session, store, ward, signing_settings):
    document = _signed(db_session, signing_settings, store, ward)
    before = _register(db_session, ward)
    assert before is None or before.last_number == 0
    _issue(db_session, signing_settings, store, document, ward.clerk)
    today = signing_service.local_today(signing_settings, utc_now())
    assert (document.status, document.number_symbol, document.register_number) == (DocumentStatus.ISSUED,
                                                                                   "01/QĐ-UBND", 1)
    assert document.document_date == today and document.issued_at is not None
    assert _register(db_session, ward).last_number == 1
    data = store.read(document.current_version.sha256)
    fields = PdfReader(io.BytesIO(data)).get_fields() or {}
    assert fields["so_ky_hieu"]["/V"] == "Số: 01/QĐ-UBND"
    assert fields["ngay_ban_hanh"]["/V"].endswith(f"ngày {today.day:02d} tháng {today.month:02d} năm {today.year}")
    report = signing_service.verify_bytes(db_session, settings=signing_settings, data=data)
    assert report["valid"] is True
    assert [s["field"] for s in report["signatures"]] == ["personal_1", "organisation"]
    assert _actions(db_session, document.id)[-2:] == ["document.issued", "document.distributed"]
    recipients = outgoing.recipients_of(db_session, document.id)
    assert all(r.sent_at is not None for r in recipients)
    copy = db_session.get(Document, recipients[0].delivered_document_id)
    # A copy for information, not an incoming document: no số đến, no incoming register (issue 12, section 4)
    assert (copy.kind, copy.status, copy.department_id, copy.number_symbol) == (
        DocumentKind.INCOMING, DocumentStatus.FOR_INFORMATION, ward.culture.id, "01/QĐ-UBND")
    assert copy.current_version.sha256 == document.current_version.sha256
    assert copy.register_number is None and _register(db_session, ward, RegisterKind.INCOMING) is None
    assert recipients[1].delivered_document_id is None and recipients[1].external_name


def test_a_cong_van_is_numbered_with_the_drafting_unit(db_session, store, ward, signing_settings):
    document = _signed(db_session, signing_settings, store, ward, doc_type="cong_van")
    _issue(db_session, signing_settings, store, document, ward.clerk)
    assert document.number_symbol == "01/UBND-ĐC"


def test_a_wrong_pin_at_issue_consumes_no_number(db_session, store, ward, signing_settings):
    first = _signed(db_session, signing_settings, store, ward)
    _issue(db_session, signing_settings, store, first, ward.clerk)
    second = _signed(db_session, signing_settings, store, ward)
    with pytest.raises(WrongPinError):
        with db_session.begin_nested():   # the request's transaction
            _issue(db_session, signing_settings, store, second, ward.clerk, pin="000000")
    db_session.expire_all()
    assert _register(db_session, ward).last_number == 1
    second = db_session.get(Document, second.id)
    assert (second.status, second.number_symbol, second.register_number) == (DocumentStatus.SIGNED, None, None)
    _issue(db_session, signing_settings, store, second, ward.clerk)
    assert second.number_symbol == "02/QĐ-UBND"


def test_only_a_clerk_issues_and_only_a_signed_document(db_session, store, ward, signing_settings):
    document = _draft(db_session, store, ward)
    with pytest.raises(InvalidTransitionError, match="Only a document signed"):
        _issue(db_session, signing_settings, store, document, ward.clerk)
    document = _signed(db_session, signing_settings, store, ward)
    with pytest.raises(PermissionDeniedError):
        _issue(db_session, signing_settings, store, document, ward.leader)


def test_the_organisation_signature_needs_an_entitled_personal_signature(db_session, store, ward, signing_settings):
    document = _draft(db_session, store, ward)
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    _approve(db_session, document, ward.land_head, initial_pin=PIN, settings=signing_settings, store=store)
    with pytest.raises(InvalidTransitionError, match="on its route"):
        signing_service.sign_version(db_session, settings=signing_settings, store=store, actor=ward.clerk,
                                     document_id=document.id, kind=SignatureKind.ORGANISATION, pin=PIN,
                                     expected_version=None)
    with pytest.raises(PermissionDeniedError, match="assigned to someone else"):
        signing_service.sign_version(db_session, settings=signing_settings, store=store, actor=ward.clerk,
                                     document_id=document.id, kind=SignatureKind.ORGANISATION, pin=PIN,
                                     expected_version=None, step=_active(db_session, document))
    _approve(db_session, document, ward.office_head)
    _sign(db_session, signing_settings, store, document, ward.leader)
    ward.leader.post = ""  # neither the standing rule nor a delegation entitles the signer any more
    with pytest.raises(InvalidTransitionError, match="personal signature"):
        _issue(db_session, signing_settings, store, document, ward.clerk)
    with pytest.raises(InvalidTransitionError, match="on its route"):
        signing_service.sign_version(db_session, settings=signing_settings, store=store, actor=ward.leader,
                                     document_id=document.id, kind=SignatureKind.PERSONAL, pin=PIN,
                                     expected_version=None)


# --- after issue -------------------------------------------------------------------------------------------

def test_a_replacement_marks_the_original_replaced_when_it_is_issued(db_session, store, ward, signing_settings):
    original = _signed(db_session, signing_settings, store, ward)
    _issue(db_session, signing_settings, store, original, ward.clerk)
    copy_id = outgoing.recipients_of(db_session, original.id)[0].delivered_document_id
    with pytest.raises(ValidationError):
        _draft(db_session, store, ward, related_document_id=original.id, relation="supersedes")
    replacement = _signed(db_session, signing_settings, store, ward, related_document_id=original.id,
                          relation="replaces")
    assert original.status is DocumentStatus.ISSUED
    _issue(db_session, signing_settings, store, replacement, ward.clerk)
    assert original.status is DocumentStatus.REPLACED
    assert db_session.get(Document, copy_id).status is DocumentStatus.REPLACED
    assert "document.replaced" in _actions(db_session, original.id)
    related = outgoing.related_of(db_session, actor=ward.drafter, document=original)
    assert [d.id for d in related.followers] == [replacement.id]
    with pytest.raises(InvalidTransitionError):
        _draft(db_session, store, ward, related_document_id=original.id, relation="corrects")


def test_a_correction_letter_is_linked_and_recorded(db_session, store, ward, signing_settings):
    original = _signed(db_session, signing_settings, store, ward)
    _issue(db_session, signing_settings, store, original, ward.clerk)
    correction = _signed(db_session, signing_settings, store, ward, doc_type="cong_van",
                         related_document_id=original.id, relation="corrects")
    _issue(db_session, signing_settings, store, correction, ward.clerk)
    assert (correction.related_document_id, correction.relation) == (original.id, "corrects")
    assert original.status is DocumentStatus.ISSUED
    assert "document.corrected" in _actions(db_session, original.id)


def test_a_recall_freezes_the_document_and_its_copies_and_tells_the_recipients(
        db_session, store, ward, signing_settings, make_user):
    reader = make_user(Role.OFFICIAL, department=ward.culture)
    document = _signed(db_session, signing_settings, store, ward)
    with pytest.raises(InvalidTransitionError):
        issuing.recall_document(db_session, actor=ward.leader, document_id=document.id, reason="Sai")
    _issue(db_session, signing_settings, store, document, ward.clerk)
    with pytest.raises(PermissionDeniedError):
        issuing.recall_document(db_session, actor=ward.drafter, document_id=document.id, reason="Sai")
    with pytest.raises(ValidationError):
        issuing.recall_document(db_session, actor=ward.leader, document_id=document.id, reason="")
    issuing.recall_document(db_session, actor=ward.leader, document_id=document.id, reason="Ban hành sai thẩm quyền")
    copy = db_session.get(Document, outgoing.recipients_of(db_session, document.id)[0].delivered_document_id)
    assert document.status is copy.status is DocumentStatus.RECALLED
    assert document.recalled_at is not None and copy.recalled_at == document.recalled_at
    told = set(db_session.execute(select(Notification.user_id).where(Notification.message == "Recalled: %(summary)s"))
               .scalars())
    assert {reader.id, ward.drafter.id, ward.leader.id} <= told
    with pytest.raises(InvalidTransitionError):
        issuing.recall_document(db_session, actor=ward.leader, document_id=document.id, reason="Lần nữa")
    with pytest.raises(InvalidTransitionError):
        outgoing.add_draft_version(db_session, actor=ward.drafter, document_id=document.id, store=store,
                                   max_bytes=10 ** 7, upload=UploadedFile(io.BytesIO(pdf_bytes("x")), "x.pdf"))
    assert "document.recalled" in _actions(db_session, document.id)


def test_the_template_carries_the_fields_and_signature_place_through_the_whole_chain(
        db_session, store, ward, signing_settings):
    restore_defaults(db_session, organisation_id=ward.drafter.organisation_id)   # Decree 30's blocking policy
    template = issuing.draft_template_pdf(organisation_name="UBND phường Thử Nghiệm", doc_type="quyet_dinh",
                                          summary="Về việc thành lập tổ công tác")
    fields = PdfReader(io.BytesIO(template)).get_fields() or {}
    assert {"so_ky_hieu", "ngay_ban_hanh", "personal_1"} <= set(fields)
    document = _signed(db_session, signing_settings, store, ward, content=template)
    _issue(db_session, signing_settings, store, document, ward.clerk)
    data = store.read(document.current_version.sha256)
    assert (PdfReader(io.BytesIO(data)).get_fields() or {})["so_ky_hieu"]["/V"] == "Số: 01/QĐ-UBND"
    report = signing_service.verify_bytes(db_session, settings=signing_settings, data=data)
    assert report["valid"] is True and [s["field"] for s in report["signatures"]] == ["personal_1", "organisation"]


# --- batch signing -------------------------------------------------------------------------------------------

def _awaiting(db_session: Session, store: Any, w: Ward) -> Document:
    document = _draft(db_session, store, w)
    outgoing.start_route(db_session, actor=w.drafter, document_id=document.id, store=store, reviewer_ids=[])
    return document


def _savepoint(db_session: Session) -> Any:
    from contextlib import contextmanager

    @contextmanager
    def transaction() -> Any:
        with db_session.begin_nested():
            yield db_session
    return transaction


def test_a_batch_is_signed_with_the_key_opened_once_and_one_result_per_document(
        db_session, store, ward, signing_settings, monkeypatch):
    from docflow.services import keys
    opened: list[int] = []
    real_open = keys.open_signing_key

    def counting_open(*args: Any, **kwargs: Any) -> Any:
        opened.append(1)
        return real_open(*args, **kwargs)
    monkeypatch.setattr(keys, "open_signing_key", counting_open)
    first, second, draft = _awaiting(db_session, store, ward), _awaiting(db_session, store, ward), \
        _draft(db_session, store, ward)
    assert [d.id for d in outgoing.awaiting_signature_of(db_session, actor=ward.leader)] == [first.id, second.id]
    progress = issuing.BatchProgress(user_id=ward.leader.id, total=3)
    issuing.sign_batch(transaction=_savepoint(db_session), settings=signing_settings, store=store,
                       actor_id=ward.leader.id, documents=[(first.id, 2), (second.id, 7), (draft.id, 1)], pin=PIN,
                       progress=progress)
    state = progress.snapshot()
    assert state["done"] and state["error"] is None and state["signed"] == 1
    assert [(r.document_id, r.ok) for r in state["results"]] == [(first.id, True), (second.id, False), (draft.id, False)]
    assert "newer version" in state["results"][1].message and "not awaiting" in state["results"][2].message
    assert opened == [1]
    assert first.status is DocumentStatus.SIGNED and second.status is DocumentStatus.AWAITING_SIGNATURE


def test_a_batch_with_a_wrong_pin_signs_nothing(db_session, store, ward, signing_settings):
    document = _awaiting(db_session, store, ward)
    progress = issuing.BatchProgress(user_id=ward.leader.id, total=1)
    issuing.sign_batch(transaction=_savepoint(db_session), settings=signing_settings, store=store,
                       actor_id=ward.leader.id, documents=[(document.id, None)], pin="000000", progress=progress)
    state = progress.snapshot()
    assert state["done"] and state["results"] == [] and "PIN" in state["error"][0]
    assert document.status is DocumentStatus.AWAITING_SIGNATURE


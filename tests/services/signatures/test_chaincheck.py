"""Signature chains checked against docflow's records: an issued document passes, and each refusal the
issue names (a signer not assigned, a delegation expired, a seal without a personal signature, replaced
bytes, a number that does not match its register) is found at its step with a message."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from docflow import policy
from docflow.errors import PermissionDeniedError
from docflow.models import AuditEvent, Document, DocumentKind, Role, Signature, User
from docflow.models.routing import Delegation, RoutingStep, SigningMode, StepKind
from docflow.services import outgoing
from docflow.services.signatures import chain as chaincheck
from docflow.services.signatures import seal as seal_service
from docflow.services.people import delegations
from docflow.services import signatures as signing_service
from docflow.signing.base import SignatureKind
from tests.conftest import SIGNING_PIN as PIN
from tests.services.outgoing.test_outgoing import Ward, _approve, _draft, _issue, _sign, ward  # noqa: F401 - the ward fixture

pytestmark = pytest.mark.usefixtures("app_ctx")


def _check(db_session: Session, settings: Any, store: Any, actor: Any, document: Document) -> chaincheck.ChainCheck:
    db_session.expire_all()
    return chaincheck.check_document(db_session, settings=settings, store=store, actor=actor, document_id=document.id)


def _problems(result: chaincheck.ChainCheck, kind: str) -> list[str]:
    return [p.text("en") for step in result.steps if step.kind == kind for p in step.problems]


def _issued(db_session: Session, settings: Any, store: Any, w: Ward, **kw: Any) -> Document:
    """Draft, review, sign and issue, each step by whoever the route assigned it to."""
    document = _draft(db_session, store, w, settings=settings, **kw)
    outgoing.start_route(db_session, actor=w.drafter, document_id=document.id, store=store)
    while (step := outgoing.active_step(db_session, document.id)) is not None and step.kind is not StepKind.ISSUE:
        assignee = db_session.get(User, step.assignee_id)
        if step.kind is StepKind.SIGN:
            _sign(db_session, settings, store, document, assignee)
        else:
            _approve(db_session, document, assignee)
    return _issue(db_session, settings, store, document, w.clerk)


def _issued_under_delegation(db_session: Session, settings: Any, store: Any, w: Ward) -> tuple[Delegation, Document]:
    """The head of the office signs "TL. CHỦ TỊCH" under a delegation made a month ago."""
    today = signing_service.local_today(settings, signing_service.utc_now())
    delegation = delegations.create_delegation(
        db_session, actor=w.chairman, delegate_id=w.office_head.id, delegator_id=w.chairman.id,
        mode=SigningMode.TL, doc_types=None, valid_from=today - timedelta(days=30), valid_to=None)
    return delegation, _issued(db_session, settings, store, w, signer=w.office_head)


def test_an_issued_document_passes_every_step_and_the_run_is_audited(db_session, signing_settings, store, ward,
                                                                     make_user):
    document = _issued(db_session, signing_settings, store, ward)
    auditor = make_user(Role.AUDITOR)

    result = _check(db_session, signing_settings, store, auditor, document)

    assert result.ok, [s.to_json() for s in result.steps if not s.ok]
    kinds = [s.kind for s in result.steps]
    # the upload, the number and date fields added at the route's start, the signature, the seal
    assert kinds.count("version") == 4 and "personal" in kinds and "organisation" in kinds and "number" in kinds
    assert kinds.index("personal") < kinds.index("organisation")
    last = db_session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
    assert last.action == "document.signature_chain_checked" and last.details["verdict"] == "ok"
    assert result.to_json()["steps"][0]["title"]["vi"] == "Lưu phiên bản 1"


def test_a_signer_who_was_not_assigned_the_step_is_named(db_session, signing_settings, store, ward):
    document = _issued(db_session, signing_settings, store, ward)
    personal = db_session.execute(select(Signature).where(Signature.document_id == document.id,
                                                          Signature.kind == SignatureKind.PERSONAL)).scalar_one()
    db_session.execute(update(RoutingStep).where(RoutingStep.signature_id == personal.id)
                       .values(assignee_id=ward.chairman.id))

    result = _check(db_session, signing_settings, store, ward.clerk, document)

    assert not result.ok
    assert any("was assigned to Trần Văn Minh, but Lê Thị Thu Hà signed it" in p
               for p in _problems(result, "personal"))


def test_a_delegation_that_had_expired_when_the_head_signed_is_refused(db_session, signing_settings, store, ward):
    delegation, document = _issued_under_delegation(db_session, signing_settings, store, ward)
    today = signing_service.local_today(signing_settings, signing_service.utc_now())
    assert _check(db_session, signing_settings, store, ward.clerk, document).ok

    db_session.execute(update(Delegation).where(Delegation.id == delegation.id)
                       .values(valid_to=today - timedelta(days=1)))
    result = _check(db_session, signing_settings, store, ward.clerk, document)

    assert any(f"delegation #{delegation.id} expired on" in p for p in _problems(result, "personal"))
    # and the seal that followed it no longer stands on a valid personal signature
    assert any("without a valid personal signature" in p for p in _problems(result, "organisation"))


def test_a_delegation_revoked_after_the_signature_still_counts(db_session, signing_settings, store, ward):
    delegation, document = _issued_under_delegation(db_session, signing_settings, store, ward)
    delegations.revoke_delegation(db_session, actor=ward.chairman, delegation_id=delegation.id)

    assert _check(db_session, signing_settings, store, ward.clerk, document).ok


def test_a_seal_without_a_personal_signature_is_refused(db_session, signing_settings, store, ward, make_document,
                                                        monkeypatch):
    document = make_document(ward.clerk, kind=DocumentKind.INCOMING)
    # The signing guard bypassed, as a bug or a direct database write would: the checker must still see it.
    monkeypatch.setattr(seal_service, "require_valid_personal_signature", lambda *a, **kw: None)
    monkeypatch.setattr(policy, "require_signature", lambda *a, **kw: None)
    signing_service.sign_version(db_session, settings=signing_settings, store=store, actor=ward.clerk,
                                 document_id=document.id, kind=SignatureKind.ORGANISATION_TEXT, pin=PIN,
                                 expected_version=None)

    result = _check(db_session, signing_settings, store, ward.clerk, document)

    assert not result.ok
    assert any("without a valid personal signature" in p for p in _problems(result, "organisation"))


def test_a_version_whose_bytes_were_replaced_in_storage_is_found(db_session, signing_settings, store, ward):
    document = _issued(db_session, signing_settings, store, ward)
    first = document.versions[0]
    path = store.path_for(first.sha256)
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes().replace(b"%%EOF", b"%%EOF\n% replaced", 1))

    result = _check(db_session, signing_settings, store, ward.clerk, document)

    assert [p for p in _problems(result, "version") if "stored bytes of version 1 were replaced" in p]
    assert [s.ok for s in result.steps if s.kind == "version"] == [False, True, True, True]


def test_a_number_that_does_not_match_the_register_is_found(db_session, signing_settings, store, ward):
    document = _issued(db_session, signing_settings, store, ward)
    real = document.number_symbol
    db_session.execute(update(Document).where(Document.id == document.id).values(number_symbol="99/QĐ-UBND"))

    result = _check(db_session, signing_settings, store, ward.clerk, document)

    problems = _problems(result, "number")
    assert any(f"does not match its register entry ({real})" in p for p in problems)
    assert any(f'The PDF shows "Số: {real}"' in p for p in problems)
    assert any(f"issued this document as {real}, not 99/QĐ-UBND" in p for p in problems)


def test_someone_who_cannot_see_the_document_cannot_check_it(db_session, signing_settings, store, ward, make_user,
                                                             make_department):
    document = _issued(db_session, signing_settings, store, ward)
    outsider = make_user(Role.OFFICIAL, department=make_department("Công an", "CA"))
    with pytest.raises(PermissionDeniedError):
        _check(db_session, signing_settings, store, outsider, document)


def test_roles_are_judged_as_they_were_when_signing_not_as_they_are_now(db_session, signing_settings, store, ward,
                                                                        make_user):
    from docflow.services.people import update_user
    document = _issued(db_session, signing_settings, store, ward)
    admin = make_user(Role.ADMIN)
    # Later the vice-chairman leaves office and the clerk moves to another post.
    update_user(db_session, actor=admin, user_id=ward.leader.id, role=Role.OFFICIAL, post="Chuyên viên",
                department_id=ward.land.id, full_name=ward.leader.full_name)
    update_user(db_session, actor=admin, user_id=ward.clerk.id, role=Role.OFFICIAL, post="",
                department_id=ward.clerk.department_id, full_name=ward.clerk.full_name)

    assert _check(db_session, signing_settings, store, admin, document).ok
    assert chaincheck.role_and_post_at(db_session, ward.leader, document.issued_at) == (Role.LEADER, "Phó Chủ tịch")


def test_a_signing_time_moved_in_the_records_no_longer_agrees_with_the_pdf(db_session, signing_settings, store, ward):
    document = _issued(db_session, signing_settings, store, ward)
    personal = db_session.execute(select(Signature).where(Signature.document_id == document.id,
                                                          Signature.kind == SignatureKind.PERSONAL)).scalar_one()
    db_session.execute(update(Signature).where(Signature.id == personal.id)
                       .values(signed_at=personal.signed_at - timedelta(days=40)))

    result = _check(db_session, signing_settings, store, ward.clerk, document)

    assert any("but the PDF says" in p for p in _problems(result, "personal"))


def test_a_signed_version_that_does_not_extend_its_parent_is_found(db_session, signing_settings, store, ward,
                                                                   make_document):
    import io

    from docflow.models import DocumentVersion
    from docflow.services import documents as doc_service
    from docflow.services.documents import UploadedFile
    from tests.conftest import pdf_bytes
    document = make_document(ward.clerk, kind=DocumentKind.INTERNAL)
    doc_service.add_version(db_session, actor=ward.clerk, document_id=document.id, store=store, max_bytes=10 ** 7,
                            upload=UploadedFile(io.BytesIO(pdf_bytes("another file")), "khac.pdf"),
                            expected_row_version=None)
    signing_service.sign_version(db_session, settings=signing_settings, store=store, actor=ward.leader,
                                 document_id=document.id, kind=SignatureKind.PERSONAL, pin=PIN, expected_version=None)
    assert _check(db_session, signing_settings, store, ward.clerk, document).ok
    versions = {v.number: v for v in document.versions}
    # The records now say the signature was made over version 1, whose bytes it does not carry.
    db_session.execute(update(DocumentVersion).where(DocumentVersion.id == versions[3].id)
                       .values(parent_id=versions[1].id))

    result = _check(db_session, signing_settings, store, ward.clerk, document)

    assert any("does not extend version 1" in p for p in _problems(result, "version"))

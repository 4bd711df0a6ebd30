"""The public verification footer (issue 15 §2) on the real signing path: drawn once, as a revision of the
first signature's version just before that signature of an outgoing document that is not confidential; the signatures after it stay
valid and cover it; a confidential document gets no code and no footer, and its confidentiality is frozen
from its first signature on."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import pytest
from sqlalchemy import select

from docflow.errors import InvalidTransitionError
from docflow.models import (
    AuditEvent,
    Confidentiality,
    DocumentStatus,
    GrantReason,
    PublicCode,
    Role,
    Signature,
    User,
)
from docflow.models.routing import StepKind
from docflow.services import documents as doc_service
from docflow.services import outgoing
from docflow.services.documents import DocumentInput
from docflow.services.documents.grants import ensure_grant
from docflow.services.public import codes
from docflow.services.signatures import chain as chaincheck
from docflow.services.signatures.reports import verify_bytes
from docflow.signing.footer import read_footers
from tests.services.outgoing.test_outgoing import _approve, _draft, _issue, _sign, ward  # noqa: F401 - the ward fixture
from tests.services.signatures.test_chaincheck import _issued

pytestmark = pytest.mark.usefixtures("app_ctx")


def _confidential_issued(db_session: Any, settings: Any, store: Any, w: Any) -> Any:
    """A draft made Mật by its drafter before its route, then reviewed, signed and issued."""
    document = _draft(db_session, store, w, settings=settings)
    doc_service.edit_metadata(db_session, actor=w.drafter, document_id=document.id,
                              data=_form(document, Confidentiality.CONFIDENTIAL),
                              expected_row_version=document.row_version)
    for user in (w.land_head, w.office_head, w.leader, w.chairman, w.clerk):
        ensure_grant(db_session, document, user, GrantReason.CONFIDENTIAL_ACCESS, document.created_at, by=w.chairman)
    outgoing.start_route(db_session, actor=w.drafter, document_id=document.id, store=store)
    while (step := outgoing.active_step(db_session, document.id)) is not None and step.kind is not StepKind.ISSUE:
        assignee = db_session.get(User, step.assignee_id)
        if step.kind is StepKind.SIGN:
            _sign(db_session, settings, store, document, assignee)
        else:
            _approve(db_session, document, assignee)
    return _issue(db_session, settings, store, document, w.clerk)


def _form(document: Any, confidentiality: Confidentiality) -> DocumentInput:
    return DocumentInput(kind=document.kind, doc_type=document.doc_type, summary=document.summary,
                         department_id=document.department_id, number_symbol="",
                         document_date=document.document_date, issuing_body=document.issuing_body,
                         urgency=document.urgency, confidentiality=confidentiality, deadline=document.deadline)


def test_the_footer_is_drawn_before_the_first_signature_inside_its_version_and_audited(
        db_session, signing_settings, store, ward):
    document = _draft(db_session, store, ward, settings=signing_settings)
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    before = document.current_version
    _approve(db_session, document, ward.land_head)
    _approve(db_session, document, ward.office_head)
    _sign(db_session, signing_settings, store, document, ward.leader)

    signed = document.current_version
    assert signed.number == before.number + 1     # no version of its own: what reviewers saw keeps its number
    assert read_footers(store.read(before.sha256)) == []
    code = db_session.execute(select(PublicCode).where(PublicCode.document_id == document.id)).scalar_one()
    data = store.read(signed.sha256)
    assert [(m.code, m.url, m.qr_matches) for m in read_footers(data)] == [
        (code.code, f"{signing_settings.app.public_url}/v/{code.code}", True)]
    details = db_session.execute(select(AuditEvent.details).where(
        AuditEvent.object_id == str(document.id), AuditEvent.action == "public.footer_added")).scalars().all()
    assert len(details) == 1 and details[0]["signed_version"] == signed.number
    # the footer's revision extends the stored draft, and the signature's revision extends the footer's
    footed = data[:details[0]["footer_size"]]
    assert hashlib.sha256(footed).hexdigest() == details[0]["footer_sha256"]
    assert footed.startswith(store.read(before.sha256)) and read_footers(footed)[0].code == code.code
    signature = db_session.execute(select(Signature).where(Signature.document_id == document.id)).scalar_one()
    assert signature.before_sha256 == before.sha256 and signature.after_sha256 == signed.sha256


def test_an_issued_document_carries_one_footer_and_every_signature_after_it_stays_valid(
        db_session, signing_settings, store, ward, make_user):
    document = _issued(db_session, signing_settings, store, ward)

    assert db_session.execute(select(AuditEvent.seq).where(
        AuditEvent.object_id == str(document.id), AuditEvent.action == "public.footer_added")).scalars().all() != []
    assert len(db_session.execute(select(AuditEvent.seq).where(
        AuditEvent.object_id == str(document.id), AuditEvent.action == "public.footer_added")).all()) == 1
    issued = store.read(document.current_version.sha256)
    assert len(read_footers(issued)) == 1
    report = verify_bytes(db_session, settings=signing_settings, data=issued, sha256=document.current_version.sha256)
    assert report["valid"], report
    assert document.status is DocumentStatus.ISSUED
    check = chaincheck.check_document(db_session, settings=signing_settings, store=store,
                                      actor=make_user(Role.AUDITOR), document_id=document.id)
    assert check.ok, [s.to_json() for s in check.steps if not s.ok]


def test_a_confidential_document_gets_no_code_and_no_footer(db_session, signing_settings, store, ward):
    document = _confidential_issued(db_session, signing_settings, store, ward)
    assert document.status is DocumentStatus.ISSUED and document.is_confidential

    assert db_session.execute(select(AuditEvent.seq).where(
        AuditEvent.object_id == str(document.id), AuditEvent.action == "public.footer_added")).first() is None
    assert read_footers(store.read(document.current_version.sha256)) == []
    assert codes.find_code(db_session, document) is None
    with pytest.raises(InvalidTransitionError):
        codes.ensure_code(db_session, document, now=document.created_at)


def test_confidentiality_is_frozen_from_the_first_signature_on(db_session, signing_settings, store, ward):
    document = _draft(db_session, store, ward, settings=signing_settings)
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    _approve(db_session, document, ward.land_head)
    _approve(db_session, document, ward.office_head)
    _sign(db_session, signing_settings, store, document, ward.leader)
    data = _form(document, Confidentiality.SECRET)

    with pytest.raises(InvalidTransitionError):
        doc_service.edit_metadata(db_session, actor=ward.leader, document_id=document.id, data=data,
                                  expected_row_version=document.row_version)
    db_session.refresh(document)
    assert document.confidentiality is Confidentiality.NORMAL
    # the same form without the change still passes: only the confidentiality is frozen
    doc_service.edit_metadata(db_session, actor=ward.leader, document_id=document.id,
                              data=dataclasses.replace(data, confidentiality=Confidentiality.NORMAL),
                              expected_row_version=document.row_version)


def test_codes_have_80_bits_and_are_unique_and_read_back_as_typed(db_session):
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    assert all(len(c) == 16 and set(c) <= set(codes.ALPHABET) for c in made)
    assert len(codes.ALPHABET) ** codes.LENGTH >= 2 ** 80
    code = sorted(made)[0]
    typed = "-".join(code[i:i + 4] for i in range(0, 16, 4)).lower()
    assert codes.normalise(typed) == code
    assert codes.normalise("O" * 16) == "0" * 16
    assert codes.normalise("short") is None and codes.normalise("U" * 16) is None

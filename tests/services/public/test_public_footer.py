"""The public verification footer (issue 15 §2) on the real signing path: added once, as its own version,
before the first signature of an outgoing document that is not confidential; the signatures after it stay
valid and cover it; a confidential document gets no code and no footer, and its confidentiality is frozen
from its first signature on."""

from __future__ import annotations

import dataclasses
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
    VersionKind,
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


def _versions(document: Any) -> list[tuple[int, str]]:
    return [(v.number, v.kind) for v in document.versions]


def test_the_footer_is_added_once_before_the_first_signature_and_audited(db_session, signing_settings, store, ward):
    document = _draft(db_session, store, ward, settings=signing_settings)
    outgoing.start_route(db_session, actor=ward.drafter, document_id=document.id, store=store)
    before = document.current_version.number
    _approve(db_session, document, ward.land_head)
    _approve(db_session, document, ward.office_head)
    _sign(db_session, signing_settings, store, document, ward.leader)

    kinds = _versions(document)
    assert kinds[-2:] == [(before + 1, VersionKind.FOOTER), (before + 2, "")]
    footer = document.versions[-2]
    code = db_session.execute(select(PublicCode).where(PublicCode.document_id == document.id)).scalar_one()
    marks = read_footers(store.read(footer.sha256))
    assert [(m.code, m.url, m.qr_matches) for m in marks] == [
        (code.code, f"{signing_settings.app.public_url}/v/{code.code}", True)]
    assert db_session.execute(select(AuditEvent.action).where(
        AuditEvent.object_id == str(document.id), AuditEvent.action == "public.footer_added")).scalars().all() \
        == ["public.footer_added"]
    # the signature is made on the footer's version: it covers it
    signature = db_session.execute(select(Signature).where(Signature.document_id == document.id)).scalar_one()
    assert signature.before_sha256 == footer.sha256


def test_an_issued_document_carries_one_footer_and_every_signature_after_it_stays_valid(
        db_session, signing_settings, store, ward, make_user):
    document = _issued(db_session, signing_settings, store, ward)

    assert [kind for _, kind in _versions(document)].count(VersionKind.FOOTER) == 1
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

    assert VersionKind.FOOTER not in [kind for _, kind in _versions(document)]
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

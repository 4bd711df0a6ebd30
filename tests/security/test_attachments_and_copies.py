"""Refusals around attachments and copies (Decree 30: R29, R30, R15, R45, R33): the wrong role, another
ward's document, an attachment of another document, changes after the first signature, copies of what the
ward did not issue."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy.orm import Session

from docflow.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError
from docflow.models import AttachmentKind, CopyForm, DocumentKind, Organisation, Role, User
from docflow.services import attachments, copies
from docflow.services.documents import UploadedFile
from tests.conftest import pdf_bytes
from tests.services.attachments.test_attachments import _signed_from_draft, add
from tests.services.copies.helpers import scan_pdf
from tests.services.copies.test_copies import electronic, issued
from tests.services.outgoing.test_outgoing import PIN, _draft, ward  # noqa: F401

DENIED = (PermissionDeniedError, NotFoundError)


def _other_ward_user(db_session: Session, role: Role = Role.CLERK) -> User:
    other = Organisation(name="UBND phường Khác", code="UBNDK")
    db_session.add(other)
    db_session.flush()
    user = User(organisation=other, username=f"other-{role.value}", full_name="Người phường khác", role=role,
                post="", password_hash="x", is_active=True)
    db_session.add(user)
    db_session.flush()
    return user


def _add_as(db_session: Session, store: Any, actor: User, document_id: int) -> Any:
    return attachments.add_attachment(db_session, actor=actor, document_id=document_id, kind=AttachmentKind.APPENDIX,
                                      title="", upload=UploadedFile(io.BytesIO(pdf_bytes()), "a.pdf"), store=store,
                                      max_bytes=10 ** 7)


def test_r29_only_the_drafter_adds_or_removes_attachments(db_session, store, ward, make_user):
    document = _draft(db_session, store, ward)
    appendix = add(db_session, store, ward, document.id)
    for actor in (ward.land_head, ward.clerk, ward.leader, make_user(Role.AUDITOR)):
        with pytest.raises(DENIED):
            _add_as(db_session, store, actor, document.id)
        with pytest.raises(DENIED):
            attachments.remove_attachment(db_session, actor=actor, attachment_id=appendix.id)


def test_r29_another_ward_cannot_reach_a_document_s_attachments(db_session, store, ward):
    document = _draft(db_session, store, ward)
    appendix = add(db_session, store, ward, document.id)
    outsider = _other_ward_user(db_session, Role.OFFICIAL)

    with pytest.raises(DENIED):
        _add_as(db_session, store, outsider, document.id)
    with pytest.raises(DENIED):
        attachments.attachment_file(db_session, actor=outsider, attachment_id=appendix.id, store=store)
    with pytest.raises(DENIED):
        attachments.list_attachments(db_session, actor=outsider, document_id=document.id)


def test_r29_an_attachment_is_only_reached_through_its_own_document(db_session, store, ward):
    first, second = _draft(db_session, store, ward), _draft(db_session, store, ward)
    appendix = add(db_session, store, ward, first.id)

    with pytest.raises(NotFoundError):
        attachments.attachment_file(db_session, actor=ward.drafter, attachment_id=appendix.id, store=store,
                                    document_id=second.id)


def test_r29_no_attachment_is_added_or_removed_after_the_first_signature(db_session, store, ward, signing_settings):
    document = _draft(db_session, store, ward)
    appendix = add(db_session, store, ward, document.id)
    _signed_from_draft(db_session, store, ward, signing_settings, document)

    with pytest.raises(InvalidTransitionError):
        add(db_session, store, ward, document.id)
    with pytest.raises(InvalidTransitionError):
        attachments.remove_attachment(db_session, actor=ward.drafter, attachment_id=appendix.id)


def test_r29_an_incoming_document_takes_no_attachment(db_session, store, ward, make_document):
    incoming = make_document(ward.clerk, kind=DocumentKind.INCOMING)
    with pytest.raises(InvalidTransitionError):
        _add_as(db_session, store, ward.clerk, incoming.id)


@pytest.mark.parametrize("role", ["official", "head", "leader", "auditor", "admin"])
def test_r33_only_the_clerk_makes_copies(db_session, store, ward, signing_settings, make_user, role):
    document = issued(db_session, store, ward, signing_settings)
    actor = {"official": ward.drafter, "head": ward.land_head, "leader": ward.leader}.get(role) \
        or make_user(Role(role))

    with pytest.raises(PermissionDeniedError):
        copies.copy_issued_document(db_session, actor=actor, settings=signing_settings, store=store,
                                    document_id=document.id, request=copies.CopyRequest(CopyForm.SAO_Y), pin=PIN)
    with pytest.raises(PermissionDeniedError):
        copies.copy_paper_original(db_session, actor=actor, settings=signing_settings, store=store,
                                   upload=UploadedFile(io.BytesIO(scan_pdf()), "scan.pdf"), original_reference="x",
                                   request=copies.CopyRequest(CopyForm.SAO_Y), pin=PIN, max_bytes=10 ** 8)


def test_r45_a_document_the_ward_has_not_issued_is_not_copied_from_docflow(db_session, store, ward, signing_settings,
                                                                            make_document):
    draft = _draft(db_session, store, ward)
    signed = _signed_from_draft(db_session, store, ward, signing_settings, _draft(db_session, store, ward))
    incoming = make_document(ward.clerk, kind=DocumentKind.INCOMING)
    for document in (draft, signed, incoming):
        with pytest.raises((InvalidTransitionError, PermissionDeniedError)):
            electronic(db_session, store, ward, signing_settings, document.id)


def test_r45_another_ward_s_clerk_cannot_copy_or_read_the_ward_s_copies(db_session, store, ward, signing_settings):
    document = issued(db_session, store, ward, signing_settings)
    copy = electronic(db_session, store, ward, signing_settings, document.id)
    outsider = _other_ward_user(db_session, Role.CLERK)

    with pytest.raises(DENIED):
        copies.copy_issued_document(db_session, actor=outsider, settings=signing_settings, store=store,
                                    document_id=document.id, request=copies.CopyRequest(CopyForm.SAO_Y), pin=PIN)
    with pytest.raises(NotFoundError):
        copies.copy_file(db_session, actor=outsider, copy_id=copy.id, store=store)
    assert copies.copy_register(db_session, actor=outsider, year=copy.year, tz=signing_settings.app.zone) == []


def test_r15_an_official_does_not_read_the_copy_register(db_session, store, ward, signing_settings):
    with pytest.raises(PermissionDeniedError):
        copies.copy_register(db_session, actor=ward.drafter, year=2026, tz=signing_settings.app.zone)

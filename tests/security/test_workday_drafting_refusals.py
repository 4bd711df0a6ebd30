"""R22–R24 refusals around drafting: reviewers outside the ward's heads and leaders (or the drafter), and trích yếu edits by who may not edit, once a reviewer of the round approved, or once signed."""

from __future__ import annotations

import pytest

from docflow.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import Organisation, Role, User
from docflow.services import outgoing
from tests.services.outgoing.test_outgoing import _approve, _draft, _signed, ward  # noqa: F401  (fixture)

DENIED = (PermissionDeniedError, NotFoundError)


@pytest.mark.parametrize("who", ["drafter", "clerk", "official", "other_ward_head"])
def test_R24_a_reviewer_outside_the_ward_heads_and_leaders_or_the_drafter_is_refused(
        db_session, store, ward, make_user, who):
    w = ward
    if who == "official":
        person = make_user(Role.OFFICIAL, department=w.land)
    elif who == "other_ward_head":
        other = Organisation(name="UBND phường Khác", code="UBNDK")
        db_session.add(other)
        db_session.flush()
        person = User(organisation=other, username="head-khac", full_name="Trưởng phòng phường khác",
                      role=Role.HEAD, post="", password_hash="x", is_active=True)
        db_session.add(person)
        db_session.flush()
    else:
        person = getattr(w, who)
    document = _draft(db_session, store, w)
    with pytest.raises(ValidationError):
        outgoing.start_route(db_session, actor=w.drafter, document_id=document.id, store=store,
                             reviewer_ids=[w.land_head.id, person.id])
    assert outgoing.steps_of(db_session, document.id) == []


def test_R23_the_trich_yeu_is_refused_once_approved_once_signed_and_to_who_may_not_edit(
        db_session, store, ward, make_user, signing_settings):
    w = ward
    draft = _draft(db_session, store, w)
    outsider = make_user(Role.OFFICIAL, department=w.culture)
    with pytest.raises(DENIED):
        outgoing.edit_summary(db_session, actor=outsider, document_id=draft.id, summary="Khác",
                              expected_row_version=draft.row_version)
    outgoing.start_route(db_session, actor=w.drafter, document_id=draft.id, store=store)
    _approve(db_session, draft, w.land_head)                 # approved without ký nháy: R23 still holds
    with pytest.raises(InvalidTransitionError):
        outgoing.edit_summary(db_session, actor=w.drafter, document_id=draft.id, summary="Khác",
                              expected_row_version=draft.row_version)
    signed = _signed(db_session, signing_settings, store, w)
    assert not outgoing.may_edit_summary(w.drafter, signed)
    with pytest.raises(InvalidTransitionError):
        outgoing.edit_summary(db_session, actor=w.drafter, document_id=signed.id, summary="Khác",
                              expected_row_version=signed.row_version)
    assert signed.summary == "Về việc thành lập tổ công tác"


def test_R23_the_metadata_form_cannot_change_the_trich_yeu_of_an_outgoing_document_once_approved(
        client, db_session, store, ward):
    from docflow.models import AuditEvent
    from sqlalchemy import select
    w = ward
    document = _draft(db_session, store, w)
    outgoing.start_route(db_session, actor=w.drafter, document_id=document.id, store=store)
    _approve(db_session, document, w.land_head)
    before = (document.summary, document.doc_type, document.row_version)
    fields = {"doc_type": document.doc_type, "summary": "Trích yếu đổi sau khi trình", "issuing_body": document.issuing_body,
              "urgency": document.urgency.value, "confidentiality": document.confidentiality.value,
              "department_id": str(document.department_id), "row_version": str(document.row_version)}
    client.login(w.drafter)
    for changed in ({}, {"doc_type": "thong_bao", "summary": document.summary}):
        response = client.post(f"/documents/{document.id}/edit", {**fields, **changed})
        assert response.status_code in (400, 409), response.status_code
    db_session.expire_all()
    assert (document.summary, document.doc_type, document.row_version) == before
    assert not db_session.execute(select(AuditEvent).where(AuditEvent.object_id == str(document.id),
                                                           AuditEvent.action == "document.metadata_edited")).first()


@pytest.mark.parametrize("who", ["signer", "inactive_head"])
def test_R24_the_signer_or_an_inactive_head_as_reviewer_is_refused(db_session, store, ward, make_user, who):
    w = ward
    document = _draft(db_session, store, w)
    if who == "signer":
        person = w.leader                                    # the draft's signer: his own step follows
    else:
        person = make_user(Role.HEAD, department=w.culture)
        person.is_active = False
        db_session.flush()
    assert person not in outgoing.reviewer_choices(db_session, document)
    with pytest.raises(ValidationError):
        outgoing.start_route(db_session, actor=w.drafter, document_id=document.id, store=store,
                             reviewer_ids=[w.land_head.id, person.id])
    assert outgoing.steps_of(db_session, document.id) == []

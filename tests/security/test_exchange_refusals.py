"""Every refusal of the exchange an attacker could try: a person who is not an administrator trusting an
agency, another ward's document exported, a message for another organ, a replayed message, a partner speaking
about a document it never received or another partner's document, a received document answered by someone who
is not the clerk, by another ward's clerk, or twice."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from docflow.errors import DocflowError, InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.exchange import Status
from docflow.models import DocumentKind, Organisation, Role, User, utc_now
from docflow.services.exchange import inbox as inbox_service
from docflow.services.exchange import partners
from docflow.services.exchange.export import export_document
from tests.conftest import pdf_bytes
from tests.exchange.partner import OUR_ID, Partner
from tests.services.exchange.wards import Ward, ward  # noqa: F401 - the fixture


def _other_ward_user(db_session: Session, role: Role = Role.CLERK) -> User:
    other = Organisation(name="UBND phường Khác", code="UBNDK", organ_id="000.00.09.H99")
    db_session.add(other)
    db_session.flush()
    user = User(organisation=other, username=f"other-{role.value}", full_name="Người phường khác", role=role,
                post="", password_hash="x", is_active=True)
    db_session.add(user)
    db_session.flush()
    return user


@pytest.mark.parametrize("role", [Role.CLERK, Role.OFFICIAL, Role.HEAD, Role.LEADER, Role.AUDITOR])
def test_only_an_administrator_trusts_an_agency(ward: Ward, make_user: Any, role: Role) -> None:
    with pytest.raises(PermissionDeniedError):
        partners.add_partner(ward.session, organisation=ward.org, organ_id="000.00.03.H99",
                             trust_root=ward.partner.root_pem, actor=make_user(role), now=utc_now())
    with pytest.raises(PermissionDeniedError):
        partners.deactivate_partner(ward.session, organisation=ward.org, organ_id=ward.partner.organ_id,
                                    actor=make_user(role), now=utc_now())


def test_another_wards_document_is_not_exported(ward: Ward, make_document: Any, make_user: Any) -> None:
    document = make_document(make_user(Role.OFFICIAL), kind=DocumentKind.OUTGOING)
    stranger = _other_ward_user(ward.session)
    with pytest.raises((NotFoundError, PermissionDeniedError)):
        export_document(ward.session, actor=stranger, document_id=document.id, to=None, settings=ward.settings,
                        store=ward.store, now=utc_now())


def test_an_official_does_not_export(ward: Ward, make_document: Any, make_user: Any) -> None:
    official = make_user(Role.OFFICIAL)
    with pytest.raises(PermissionDeniedError):
        export_document(ward.session, actor=official, document_id=1, to=None, settings=ward.settings,
                        store=ward.store, now=utc_now())


def test_a_message_for_another_organ_is_refused_before_anything_is_kept(ward: Ward) -> None:
    with pytest.raises(ValidationError, match="another organ"):
        ward.receive(ward.partner.seal(ward.partner.edoc(pdf_bytes("x"), to="000.00.09.H99")))


def test_a_partner_cannot_pass_a_status_about_a_document_never_sent_to_it(ward: Ward) -> None:
    status = ward.partner.status(f"{OUR_ID},2026/12/01,01/QĐ-UBND", Status.ACCEPTED)
    with pytest.raises(ValidationError, match="did not send"):
        ward.receive(ward.partner.seal(status))


def test_a_partner_cannot_recall_a_document_it_did_not_send(ward: Ward) -> None:
    revocation = ward.partner.revocation("000.00.07.H99,2026/12/01,01/QĐ-UBND", "x")
    with pytest.raises(ValidationError, match="not held"):
        ward.receive(ward.partner.seal(revocation))


def test_a_replayed_message_is_refused(ward: Ward) -> None:
    data = ward.partner.seal(ward.partner.edoc(pdf_bytes("replay")))
    ward.receive(data)
    with pytest.raises(ValidationError, match="received already"):
        ward.receive(data)


def test_another_partner_cannot_recall_a_document_this_partner_sent(ward: Ward, test_pki: Any) -> None:
    message = ward.partner.edoc(pdf_bytes("theirs"))
    ward.receive(ward.partner.seal(message))
    other = Partner(test_pki, organ_id="000.00.03.H99")
    partners.add_partner(ward.session, organisation=ward.org, organ_id=other.organ_id, trust_root=other.root_pem,
                         actor=ward.admin, now=utc_now())
    with pytest.raises(ValidationError, match="not held"):
        ward.receive(other.seal(other.revocation(message.document_id, "không phải của tôi")))


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.HEAD, Role.LEADER, Role.AUDITOR, Role.ADMIN])
def test_only_the_clerk_answers_a_received_document(ward: Ward, make_user: Any, role: Role) -> None:
    received = ward.receive(ward.partner.seal(ward.partner.edoc(pdf_bytes(f"answer-{role}"))))
    someone = make_user(role)
    with pytest.raises(PermissionDeniedError):
        inbox_service.register_received(ward.session, actor=someone, inbox_id=received.inbox_id,
                                        settings=ward.settings, store=ward.store, now=utc_now())
    with pytest.raises(PermissionDeniedError):
        inbox_service.return_to_sender(ward.session, actor=someone, inbox_id=received.inbox_id, reason="x",
                                       settings=ward.settings, now=utc_now())


def test_another_wards_clerk_cannot_answer_it(ward: Ward) -> None:
    received = ward.receive(ward.partner.seal(ward.partner.edoc(pdf_bytes("other-clerk"))))
    with pytest.raises(NotFoundError):
        inbox_service.register_received(ward.session, actor=_other_ward_user(ward.session),
                                        inbox_id=received.inbox_id, settings=ward.settings, store=ward.store,
                                        now=utc_now())


def test_a_received_document_is_answered_once(ward: Ward) -> None:
    received = ward.receive(ward.partner.seal(ward.partner.edoc(pdf_bytes("once"))))
    inbox_service.register_received(ward.session, actor=ward.clerk, inbox_id=received.inbox_id,
                                    settings=ward.settings, store=ward.store, now=utc_now())
    with pytest.raises(InvalidTransitionError):
        inbox_service.register_received(ward.session, actor=ward.clerk, inbox_id=received.inbox_id,
                                        settings=ward.settings, store=ward.store, now=utc_now())
    with pytest.raises(DocflowError):
        inbox_service.agree_recall(ward.session, actor=ward.clerk, inbox_id=received.inbox_id,
                                   settings=ward.settings, now=utc_now())

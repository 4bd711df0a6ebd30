"""Attacks on who may put which signature on what, through the web as the attacker would: each posts the
sign form by hand (the page does not offer it) and must be refused with nothing signed and nothing moved."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.models import Document, DocumentKind, DocumentStatus, DocumentVersion, Role, Signature, User
from docflow.models.routing import SigningMode
from docflow.services.people import delegations
from docflow.signing.base import CertificateKind
from tests.conftest import SIGNING_PIN, WebClient


@pytest.fixture
def ward(make_department: Any, make_user: Any, issue_cert: Any, db_session: Session) -> dict[str, Any]:
    """A department head holding a signing key and a standing TL delegation, a leader, and the clerk with
    the ward's seal."""
    land = make_department("Địa chính", "ĐC")
    people: dict[str, Any] = {"land": land,
                              "official": make_user(Role.OFFICIAL, department=land),
                              "head": make_user(Role.HEAD, department=land, full_name="Hoàng Văn Nam"),
                              "leader": make_user(Role.LEADER, full_name="Trần Văn Minh"),
                              "clerk": make_user(Role.CLERK)}
    people["leader"].post, people["head"].post = "Chủ tịch", "Trưởng phòng"
    issue_cert(people["head"])
    issue_cert(people["leader"])
    issue_cert(None, CertificateKind.ORGANISATION)
    delegations.create_delegation(db_session, actor=people["leader"], delegate_id=people["head"].id,
                                  delegator_id=people["leader"].id, mode=SigningMode.TL, doc_types=None,
                                  valid_from=date(2020, 1, 1), valid_to=None)
    return people


def _as(app: Any, user: User) -> WebClient:
    client = WebClient(app.test_client())
    assert client.login(user).status_code == 302
    return client


def _versions(db_session: Session, document: Document) -> int:
    return db_session.execute(select(func.count()).select_from(DocumentVersion)
                              .where(DocumentVersion.document_id == document.id)).scalar_one()


def _signatures(db_session: Session, document: Document) -> list[str]:
    return [s.value for s in db_session.execute(select(Signature.kind).where(Signature.document_id == document.id)
                                                .order_by(Signature.id)).scalars()]


def _status(db_session: Session, document: Document) -> DocumentStatus:
    return db_session.execute(select(Document.status).where(Document.id == document.id)).scalar_one()


def test_a_head_cannot_sign_a_received_document_and_the_clerk_cannot_seal_it_nor_move_it_back(
        app, db_session, make_document, ward):
    """The attack of issue 10 §2: a completed incoming document, signed personally by a department head
    through the sign URL, then sealed by the clerk; the document went back to "signed"."""
    received = make_document(ward["official"], kind=DocumentKind.INCOMING, department=ward["land"],
                             issuing_body="Sở Tài nguyên và Môi trường")
    received.status = DocumentStatus.COMPLETED
    db_session.flush()

    signed = _as(app, ward["head"]).post(f"/documents/{received.id}/sign", {"kind": "personal", "pin": SIGNING_PIN})
    sealed = _as(app, ward["clerk"]).post(f"/documents/{received.id}/sign",
                                          {"kind": "organisation", "pin": SIGNING_PIN})

    assert signed.status_code == 409 and "cơ quan khác" in signed.get_data(as_text=True)
    assert sealed.status_code == 409
    assert _versions(db_session, received) == 1 and _signatures(db_session, received) == []
    assert _status(db_session, received) is DocumentStatus.COMPLETED
    head_page = _as(app, ward["head"]).get(f"/documents/{received.id}").get_data(as_text=True)
    assert 'data-testid="sign-form"' not in head_page


def test_a_head_cannot_sign_personally_on_a_documents_page_even_under_a_delegation(
        app, db_session, make_document, ward):
    """The form offers a head only the initial there; a head's personal signature goes on an outgoing
    document at the route's sign step, where the head is the chosen signer."""
    memo = make_document(ward["official"], kind=DocumentKind.INTERNAL, department=ward["land"])

    response = _as(app, ward["head"]).post(f"/documents/{memo.id}/sign", {"kind": "personal", "pin": SIGNING_PIN})

    assert response.status_code == 409
    assert _versions(db_session, memo) == 1 and _signatures(db_session, memo) == []


def test_the_clerk_cannot_seal_an_internal_document_after_a_leaders_signature(app, db_session, make_document,
                                                                              ward):
    """The ward's seal goes only on an outgoing document at its issue, with a number from the register."""
    memo = make_document(ward["official"], kind=DocumentKind.INTERNAL, department=ward["land"])
    leader = _as(app, ward["leader"])
    assert leader.post(f"/documents/{memo.id}/sign", {"kind": "personal", "pin": SIGNING_PIN}).status_code == 302

    response = _as(app, ward["clerk"]).post(f"/documents/{memo.id}/sign", {"kind": "organisation", "pin": SIGNING_PIN})

    assert response.status_code == 409
    assert _signatures(db_session, memo) == ["personal"] and _versions(db_session, memo) == 2


def test_a_leaders_signature_does_not_move_a_completed_document_back(app, db_session, make_document, ward):
    memo = make_document(ward["official"], kind=DocumentKind.INTERNAL, department=ward["land"])
    memo.status = DocumentStatus.COMPLETED
    db_session.flush()

    response = _as(app, ward["leader"]).post(f"/documents/{memo.id}/sign", {"kind": "personal", "pin": SIGNING_PIN})

    assert response.status_code == 409
    assert _status(db_session, memo) is DocumentStatus.COMPLETED and _versions(db_session, memo) == 1

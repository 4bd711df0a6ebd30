"""Liên thông screens: the administrator's partners (list, add with a root certificate, stop trusting), the
clerk's documents received from other agencies (register, return), each refused to other roles; the outgoing
page shows a partner recipient's exchange status and a plain external name as not sent electronically."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from docflow.models import ExchangeInbox, ExchangePartner, InboxState, Role
from tests.conftest import pdf_bytes
from tests.exchange.partner import PARTNER_ID
from tests.services.exchange.wards import Ward, ward  # noqa: F401 - the fixture


def test_the_administrator_adds_and_stops_trusting_a_partner(client, ward: Ward, db_session) -> None:
    client.login(ward.admin)
    page = client.get("/exchange/partners")
    assert page.status_code == 200 and PARTNER_ID in page.get_data(as_text=True)
    response = client.post("/exchange/partners", {
        "organ_id": "000.00.03.H99", "name": "UBND xã Khác", "url": "https://khac.example/edxml",
        "trust_root": (io.BytesIO(ward.partner.root_pem), "root.pem")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    partner = db_session.execute(select(ExchangePartner).where(ExchangePartner.organ_id == "000.00.03.H99")).scalar_one()
    assert partner.added_by_id == ward.admin.id
    assert client.post("/exchange/partners/000.00.03.H99/deactivate").status_code == 302
    db_session.expire_all()
    assert not partner.is_active


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER, Role.OFFICIAL, Role.AUDITOR])
def test_only_the_administrator_sees_or_changes_the_partners(client, ward: Ward, make_user, role, db_session) -> None:
    client.login(make_user(role))
    assert client.get("/exchange/partners").status_code == 403
    response = client.post("/exchange/partners", {"organ_id": "000.00.03.H99",
                                                  "trust_root": (io.BytesIO(ward.partner.root_pem), "root.pem")},
                           content_type="multipart/form-data")
    assert response.status_code == 403
    assert client.post(f"/exchange/partners/{PARTNER_ID}/deactivate").status_code == 403
    assert db_session.execute(select(ExchangePartner.organ_id)).scalars().all() == [PARTNER_ID]


def test_a_partner_form_without_csrf_is_refused(client, ward: Ward) -> None:
    client.login(ward.admin)
    response = client.post("/exchange/partners", {"organ_id": "000.00.03.H99",
                                                  "trust_root": (io.BytesIO(ward.partner.root_pem), "root.pem")},
                           csrf=False, content_type="multipart/form-data")
    assert response.status_code == 400


@pytest.mark.parametrize("role", [Role.ADMIN, Role.LEADER, Role.OFFICIAL, Role.AUDITOR])
def test_only_the_clerk_opens_the_received_documents(client, ward: Ward, make_user, role) -> None:
    client.login(make_user(role))
    assert client.get("/exchange/received").status_code == 403


def test_the_clerk_registers_a_received_document_from_the_page(client, ward: Ward, db_session) -> None:
    received = ward.receive(ward.partner.seal(ward.partner.edoc(pdf_bytes("web"))))
    client.login(ward.clerk)
    page = client.get("/exchange/received").get_data(as_text=True)
    assert "Về việc phối hợp thử nghiệm" in page and f'data-inbox-id="{received.inbox_id}"' in page
    assert client.get(f"/exchange/received/{received.inbox_id}/file").data.startswith(b"%PDF")
    response = client.post(f"/exchange/received/{received.inbox_id}/register",
                           {"department_id": str(ward.clerk.department_id)})
    assert response.status_code == 302 and "/documents/" in response.headers["Location"]
    inbox = db_session.get(ExchangeInbox, received.inbox_id)
    db_session.refresh(inbox)
    assert inbox.state == InboxState.REGISTERED and inbox.document_id


def test_the_clerk_returns_a_received_document_with_a_reason(client, ward: Ward, db_session) -> None:
    received = ward.receive(ward.partner.seal(ward.partner.edoc(pdf_bytes("web-return"))))
    client.login(ward.clerk)
    response = client.post(f"/exchange/received/{received.inbox_id}/return", {"reason": "Gửi nhầm"})
    assert response.status_code == 302
    inbox = db_session.get(ExchangeInbox, received.inbox_id)
    db_session.refresh(inbox)
    assert (inbox.state, inbox.reason) == (InboxState.RETURNED, "Gửi nhầm")


def test_r38_the_received_copy_shows_the_senders_recall_request(client, ward: Ward) -> None:
    from docflow.services.exchange import inbox as inbox_service
    message = ward.partner.edoc(pdf_bytes("web-recall"))
    received = ward.receive(ward.partner.seal(message))
    document = inbox_service.register_received(ward.session, actor=ward.clerk, inbox_id=received.inbox_id,
                                               settings=ward.settings, store=ward.store, now=ward.now).document
    client.login(ward.clerk)
    assert 'data-testid="recall-request"' not in client.get(f"/incoming/{document.id}").get_data(as_text=True)
    ward.receive(ward.partner.seal(ward.partner.revocation(message.document_id, "Ban hành nhầm")))
    page = client.get(f"/incoming/{document.id}").get_data(as_text=True)
    assert 'data-testid="recall-request"' in page and "Ban hành nhầm" in page

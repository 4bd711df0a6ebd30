"""An outgoing document whose recipients name one partner twice (by its organ id and by its name) is sent to it
once: before, two messages with the same document id went out, the partner refused the second as received
already, and its status messages matched two deliveries, so taking one in failed (a 500 the partner retried)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from docflow.exchange import Kind, Status
from docflow.models import ExchangeDelivery, ExchangeMessage, utc_now
from docflow.services.exchange import partners
from docflow.services.exchange.receive import receive_message
from docflow.signing.base import CertificateKind
from tests.exchange.partner import OUR_ID, PARTNER_ID, PARTNER_NAME, Partner
from tests.services.outgoing.test_outgoing import Ward, _issue, _signed, ward  # noqa: F401 - the fixture


def test_r49_two_lines_for_one_partner_send_one_message_and_its_status_is_taken_in(
        db_session: Any, store: Any, ward: Ward, signing_settings: Any, issue_cert: Any, test_pki: Any) -> None:
    org = ward.clerk.organisation
    org.organ_id = OUR_ID
    issue_cert(None, CertificateKind.SYSTEM)
    partners.add_partner(db_session, organisation=org, organ_id=PARTNER_ID, trust_root=Partner(test_pki).root_pem,
                         actor=None, now=utc_now(), name=PARTNER_NAME)
    document = _signed(db_session, signing_settings, store, ward,
                       external=[f"{PARTNER_NAME} ({PARTNER_ID})", PARTNER_NAME.upper()])
    issued = _issue(db_session, signing_settings, store, document, ward.clerk)
    edocs = db_session.execute(select(ExchangeMessage).where(ExchangeMessage.direction == "out",
                                                            ExchangeMessage.kind == Kind.EDOC)).scalars().all()
    delivery = db_session.execute(select(ExchangeDelivery)).scalar_one()
    assert len(edocs) == 1 and edocs[0].recipient_id == delivery.recipient_id
    status = Partner(test_pki).status(delivery.document_ref, Status.ACCEPTED)
    received = receive_message(db_session, organisation=org, data=Partner(test_pki).seal(status),
                               settings=signing_settings, store=store, now=utc_now())
    assert received.document_id == issued.id and delivery.status_code == Status.ACCEPTED

"""R49 on the outgoing page: a partner recipient shows "electronically", awaiting delivery, then the status the
partner sent back; a plain external name shows it was not sent electronically."""

from __future__ import annotations

from docflow.exchange import Status
from tests.services.exchange.test_sending import TO_PARTNER, sent, status_from_partner  # noqa: F401 - fixture
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the fixture



def test_r49_the_outgoing_page_shows_each_recipients_exchange_status(client, ward, sent, test_pki, store,
                                                                    signing_settings, db_session) -> None:
    client.login(ward.clerk)
    page = client.get(f"/outgoing/{sent.id}").get_data(as_text=True)
    assert 'data-testid="exchange-status"' in page
    status_from_partner(db_session, sent, test_pki, store, signing_settings, Status.ACCEPTED)
    page = client.get(f"/outgoing/{sent.id}").get_data(as_text=True)
    recipient = page.split(TO_PARTNER, 1)[1].split("</li>", 1)[0]
    assert "exchange-status" in recipient
    plain = page.split("Sở Tư pháp tỉnh Bắc Ninh", 1)[1].split("</li>", 1)[0]
    assert "exchange-status" not in plain

"""/api/v1/exchange/<id>/recipients and /api/v1/outgoing/<id>: a partner recipient is "pending" until the
transport confirms delivery, and shows the last status the partner sent back (R49, R66)."""

from __future__ import annotations

from docflow.exchange import Status
from docflow.models import utc_now
from docflow.services.exchange import outbox
from tests.api.helpers import api_as, make_api_client  # noqa: F401 - fixtures
from tests.exchange.partner import PARTNER_ID
from tests.services.exchange.test_sending import TO_PARTNER, sent, status_from_partner  # noqa: F401 - fixture
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - fixture


def _by_name(body: dict) -> dict:
    return {r["name"]: r for r in body["items"]}


def test_r49_the_api_shows_a_partner_recipient_pending_then_sent_then_the_partners_status(
        api_as, db_session, sent, ward, test_pki, store, signing_settings) -> None:
    caller = api_as(ward.clerk)
    before = _by_name(caller.get(f"/api/v1/exchange/{sent.id}/recipients").get_json())
    assert before[TO_PARTNER]["status"] == "pending"
    assert before[TO_PARTNER]["exchange"]["partner_organ_id"] == PARTNER_ID
    assert before[TO_PARTNER]["exchange"]["status_code"] is None
    assert before["Sở Tư pháp tỉnh Bắc Ninh"]["exchange"] is None          # on paper: nothing transmitted

    while (item := outbox.claim_next(db_session, settings=signing_settings.exchange, sender="test",
                                     now=utc_now())) is not None:   # as the sender does once the partner said yes
        outbox.mark_delivered(db_session, item_id=item.id, sender="test", now=utc_now())
    for code in (Status.RECEIVED, Status.ACCEPTED, Status.ASSIGNED):
        status_from_partner(db_session, sent, test_pki, store, signing_settings, code)

    after = _by_name(caller.get(f"/api/v1/exchange/{sent.id}/recipients").get_json())
    assert after[TO_PARTNER]["status"] == "sent" and after[TO_PARTNER]["sent_at"]
    assert after[TO_PARTNER]["exchange"]["status_code"] == Status.ASSIGNED
    outgoing = caller.get(f"/api/v1/outgoing/{sent.id}").get_json()
    assert {r["name"]: (r["exchange"] or {}).get("status_code") for r in outgoing["recipients"]
            if r["external"]} == {TO_PARTNER: Status.ASSIGNED, "Sở Tư pháp tỉnh Bắc Ninh": None}

"""Liên thông → Hộp thư đi: the clerk, the auditor and the administrator see the ward's outbox; the clerk or
the administrator queues a refused message again; nobody else, and never another ward's message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from docflow.config_exchange import ExchangeSettings
from docflow.models import Organisation, OutboxStatus, Role
from docflow.services.exchange import outbox

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _refused(db_session: Session, organisation_id: int) -> Any:
    item = outbox.enqueue(db_session, organisation_id=organisation_id, partner_organ_id="000.00.02.H99",
                          message=b"<edXML/>", kind="edoc", recipient_id=None, now=NOW)
    outbox.claim_next(db_session, settings=ExchangeSettings(), sender="t", now=NOW)
    outbox.mark_refused(db_session, item_id=item.id, sender="t", error="HTTP 403: unknown sender", now=NOW)
    return item


def test_the_clerk_sees_each_message_with_its_status_and_last_error(client: Any, db_session: Session, org: Any,
                                                                    make_user: Any) -> None:
    item = _refused(db_session, org.id)
    client.login(make_user(Role.CLERK))
    page = client.get("/exchange/outbox/").get_data(as_text=True)
    assert 'data-status="rejected"' in page and "HTTP 403: unknown sender" in page and "000.00.02.H99" in page
    assert f"/exchange/outbox/{item.id}/requeue" in page
    assert 'data-nav="outbox"' in page


def test_the_auditor_reads_the_outbox_but_cannot_requeue(client: Any, db_session: Session, org: Any,
                                                         make_user: Any) -> None:
    item = _refused(db_session, org.id)
    client.login(make_user(Role.AUDITOR))
    page = client.get("/exchange/outbox/").get_data(as_text=True)
    assert 'data-status="rejected"' in page and "/requeue" not in page
    assert client.post(f"/exchange/outbox/{item.id}/requeue").status_code == 403
    assert item.status is OutboxStatus.REJECTED


def test_an_official_sees_no_outbox(client: Any, db_session: Session, org: Any, make_user: Any) -> None:
    client.login(make_user(Role.OFFICIAL))
    response = client.get("/exchange/outbox/")
    assert response.status_code == 403 and 'data-nav="outbox"' not in response.get_data(as_text=True)


def test_the_clerk_queues_a_refused_message_again_but_not_another_wards(client: Any, db_session: Session, org: Any,
                                                                        make_user: Any) -> None:
    ours = _refused(db_session, org.id)
    other = Organisation(name="UBND phường Khác", code="UBNDK")
    db_session.add(other)
    db_session.flush()
    theirs = _refused(db_session, other.id)
    client.login(make_user(Role.CLERK))
    assert client.post(f"/exchange/outbox/{ours.id}/requeue").status_code == 302
    db_session.refresh(ours)
    assert ours.status is OutboxStatus.PENDING
    assert client.post(f"/exchange/outbox/{theirs.id}/requeue").status_code == 404
    assert client.post(f"/exchange/outbox/{ours.id}/requeue", csrf=False).status_code == 400
    db_session.refresh(theirs)
    assert theirs.status is OutboxStatus.REJECTED

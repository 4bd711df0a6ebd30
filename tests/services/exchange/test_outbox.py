"""The outbox: messages kept in the transaction that made them, claimed by one sender at a time, retried
with back-off, and a recipient "sent" only when the partner confirmed (issue 15 §1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config_exchange import ExchangeSettings
from docflow.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import AuditEvent, DocumentKind, OutboxStatus, Recipient
from docflow.services.exchange import outbox

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
PARTNER = "000.00.02.H99"
SETTINGS = ExchangeSettings(retry_first_seconds=30, retry_max_seconds=3600, stale_minutes=10)


def _recipient(db_session: Session, make_user: Any, make_document: Any) -> Recipient:
    clerk = make_user("clerk")
    document = make_document(clerk, kind=DocumentKind.OUTGOING)
    recipient = Recipient(document_id=document.id, external_name="UBND phường Bên Kia")
    db_session.add(recipient)
    db_session.flush()
    return recipient


def _enqueue(db_session: Session, org: Any, recipient_id: int | None = None, kind: str = "edoc") -> Any:
    return outbox.enqueue(db_session, organisation_id=org.id, partner_organ_id=PARTNER, message=b"<edXML/>",
                          kind=kind, recipient_id=recipient_id, now=NOW)


def test_a_message_is_kept_due_at_once_with_its_digest(db_session: Session, org: Any) -> None:
    item = _enqueue(db_session, org)
    assert item.status is OutboxStatus.PENDING and item.next_attempt_at == NOW and item.attempts == 0
    assert len(item.sha256) == 64 and item.message == b"<edXML/>"


@pytest.mark.parametrize("change", [{"message": b""}, {"kind": "letter"}, {"partner_organ_id": " "},
                                    {"partner_organ_id": "000.00.02.H99.X"}])
def test_an_empty_unknown_or_unaddressed_message_is_refused(db_session: Session, org: Any,
                                                           change: dict[str, Any]) -> None:
    fields: dict[str, Any] = {"organisation_id": org.id, "partner_organ_id": PARTNER, "message": b"<x/>",
                              "kind": "status", "recipient_id": None, "now": NOW} | change
    with pytest.raises(ValidationError):
        outbox.enqueue(db_session, **fields)


def test_one_claim_takes_an_item_and_a_second_sender_finds_nothing(db_session: Session, org: Any) -> None:
    item = _enqueue(db_session, org)
    first = outbox.claim_next(db_session, settings=SETTINGS, sender="a", now=NOW)
    second = outbox.claim_next(db_session, settings=SETTINGS, sender="b", now=NOW)
    assert first is not None and first.id == item.id and first.claimed_by == "a" and first.attempts == 1
    assert first.status is OutboxStatus.SENDING
    assert second is None


def test_a_claim_whose_sender_went_silent_is_taken_over_after_stale_minutes(db_session: Session, org: Any) -> None:
    _enqueue(db_session, org)
    assert outbox.claim_next(db_session, settings=SETTINGS, sender="a", now=NOW) is not None
    assert outbox.claim_next(db_session, settings=SETTINGS, sender="b", now=NOW + timedelta(minutes=9)) is None
    taken = outbox.claim_next(db_session, settings=SETTINGS, sender="b", now=NOW + timedelta(minutes=11))
    assert taken is not None and taken.claimed_by == "b" and taken.attempts == 2
    # the silent sender's late answer no longer counts
    assert outbox.mark_delivered(db_session, item_id=taken.id, sender="a", now=NOW) is None
    assert taken.status is OutboxStatus.SENDING


def test_failures_push_the_next_attempt_further_each_time(db_session: Session, org: Any) -> None:
    item = _enqueue(db_session, org)
    now, waits = NOW, []
    for _ in range(4):
        claimed = outbox.claim_next(db_session, settings=SETTINGS, sender="a", now=now)
        assert claimed is not None
        failed = outbox.mark_failed(db_session, item_id=item.id, sender="a", error="Connection refused",
                                    settings=SETTINGS, now=now)
        assert failed is not None and failed.status is OutboxStatus.PENDING
        waits.append(failed.next_attempt_at - now)
        assert outbox.claim_next(db_session, settings=SETTINGS, sender="a", now=now) is None
        now = failed.next_attempt_at
    assert waits == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert item.last_error == "Connection refused" and item.attempts == 4


def test_r49_the_recipient_is_sent_only_when_the_partner_confirms(db_session: Session, org: Any, make_user: Any,
                                                                 make_document: Any) -> None:
    recipient = _recipient(db_session, make_user, make_document)
    item = _enqueue(db_session, org, recipient_id=recipient.id)
    assert recipient.sent_at is None
    outbox.claim_next(db_session, settings=SETTINGS, sender="a", now=NOW)
    outbox.mark_failed(db_session, item_id=item.id, sender="a", error="down", settings=SETTINGS, now=NOW)
    assert recipient.sent_at is None
    later = NOW + timedelta(minutes=5)
    outbox.claim_next(db_session, settings=SETTINGS, sender="a", now=later)
    delivered = outbox.mark_delivered(db_session, item_id=item.id, sender="a", now=later)
    assert delivered is not None and delivered.status is OutboxStatus.DELIVERED and delivered.delivered_at == later
    db_session.refresh(recipient)
    assert recipient.sent_at == later
    event = db_session.execute(select(AuditEvent).where(AuditEvent.action == "exchange.delivered")
                               .order_by(AuditEvent.seq.desc())).scalars().first()
    assert event is not None and event.object_id == str(item.id)
    assert event.details["recipient_id"] == recipient.id and event.details["partner"] == PARTNER


def test_a_refusal_is_final_until_queued_again_by_hand(db_session: Session, org: Any, make_user: Any) -> None:
    item = _enqueue(db_session, org)
    outbox.claim_next(db_session, settings=SETTINGS, sender="a", now=NOW)
    outbox.mark_refused(db_session, item_id=item.id, sender="a", error="HTTP 403: unknown sender", now=NOW)
    assert item.status is OutboxStatus.REJECTED
    assert outbox.claim_next(db_session, settings=SETTINGS, sender="a", now=NOW + timedelta(days=30)) is None
    admin = make_user("admin")
    outbox.requeue(db_session, organisation_id=org.id, item_id=item.id, actor=admin, now=NOW + timedelta(hours=1))
    assert outbox.claim_next(db_session, settings=SETTINGS, sender="a", now=NOW + timedelta(hours=1)) is not None
    with pytest.raises(InvalidTransitionError):
        outbox.requeue(db_session, organisation_id=org.id, item_id=item.id, actor=admin, now=NOW)
    with pytest.raises(NotFoundError):
        outbox.requeue(db_session, organisation_id=org.id, item_id=item.id + 1000, actor=admin, now=NOW)
    with pytest.raises(PermissionDeniedError):
        outbox.requeue(db_session, organisation_id=org.id, item_id=item.id, actor=make_user("official"), now=NOW)


def test_the_ward_sees_its_outbox_newest_first(db_session: Session, org: Any) -> None:
    first, second = _enqueue(db_session, org), _enqueue(db_session, org, kind="status")
    listed = outbox.list_items(db_session, organisation_id=org.id)
    assert [i.id for i in listed][:2] == [second.id, first.id]
    assert outbox.list_items(db_session, organisation_id=org.id, status=OutboxStatus.DELIVERED) == []

"""The sender over real HTTPS with mutual TLS: a receiver that is down keeps the message with a growing
wait, and it is delivered (and its recipient "sent") once the receiver is up; the folder transport writes
whole files (issue 15 §1: retries with back-off, nothing lost if the receiver is down)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from docflow.config_exchange import ExchangeSettings
from docflow.models import DocumentKind, OutboxStatus, Recipient
from docflow.services.exchange import outbox
from docflow.services.exchange.ports import PartnerEndpoint, PartnerRoot
from docflow.services.exchange.sender import send_due
from docflow.services.exchange.transport import Outcome
from tests.exchangetls import make_ward_tls
from tests.services.exchange.helpers import MemoryDirectory, Recorder, free_port, running_endpoint, savepoint

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
A, B = "000.00.01.H99", "000.00.02.H99"


@pytest.fixture(scope="module")
def wards(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("tls")
    return make_ward_tls(folder / "a", "Ward A"), make_ward_tls(folder / "b", "Ward B")


def _recipient(db_session: Session, make_user: Any, make_document: Any) -> Recipient:
    document = make_document(make_user("clerk"), kind=DocumentKind.OUTGOING)
    recipient = Recipient(document_id=document.id, external_name="UBND phường B")
    db_session.add(recipient)
    db_session.flush()
    return recipient


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_receiver_that_is_down_keeps_the_message_waiting_longer_each_time_then_gets_it(
        db_session: Session, org: Any, make_user: Any, make_document: Any, wards: Any) -> None:
    ward_a, ward_b = wards
    recipient = _recipient(db_session, make_user, make_document)
    item = outbox.enqueue(db_session, organisation_id=org.id, partner_organ_id=B, message=b"<edXML>1</edXML>",
                          kind="edoc", recipient_id=recipient.id, now=NOW)
    port = free_port()
    directory = MemoryDirectory({B: PartnerEndpoint(B, f"https://127.0.0.1:{port}/edxml", ward_b.root_pem)})
    settings = ExchangeSettings(client_cert=ward_a.client.cert, client_key=ward_a.client.key,
                                retry_first_seconds=30, timeout_seconds=5)
    clock, waits = Clock(NOW), []
    for _ in range(3):
        sent = send_due(savepoint(db_session), settings=settings, directory=directory, clock=clock)
        assert [(s.item_id, s.outcome) for s in sent] == [(item.id, Outcome.RETRY)]
        assert "ConnectionError" in sent[0].detail
        db_session.refresh(item)
        waits.append((item.next_attempt_at - clock.now).total_seconds())
        assert send_due(savepoint(db_session), settings=settings, directory=directory, clock=clock) == []
        clock.now = item.next_attempt_at
    assert waits == [30, 60, 120] and item.status is OutboxStatus.PENDING and recipient.sent_at is None

    recorder = Recorder(sender=A)
    with running_endpoint(ward_b, [PartnerRoot(A, ward_a.root_pem)], recorder, port=port):
        sent = send_due(savepoint(db_session), settings=settings, directory=directory, clock=clock)
    assert [(s.item_id, s.outcome) for s in sent] == [(item.id, Outcome.DELIVERED)]
    assert recorder.got == [(b"<edXML>1</edXML>", frozenset({A}))]
    db_session.refresh(item)
    db_session.refresh(recipient)
    assert item.status is OutboxStatus.DELIVERED and item.attempts == 4 and recipient.sent_at == clock.now


def test_a_partner_refusal_is_not_retried(db_session: Session, org: Any, wards: Any) -> None:
    ward_a, ward_b = wards
    item = outbox.enqueue(db_session, organisation_id=org.id, partner_organ_id=B, message=b"<edXML/>",
                          kind="status", recipient_id=None, now=NOW)
    settings = ExchangeSettings(client_cert=ward_a.client.cert, client_key=ward_a.client.key, timeout_seconds=5)
    with running_endpoint(ward_b, [PartnerRoot(A, ward_a.root_pem)], Recorder(status=403)) as (url, _server):
        directory = MemoryDirectory({B: PartnerEndpoint(B, url, ward_b.root_pem)})
        sent = send_due(savepoint(db_session), settings=settings, directory=directory, clock=lambda: NOW)
    assert [s.outcome for s in sent] == [Outcome.REFUSED]
    db_session.refresh(item)
    assert item.status is OutboxStatus.REJECTED and item.last_error.startswith("HTTP 403")


def test_the_sender_refuses_a_server_that_does_not_chain_to_the_partners_registered_root(
        db_session: Session, org: Any, wards: Any) -> None:
    ward_a, ward_b = wards
    item = outbox.enqueue(db_session, organisation_id=org.id, partner_organ_id=B, message=b"<edXML/>",
                          kind="status", recipient_id=None, now=NOW)
    settings = ExchangeSettings(client_cert=ward_a.client.cert, client_key=ward_a.client.key, timeout_seconds=5)
    recorder = Recorder(sender=A)
    # ward A's own server answers at B's address: it does not chain to B's registered root
    with running_endpoint(ward_a, [PartnerRoot(A, ward_a.root_pem)], recorder) as (url, _server):
        directory = MemoryDirectory({B: PartnerEndpoint(B, url, ward_b.root_pem)})
        sent = send_due(savepoint(db_session), settings=settings, directory=directory, clock=lambda: NOW)
    assert [s.outcome for s in sent] == [Outcome.RETRY] and "SSLError" in sent[0].detail
    assert recorder.got == []
    db_session.refresh(item)
    assert item.status is OutboxStatus.PENDING


def test_no_registered_partner_and_a_plain_http_url_wait_and_say_why(db_session: Session, org: Any) -> None:
    outbox.enqueue(db_session, organisation_id=org.id, partner_organ_id=B, message=b"<a/>", kind="status",
                   recipient_id=None, now=NOW)
    outbox.enqueue(db_session, organisation_id=org.id, partner_organ_id="000.00.03.H99", message=b"<b/>",
                   kind="status", recipient_id=None, now=NOW)
    directory = MemoryDirectory({B: PartnerEndpoint(B, "http://127.0.0.1:1/edxml", b"")})
    sent = send_due(savepoint(db_session), settings=ExchangeSettings(), directory=directory, clock=lambda: NOW)
    details = sorted(s.detail for s in sent)
    assert [s.outcome for s in sent] == [Outcome.RETRY, Outcome.RETRY]
    assert "no active partner 000.00.03.H99" in details[0] and "only https:// or folder:" in details[1]


def test_the_folder_transport_writes_each_message_whole_and_counts_it_delivered(
        db_session: Session, org: Any, make_user: Any, make_document: Any, tmp_path: Path) -> None:
    recipient = _recipient(db_session, make_user, make_document)
    item = outbox.enqueue(db_session, organisation_id=org.id, partner_organ_id=B, message=b"<edXML>2</edXML>",
                          kind="edoc", recipient_id=recipient.id, now=NOW)
    out = tmp_path / "to-b"
    directory = MemoryDirectory({B: PartnerEndpoint(B, f"folder:{out}", b"")})
    sent = send_due(savepoint(db_session), settings=ExchangeSettings(), directory=directory, clock=lambda: NOW)
    assert [s.outcome for s in sent] == [Outcome.DELIVERED]
    files = list(out.iterdir())
    assert len(files) == 1 and files[0].suffix == ".edxml" and files[0].read_bytes() == b"<edXML>2</edXML>"
    db_session.refresh(recipient)
    assert recipient.sent_at == NOW and item.status is OutboxStatus.DELIVERED

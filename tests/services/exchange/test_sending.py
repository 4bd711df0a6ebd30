"""The sender's side (R49, R38): an issued document goes to each partner recipient as a signed edXML message
(not marked "sent" until the transport confirms), the partner's status messages show on our recipient, and a
recall sends each partner a revocation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from docflow import exchange
from docflow.errors import ValidationError
from docflow.exchange import Kind, Status
from docflow.models import ExchangeDelivery, ExchangeMessage, OutboxItem, utc_now
from docflow.services import outgoing
from docflow.services.exchange import partners
from docflow.services.exchange.export import export_document
from docflow.services.exchange.receive import receive_message
from docflow.services.keys import root_certificates_pem
from docflow.signing.base import CertificateKind
from tests.exchange.partner import OUR_ID, PARTNER_ID, PARTNER_NAME, Partner
from tests.services.outgoing.test_outgoing import Ward, _issue, _signed, ward  # noqa: F401 - the fixture

TO_PARTNER = f"{PARTNER_NAME} ({PARTNER_ID})"


@pytest.fixture
def sent(db_session, store, ward: Ward, signing_settings, issue_cert, test_pki) -> Any:
    """An issued decision for the culture department, a partner ward and a plain external body."""
    org = ward.clerk.organisation
    org.organ_id = OUR_ID
    issue_cert(None, CertificateKind.SYSTEM)
    partners.add_partner(db_session, organisation=org, organ_id=PARTNER_ID, trust_root=Partner(test_pki).root_pem,
                         actor=None, now=utc_now(), name=PARTNER_NAME)
    document = _signed(db_session, signing_settings, store, ward, external=[TO_PARTNER, "Sở Tư pháp tỉnh Bắc Ninh"])
    return _issue(db_session, signing_settings, store, document, ward.clerk)


def out_messages(db_session, kind: str) -> list[ExchangeMessage]:
    return list(db_session.execute(select(ExchangeMessage).where(ExchangeMessage.direction == "out",
                                                                 ExchangeMessage.kind == kind)).scalars())


def test_r49_a_partner_recipient_is_sent_the_document_and_not_marked_sent_before_the_transport(db_session, sent,
                                                                                               test_pki) -> None:
    recipients = {r.external_name: r for r in outgoing.recipients_of(db_session, sent.id) if r.department_id is None}
    assert recipients[TO_PARTNER].sent_at is None
    assert recipients["Sở Tư pháp tỉnh Bắc Ninh"].sent_at is not None    # on paper, as before
    [edoc] = out_messages(db_session, Kind.EDOC)
    assert edoc.recipient_id == recipients[TO_PARTNER].id and edoc.partner_organ_id == PARTNER_ID
    delivery = db_session.execute(select(ExchangeDelivery)).scalar_one()
    assert delivery.document_ref == f"{OUR_ID},{sent.document_date:%Y/%m/%d},{sent.number_symbol}"


def test_r65_the_partner_verifies_our_message_against_our_root_and_reads_the_issued_pdf(db_session, sent, store,
                                                                                        signing_settings) -> None:
    item = db_session.execute(select(OutboxItem).where(OutboxItem.kind == Kind.EDOC)).scalar_one()
    our_root = root_certificates_pem(signing_settings)[-1]
    opened = exchange.open_message(item.message, root_for={OUR_ID: our_root}.get, moment=utc_now())
    assert opened.message.header.subject == sent.summary
    assert opened.message.attachments[0].data == store.read(sent.current_version.sha256)


def status_from_partner(db_session, sent, test_pki, store, settings, code: str, reason: str = "") -> Any:
    delivery = db_session.execute(select(ExchangeDelivery)).scalar_one()
    message = Partner(test_pki).status(delivery.document_ref, code, description=reason)
    return receive_message(db_session, organisation=sent.organisation, data=Partner(test_pki).seal(message),
                           settings=settings, store=store, now=utc_now())


def test_r49_the_partners_status_messages_show_on_our_recipient(db_session, sent, test_pki, store,
                                                                signing_settings) -> None:
    for code in (Status.RECEIVED, Status.ACCEPTED, Status.ASSIGNED):
        received = status_from_partner(db_session, sent, test_pki, store, signing_settings, code)
    assert received.document_id == sent.id
    delivery = db_session.execute(select(ExchangeDelivery)).scalar_one()
    assert (delivery.status_code, delivery.status_at is not None) == (Status.ASSIGNED, True)
    history = db_session.execute(select(ExchangeMessage.status_code).where(
        ExchangeMessage.direction == "in", ExchangeMessage.recipient_id == delivery.recipient_id)
        .order_by(ExchangeMessage.id)).scalars().all()
    assert history == ["01", "03", "04"]


def test_a_status_about_a_document_never_sent_to_that_partner_is_refused(db_session, sent, test_pki, store,
                                                                        signing_settings) -> None:
    message = Partner(test_pki).status(f"{OUR_ID},2026/01/02,99/QĐ-UBND", Status.ACCEPTED)
    with pytest.raises(ValidationError, match="did not send"):
        receive_message(db_session, organisation=sent.organisation, data=Partner(test_pki).seal(message),
                        settings=signing_settings, store=store, now=utc_now())


def test_r38_a_recall_sends_each_partner_a_revocation_and_shows_its_answer(db_session, sent, ward, test_pki, store,
                                                                          signing_settings) -> None:
    outgoing.recall_document(db_session, actor=ward.leader, document_id=sent.id, reason="Ban hành sai thẩm quyền",
                             settings=signing_settings)
    [revocation] = out_messages(db_session, Kind.REVOCATION)
    assert revocation.description == "Ban hành sai thẩm quyền"
    delivery = db_session.execute(select(ExchangeDelivery)).scalar_one()
    assert delivery.status_code == Status.RECALL_REQUESTED
    status_from_partner(db_session, sent, test_pki, store, signing_settings, Status.RECALL_AGREED)
    assert delivery.status_code == Status.RECALL_AGREED


def test_a_replacement_issued_to_the_same_partner_goes_as_a_replacement_message(db_session, sent, ward, store,
                                                                               signing_settings) -> None:
    replacement = _signed(db_session, signing_settings, store, ward, external=[TO_PARTNER],
                          related_document_id=sent.id, relation="replaces")
    _issue(db_session, signing_settings, store, replacement, ward.clerk)
    [message] = out_messages(db_session, Kind.REPLACEMENT)
    item = db_session.execute(select(OutboxItem).where(OutboxItem.kind == Kind.REPLACEMENT)).scalar_one()
    our_root = root_certificates_pem(signing_settings)[-1]
    opened = exchange.open_message(item.message, root_for={OUR_ID: our_root}.get, moment=utc_now()).message
    assert opened.related_document_id == f"{OUR_ID},{sent.document_date:%Y/%m/%d},{sent.number_symbol}"
    assert message.document_ref == opened.document_id != opened.related_document_id


def test_a_partner_recipient_is_sent_only_when_the_transport_confirms_delivery(db_session, sent,
                                                                              signing_settings) -> None:
    from docflow.services.exchange import outbox
    recipient = next(r for r in outgoing.recipients_of(db_session, sent.id) if r.external_name == TO_PARTNER)
    item = db_session.execute(select(OutboxItem).where(OutboxItem.kind == Kind.EDOC)).scalar_one()
    assert (item.recipient_id, item.partner_organ_id, recipient.sent_at) == (recipient.id, PARTNER_ID, None)
    claimed = outbox.claim_next(db_session, settings=signing_settings.exchange, sender="test", now=utc_now())
    while claimed is not None and claimed.id != item.id:
        outbox.mark_delivered(db_session, item_id=claimed.id, sender="test", now=utc_now())
        claimed = outbox.claim_next(db_session, settings=signing_settings.exchange, sender="test", now=utc_now())
    assert claimed is not None and recipient.sent_at is None
    outbox.mark_delivered(db_session, item_id=item.id, sender="test", now=utc_now())
    assert recipient.sent_at is not None


def test_r49_a_document_exported_by_file_to_a_partner_takes_the_partners_statuses(db_session, ward, test_pki, store,
                                                                                 signing_settings, issue_cert) -> None:
    org = ward.clerk.organisation
    org.organ_id = OUR_ID
    issue_cert(None, CertificateKind.SYSTEM)
    partners.add_partner(db_session, organisation=org, organ_id=PARTNER_ID, trust_root=Partner(test_pki).root_pem,
                         actor=None, now=utc_now(), name=PARTNER_NAME)
    document = _issue(db_session, signing_settings, store,
                      _signed(db_session, signing_settings, store, ward, external=["Sở Tư pháp tỉnh Bắc Ninh"]),
                      ward.clerk)
    for _ in range(2):       # carried by hand, twice: one recipient, one delivery
        export_document(db_session, actor=ward.clerk, document_id=document.id, to=PARTNER_ID,
                        settings=signing_settings, store=store, now=utc_now())
    [recipient] = [r for r in outgoing.recipients_of(db_session, document.id) if PARTNER_ID in r.external_name]
    assert recipient.sent_at is None          # a file written is not a file received
    status = Partner(test_pki).status(f"{OUR_ID},{document.document_date:%Y/%m/%d},{document.number_symbol}",
                                      Status.RECEIVED)
    receive_message(db_session, organisation=org, data=Partner(test_pki).seal(status), settings=signing_settings,
                    store=store, now=utc_now())
    delivery = db_session.execute(select(ExchangeDelivery)).scalar_one()
    assert (delivery.recipient_id, delivery.status_code) == (recipient.id, Status.RECEIVED)
    assert recipient.sent_at is not None      # the partner's 01 proves it has the document

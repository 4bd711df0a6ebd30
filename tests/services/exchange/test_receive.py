"""A document received from a partner: verified at once, awaiting the clerk, registered as any incoming document
(R42, R14), with its statuses back to the sender (R66)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from docflow.errors import DocflowError, PermissionDeniedError, ValidationError
from docflow.exchange import Kind, Status
from docflow.models import DocumentStatus, ExchangeInbox, ExchangeMessage, InboxState, OutboxItem, ReceiptSource
from docflow.services.exchange import inbox as inbox_service
from docflow.services.exchange.inbound import take_in
from docflow.services.exchange.receive import receive_message
from docflow.services.incoming import DuplicateIncomingError
from tests.conftest import pdf_bytes
from tests.exchange.partner import PARTNER_ID, Partner
from tests.services.exchange.helpers import savepoint
from tests.services.exchange.wards import Ward, altered, signed_pdf, ward  # noqa: F401 - fixtures



def sent(ward: Ward, code: str | None = None) -> list[ExchangeMessage]:
    query = select(ExchangeMessage).where(ExchangeMessage.direction == "out").order_by(ExchangeMessage.id)
    rows = list(ward.session.execute(query).scalars())
    return [r for r in rows if code is None or r.status_code == code]


def outbox_items(ward: Ward) -> list[Any]:
    return list(ward.session.execute(select(OutboxItem).order_by(OutboxItem.id)).scalars())


def test_r42_a_received_document_awaits_the_clerk_and_receipt_is_acknowledged_at_once(ward: Ward, signed_pdf) -> None:
    received = ward.receive(ward.partner.seal(ward.partner.edoc(signed_pdf)))
    assert (received.kind, received.sender_organ_id, received.document_id) == (Kind.EDOC, PARTNER_ID, None)
    assert received.valid is False          # intact, but the partner's root is not among the ward's PDF roots
    inbox = ward.session.get(ExchangeInbox, received.inbox_id)
    assert inbox.state == InboxState.AWAITING and ward.store.read(inbox.pdf_sha256) == signed_pdf
    [ack] = sent(ward, Status.RECEIVED)
    assert ack.partner_organ_id == PARTNER_ID and ack.document_ref == "000.00.02.H99,2026/12/05,15/QĐ-UBND"
    [item] = outbox_items(ward)
    assert item.kind == "status" and item.partner_organ_id == PARTNER_ID


def test_r42_a_pdf_altered_after_its_signature_is_refused_and_nothing_is_kept(ward: Ward, signed_pdf) -> None:
    with pytest.raises(ValidationError, match="altered"):
        ward.receive(ward.partner.seal(ward.partner.edoc(altered(signed_pdf))))


def test_the_same_message_twice_is_refused_as_a_duplicate(ward: Ward) -> None:
    data = ward.partner.seal(ward.partner.edoc(pdf_bytes("twice")))
    ward.receive(data)
    with pytest.raises(ValidationError, match="received already"):
        ward.receive(data)


def test_a_message_for_another_organ_is_refused(ward: Ward) -> None:
    with pytest.raises(ValidationError, match="another organ"):
        ward.receive(ward.partner.seal(ward.partner.edoc(pdf_bytes("elsewhere"), to="000.00.07.H99")))


def test_a_message_from_an_unknown_sender_is_refused(ward: Ward, test_pki) -> None:
    stranger = Partner(test_pki, organ_id="000.00.05.H99")
    with pytest.raises(PermissionDeniedError):
        ward.receive(stranger.seal(stranger.edoc(pdf_bytes("stranger"))))


def test_a_partners_message_signed_under_another_root_is_refused(ward: Ward, test_pki) -> None:
    impostor = Partner(test_pki, cert_name="lookalike")
    with pytest.raises(ValidationError, match="not trusted"):
        ward.receive(impostor.seal(impostor.edoc(pdf_bytes("impostor"))))


def register(ward: Ward, inbox_id: int, **kw: Any) -> Any:
    return inbox_service.register_received(ward.session, actor=ward.clerk, inbox_id=inbox_id, settings=ward.settings,
                                           store=ward.store, now=ward.now, **kw)


def test_r42_the_clerk_registers_a_received_document_with_its_incoming_number(ward: Ward, signed_pdf) -> None:
    received = ward.receive(ward.partner.seal(ward.partner.edoc(signed_pdf)))
    registration = register(ward, received.inbox_id)
    document = registration.document
    assert registration.number >= 1 and document.receipt_source == ReceiptSource.ELECTRONIC
    assert (document.number_symbol, document.issuing_body, document.doc_type) == (
        "15/QĐ-UBND", "UBND phường Bên Kia", "quyet_dinh")
    assert registration.report is not None and registration.report["signatures"][0]["intact"]
    assert ward.session.get(ExchangeInbox, received.inbox_id).document_id == document.id
    assert [m.status_code for m in sent(ward) if m.status_code] == [Status.RECEIVED, Status.ACCEPTED]


def test_r14_a_received_document_already_registered_on_paper_gets_the_duplicate_warning(ward: Ward,
                                                                                    make_document) -> None:
    make_document(ward.clerk, number_symbol="15/QĐ-UBND", issuing_body="UBND phường Bên Kia")
    received = ward.receive(ward.partner.seal(ward.partner.edoc(pdf_bytes("dup"))))
    with pytest.raises(DuplicateIncomingError):
        register(ward, received.inbox_id)
    assert register(ward, received.inbox_id, confirm_duplicate=True).duplicate_of


def test_r42_the_clerk_returns_a_misaddressed_document_with_a_reason(ward: Ward) -> None:
    received = ward.receive(ward.partner.seal(ward.partner.edoc(pdf_bytes("returned"))))
    with pytest.raises(ValidationError):
        inbox_service.return_to_sender(ward.session, actor=ward.clerk, inbox_id=received.inbox_id, reason=" ",
                                       settings=ward.settings, now=ward.now)
    inbox_service.return_to_sender(ward.session, actor=ward.clerk, inbox_id=received.inbox_id,
                                   reason="Gửi nhầm nơi nhận", settings=ward.settings, now=ward.now)
    [refusal] = sent(ward, Status.REFUSED)
    assert refusal.description == "Gửi nhầm nơi nhận"
    with pytest.raises(DocflowError):   # answered already: it can no longer be registered
        register(ward, received.inbox_id)


def test_r38_a_recall_request_is_agreed_and_the_copy_is_frozen(ward: Ward) -> None:
    message = ward.partner.edoc(pdf_bytes("recall"))
    received = ward.receive(ward.partner.seal(message))
    document = register(ward, received.inbox_id).document
    revocation = ward.partner.revocation(message.document_id, "Ban hành sai thẩm quyền")
    request = ward.receive(ward.partner.seal(revocation))
    assert request.kind == Kind.REVOCATION and request.document_id == document.id
    assert [i.id for i in inbox_service.awaiting(ward.session, actor=ward.clerk)] == [received.inbox_id]
    inbox_service.agree_recall(ward.session, actor=ward.clerk, inbox_id=received.inbox_id, settings=ward.settings,
                               now=ward.now)
    assert document.status is DocumentStatus.RECALLED and document.recalled_at is not None
    assert sent(ward, Status.RECALL_AGREED)


def test_r38_a_recall_request_is_refused_with_a_reason(ward: Ward) -> None:
    message = ward.partner.edoc(pdf_bytes("keep"))
    received = ward.receive(ward.partner.seal(message))
    document = register(ward, received.inbox_id).document
    ward.receive(ward.partner.seal(ward.partner.revocation(message.document_id, "Nhầm")))
    inbox_service.refuse_recall(ward.session, actor=ward.clerk, inbox_id=received.inbox_id,
                                reason="Đã tổ chức thực hiện", settings=ward.settings, now=ward.now)
    assert document.status is DocumentStatus.REGISTERED
    [refused] = sent(ward, Status.RECALL_REFUSED)
    assert refused.description == "Đã tổ chức thực hiện"


def test_a_replacement_links_the_new_copy_to_the_one_it_replaces(ward: Ward) -> None:
    first = ward.partner.edoc(pdf_bytes("first"))
    old = register(ward, ward.receive(ward.partner.seal(first)).inbox_id).document
    second = ward.partner.edoc(pdf_bytes("second"), number="16", kind=Kind.REPLACEMENT,
                               document_id="000.00.02.H99,2026/12/05,16/QĐ-UBND",
                               related_document_id=first.document_id)
    new = register(ward, ward.receive(ward.partner.seal(second)).inbox_id).document
    assert new.related_document_id == old.id and old.status is DocumentStatus.REPLACED


def test_an_update_changes_the_copys_metadata(ward: Ward) -> None:
    first = ward.partner.edoc(pdf_bytes("update"))
    document = register(ward, ward.receive(ward.partner.seal(first)).inbox_id).document
    update = ward.partner.edoc(b"", subject="Về việc phối hợp (sửa trích yếu)", kind=Kind.UPDATE, attachments=(),
                               document_id=first.document_id)
    ward.receive(ward.partner.seal(update))
    assert document.summary == "Về việc phối hợp (sửa trích yếu)" and "sua trich yeu" in document.search_text
    assert sent(ward, Status.RECALL_AGREED)     # 14: the update was applied


def test_a_redelivery_of_the_same_bytes_after_a_lost_answer_is_confirmed_again_and_keeps_nothing_new(ward: Ward) -> None:
    message = ward.partner.edoc(pdf_bytes("lost answer"))
    data = ward.partner.seal(message)

    def deliver(body: bytes, organs: frozenset[str] = frozenset({PARTNER_ID})) -> Any:
        return take_in(savepoint(ward.session), data=body, receive=receive_message, settings=ward.settings,
                       store=ward.store, tls_organs=organs)

    assert deliver(data).status == 200
    again = deliver(data)                 # the sender never heard the first "yes"
    assert (again.status, again.message) == (200, "received already")
    assert len(ward.session.execute(select(ExchangeInbox)).scalars().all()) == 1
    # the same message id with other content is a replay, refused for good; under another partner's
    # certificate even the same bytes are refused
    forged = ward.partner.seal(replace(message, header=replace(message.header, subject="Nội dung khác")))
    assert deliver(forged).status == 400
    assert deliver(data, frozenset({"000.00.09.H99"})).status == 403
    assert len(ward.session.execute(select(ExchangeInbox)).scalars().all()) == 1

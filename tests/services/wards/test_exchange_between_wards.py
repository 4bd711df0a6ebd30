"""Issue 16 §1: documents between two wards of the same deployment go through the same exchange as between
agencies (R49: the sender's outbox, an edXML message sealed by the sending ward's system key and verified
against the root the receiving ward registered for it). The shared inbox folder serves every ward: the
receiving side picks the ward by the message's To OrganId, so ward 3's clerk finds the document and the first
ward (and the sender) see nothing."""

from __future__ import annotations

import dataclasses
import io

from sqlalchemy import select

from docflow import wards
from docflow.models import Department, Document, Organisation, OutboxItem, Recipient, Role, User
from docflow.services.demo import DEMO_PIN, DEMO_WARDS, seed_demo_keys, seed_demo_ward
from docflow.services.demo.exchange import partner_demo_wards
from docflow.services.documents import UploadedFile
from docflow.services.exchange import inbox as exchange_inbox
from docflow.services.exchange.inbound import poll_inbox
from docflow.services.exchange.partners import DIRECTORY
from docflow.services.exchange.receive import receive_message
from docflow.services.exchange.sender import send_due
from docflow.services.formatcheck.settings import seed_warning_only
from docflow.services import outgoing
from docflow.services.outgoing import DraftDetails, draft_template_pdf, issuing
from tests.services.exchange.helpers import savepoint

SUMMARY = "Quyết định phối hợp tổ chức Ngày hội Đại đoàn kết liên phường"


def _ward(db_session, settings, store, number: int) -> Organisation:
    ward, _accounts = seed_demo_ward(db_session, settings=settings, ward=DEMO_WARDS[number - 1])
    with wards.acting_for(ward.id):
        seed_demo_keys(db_session, settings=settings, store=store, prefix=f"w{number}.")
        seed_warning_only(db_session, organisation_id=ward.id)
    return ward


def _user(db_session, username: str) -> User:
    return db_session.execute(select(User).where(User.username == username)).scalar_one()


def _issue_to(db_session, settings, store, sender: Organisation, receiver: Organisation) -> Document:
    """Ward 2's official drafts a decision for ward 3, the vice-chairman signs it, the clerk issues it."""
    drafter, signer = _user(db_session, "w2.chuyenvien.vp"), _user(db_session, "w2.phochutich1")
    external = [f"{receiver.name} ({receiver.organ_id})"]
    unit = db_session.execute(select(Department).where(Department.organisation_id == sender.id,
                                                       Department.code == "VP")).scalar_one()
    content = draft_template_pdf(organisation_name=sender.name, summary=SUMMARY, doc_type="quyet_dinh",
                                 details=DraftDetails(body_code=sender.code, unit=unit.code, external_recipients=external,
                                                      paragraphs=("Điều 1. Phối hợp tổ chức.",)))
    data = outgoing.DraftInput(doc_type="quyet_dinh", summary=SUMMARY, signer_id=signer.id,
                               external_recipients=external)
    document = outgoing.create_draft(db_session, actor=drafter, data=data, store=store, settings=settings,
                                     max_bytes=settings.max_upload_bytes,
                                     upload=UploadedFile(io.BytesIO(content), "du-thao.pdf"))
    outgoing.start_route(db_session, actor=drafter, document_id=document.id, store=store)
    while (step := outgoing.active_step(db_session, document.id)) is not None and step.kind.value == "review":
        outgoing.approve_step(db_session, actor=step.assignee, document_id=document.id, step_id=step.id,
                              settings=settings, store=store, initial_pin="")
    step = outgoing.active_step(db_session, document.id)
    outgoing.sign_step(db_session, actor=signer, settings=settings, store=store, document_id=document.id,
                       step_id=step.id, pin=DEMO_PIN, expected_version=None)
    issuing.issue_document(db_session, actor=_user(db_session, "w2.vanthu"), settings=settings, store=store,
                           document_id=document.id, pin=DEMO_PIN)
    return document


def test_r49_ward_2_sends_an_issued_decision_to_ward_3_and_only_ward_3s_clerk_gets_it(
        db_session, org, make_user, signing_settings, store, tmp_path):
    inbox = tmp_path / "inbox"
    settings = dataclasses.replace(signing_settings,
                                   exchange=dataclasses.replace(signing_settings.exchange, inbox_folder=inbox))
    first_clerk = make_user(Role.CLERK)
    two, three = _ward(db_session, settings, store, 2), _ward(db_session, settings, store, 3)
    assert partner_demo_wards(db_session, settings=settings, codes=[two.code, three.code]) == 2

    with wards.acting_for(two.id):
        document = _issue_to(db_session, settings, store, two, three)
    recipient = db_session.execute(select(Recipient).where(Recipient.document_id == document.id)).scalar_one()
    item = db_session.execute(select(OutboxItem).where(OutboxItem.recipient_id == recipient.id)).scalar_one()
    assert item.organisation_id == two.id and item.partner_organ_id == three.organ_id

    # the sender (`docflow exchange send`, unbound: it serves every ward) drops it in the shared folder ...
    sent = send_due(savepoint(db_session), settings=settings.exchange, directory=DIRECTORY)
    assert [(s.partner_organ_id, str(s.outcome)) for s in sent] == [(three.organ_id, "delivered")]
    # ... and the poller (unbound too) hands it to the ward it is addressed to
    taken = poll_inbox(savepoint(db_session), folder=inbox, receive=receive_message, settings=settings, store=store)
    assert [(inbound.status, inbound.sender_organ_id) for _name, inbound in taken] == [(200, two.organ_id)]

    (waiting,) = exchange_inbox.awaiting(db_session, actor=_user(db_session, "w3.vanthu"))
    assert waiting.partner_organ_id == two.organ_id and waiting.organisation_id == three.id
    assert exchange_inbox.awaiting(db_session, actor=_user(db_session, "w2.vanthu")) == []
    assert exchange_inbox.awaiting(db_session, actor=first_clerk) == []
    assert org.id not in {two.id, three.id}

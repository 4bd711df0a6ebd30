"""Issue 15, "Done when": two docflow wards exchange an issued decision and its status messages both ways,
through a recall. Each ward is its own instance (data folder, database, development CA, organ id), set up by
`docflow init --organ-id` and `docflow exchange tls`; they register each other as partners (each other's root,
each other's endpoint), and each runs `docflow exchange serve` as a separate process on 127.0.0.1. Every
message goes through the sender's outbox and `docflow exchange send` (a process too) over HTTPS with mutual
TLS; the users' steps are taken through each ward's services on its own database."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from docflow.models import (
    AssignmentRole,
    Department,
    Document,
    DocumentStatus,
    ExchangeDelivery,
    ExchangeMessage,
    OutboxItem,
    OutboxStatus,
    Recipient,
    utc_now,
)
from docflow.services import incoming, outgoing
from docflow.services.demo import DEMO_PIN, seed_demo, seed_demo_keys
from docflow.services.documents import UploadedFile
from docflow.services.exchange import inbox as exchange_inbox
from docflow.services.exchange import partners
from docflow.services.formatcheck.settings import seed_warning_only
from docflow.services.outgoing import DraftDetails, draft_template_pdf, issuing
from tests.exchange_e2e.instances import Instance, make_instance, open_app

A, B = "000.00.01.H99", "000.00.02.H99"
SUMMARY = "Quyết định khen thưởng tổ dân phố liên phường"


def _seed(ward: Instance) -> None:
    app = open_app(ward)
    with ward.transaction() as s:
        seed_demo(s, organisation_name=ward.name)
        seed_demo_keys(s, settings=app.extensions["docflow.settings"], store=app.extensions["docflow.store"])
        # the decision below is a short test page, not a full Annex I page: the format check only warns
        seed_warning_only(s, organisation_id=ward.organisation(s).id)
    ward.docflow("exchange", "tls", "--out", str(ward.folder / "tls"), "--host", "127.0.0.1")


def _trust(ward: Instance, other: Instance) -> None:
    root = (other.folder / "keys" / "ca" / "root.pem").read_bytes()
    with ward.transaction() as s:
        partners.add_partner(s, organisation=ward.organisation(s), organ_id=other.organ_id, trust_root=root,
                             actor=ward.user(s, "admin"), now=utc_now(), name=other.name, url=other.url)


@pytest.fixture(scope="module")
def wards(database_factory: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[tuple[Instance, Instance]]:
    folder = tmp_path_factory.mktemp("two-wards")
    a = make_instance(folder / "a", name="UBND phường Tích Sơn", organ_id=A, database_url=database_factory("ward_a"))
    b = make_instance(folder / "b", name="UBND phường Liên Bảo", organ_id=B, database_url=database_factory("ward_b"))
    try:
        for ward in (a, b):
            _seed(ward)
        _trust(a, b)
        _trust(b, a)
        for ward in (a, b):
            ward.start_server()
        yield a, b
    finally:
        for ward in (a, b):
            ward.stop_server()
            if ward.app is not None:
                ward.app.extensions["docflow.engine"].dispose()


def _send(ward: Instance) -> list[dict[str, Any]]:
    """`docflow exchange send --json` of ``ward``: what each attempt did."""
    out = ward.docflow("exchange", "send", "--json").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _issue_decision(a: Instance) -> tuple[int, int]:
    """Ward A's official drafts a decision for ward B, the vice-chairman signs it and the clerk issues it."""
    assert a.app is not None
    settings, store = a.app.extensions["docflow.settings"], a.app.extensions["docflow.store"]
    with a.transaction() as s:
        drafter, signer = a.user(s, "chuyenvien.vp"), a.user(s, "phochutich1")
        external = [f"UBND phường Liên Bảo ({B})"]
        unit = s.execute(select(Department).where(Department.code == "VP")).scalar_one()
        content = draft_template_pdf(organisation_name=a.name, summary=SUMMARY, doc_type="quyet_dinh",
                                     details=DraftDetails(unit=unit.code, internal_recipients=[],
                                                          external_recipients=external,
                                                          paragraphs=("Điều 1. Khen thưởng.",)))
        data = outgoing.DraftInput(doc_type="quyet_dinh", summary=SUMMARY, signer_id=signer.id,
                                   external_recipients=external)
        document = outgoing.create_draft(s, actor=drafter, data=data, store=store, settings=settings,
                                         max_bytes=settings.max_upload_bytes,
                                         upload=UploadedFile(io.BytesIO(content), "du-thao.pdf"))
        outgoing.start_route(s, actor=drafter, document_id=document.id, store=store)
        while (step := outgoing.active_step(s, document.id)) is not None and step.kind.value == "review":
            outgoing.approve_step(s, actor=step.assignee, document_id=document.id, step_id=step.id,
                                  settings=settings, store=store, initial_pin="")
        step = outgoing.active_step(s, document.id)
        outgoing.sign_step(s, actor=signer, settings=settings, store=store, document_id=document.id,
                           step_id=step.id, pin=DEMO_PIN, expected_version=None)
        issuing.issue_document(s, actor=a.user(s, "vanthu"), settings=settings, store=store,
                               document_id=document.id, pin=DEMO_PIN)
        recipient = s.execute(select(Recipient).where(Recipient.document_id == document.id)).scalar_one()
        return document.id, recipient.id


def _statuses_at_a(a: Instance, recipient_id: int) -> tuple[str, list[str]]:
    """A's view of B: the recipient's last status, and every status message received about it, in order."""
    with a.transaction() as s:
        delivery = s.execute(select(ExchangeDelivery).where(ExchangeDelivery.recipient_id == recipient_id)
                             ).scalar_one()
        codes = s.execute(select(ExchangeMessage.status_code).where(
            ExchangeMessage.direction == "in", ExchangeMessage.partner_organ_id == B,
            ExchangeMessage.kind == "status").order_by(ExchangeMessage.id)).scalars().all()
        return delivery.status_code, list(codes)


def test_two_wards_exchange_a_decision_and_its_statuses_both_ways_through_a_recall(
        wards: tuple[Instance, Instance]) -> None:
    a, b = wards
    document_id, recipient_id = _issue_decision(a)
    with a.transaction() as s:
        assert s.get(Recipient, recipient_id).sent_at is None   # queued, not yet "sent"
        queued = s.execute(select(OutboxItem).where(OutboxItem.recipient_id == recipient_id)).scalar_one()
        assert queued.status is OutboxStatus.PENDING and queued.kind == "edoc"

    # A's sender (a process) delivers over mutual TLS to B's endpoint (a process): A's recipient is now sent
    assert [(r["partner"], r["outcome"]) for r in _send(a)] == [(B, "delivered")]
    with a.transaction() as s:
        assert s.get(Recipient, recipient_id).sent_at is not None

    # B's clerk finds it awaiting registration, registers it; B's chairman directs it; a head assigns it
    assert b.app is not None
    b_settings, b_store = b.app.extensions["docflow.settings"], b.app.extensions["docflow.store"]
    with b.transaction() as s:
        clerk = b.user(s, "vanthu")
        (waiting,) = exchange_inbox.awaiting(s, actor=clerk)
        assert waiting.partner_organ_id == A
        registration = exchange_inbox.register_received(s, actor=clerk, inbox_id=waiting.id, settings=b_settings,
                                                        store=b_store, now=utc_now())
        b_document_id = registration.document.id
        vhxh = s.execute(select(Department).where(Department.code == "VHXH")).scalar_one()
        assignments = incoming.direct_document(
            s, actor=b.user(s, "chutich"), document_id=b_document_id, settings=b_settings,
            direction=incoming.Direction(targets=(incoming.Target(AssignmentRole.LEAD, department_id=vhxh.id),),
                                         instruction="Giao bộ phận Văn hóa – Xã hội thực hiện."))
        incoming.assign_handler(s, actor=b.user(s, "truongvh"), assignment_id=assignments[0].id,
                                handler_id=b.user(s, "chuyenvien.vh").id, settings=b_settings,
                                instruction="Đề nghị thực hiện.")
    # B's statuses go back through B's outbox to A's endpoint, and show on A's recipient
    assert {r["outcome"] for r in _send(b)} == {"delivered"}
    last, codes = _statuses_at_a(a, recipient_id)
    assert codes == ["01", "03", "04", "05"] and last == "05"

    # A recalls the decision: the revocation reaches B, whose clerk agrees; A shows 14
    with a.transaction() as s:
        outgoing.recall_document(s, actor=a.user(s, "chutich"), document_id=document_id,
                                 reason="Sai đối tượng khen thưởng", settings=a.app.extensions["docflow.settings"])
    assert [(r["partner"], r["outcome"]) for r in _send(a)] == [(B, "delivered")]
    assert _statuses_at_a(a, recipient_id)[0] == "13"
    with b.transaction() as s:
        clerk = b.user(s, "vanthu")
        copy = s.execute(select(exchange_inbox.ExchangeInbox).where(
            exchange_inbox.ExchangeInbox.document_id == b_document_id)).scalar_one()
        assert copy.recall_requested_at is not None
        exchange_inbox.agree_recall(s, actor=clerk, inbox_id=copy.id, settings=b_settings, now=utc_now())
    assert {r["outcome"] for r in _send(b)} == {"delivered"}
    last, codes = _statuses_at_a(a, recipient_id)
    assert last == "14" and codes[-1] == "14"
    with b.transaction() as s:
        assert s.get(Document, b_document_id).status is DocumentStatus.RECALLED


def test_nothing_is_lost_while_the_partners_endpoint_is_down(wards: tuple[Instance, Instance]) -> None:
    a, b = wards
    _document_id, recipient_id = _issue_decision(a)
    b.stop_server()
    try:
        attempts = _send(a)
        assert [(r["partner"], r["outcome"]) for r in attempts] == [(B, "retry")]
        with a.transaction() as s:
            item = s.execute(select(OutboxItem).where(OutboxItem.recipient_id == recipient_id)).scalar_one()
            assert item.status is OutboxStatus.PENDING and item.attempts == 1 and item.last_error
            assert s.get(Recipient, recipient_id).sent_at is None
    finally:
        b.start_server()
    # the back-off of this test's configuration is a second: the next pass finds it due again
    time.sleep(1.1)
    assert [(r["partner"], r["outcome"]) for r in _send(a)] == [(B, "delivered")]
    with a.transaction() as s:
        assert s.get(Recipient, recipient_id).sent_at is not None


def test_the_folder_transport_carries_a_decision_from_one_ward_to_the_other(wards: tuple[Instance, Instance]
                                                                          ) -> None:
    """Sneakernet: A reaches B through a folder (B's inbox folder here, as a carried disk would be); B's
    `docflow exchange serve` reads the folder and takes the file in."""
    a, b = wards
    inbox = b.folder / "inbox"
    with a.transaction() as s:
        admin = a.user(s, "admin")
        partners.deactivate_partner(s, organisation=a.organisation(s), organ_id=B, actor=admin, now=utc_now())
        root = (b.folder / "keys" / "ca" / "root.pem").read_bytes()
        partners.add_partner(s, organisation=a.organisation(s), organ_id=B, trust_root=root, actor=admin,
                             now=utc_now(), name=b.name, url=f"folder:{inbox}")
    try:
        with b.transaction() as s:
            before = len(exchange_inbox.awaiting(s, actor=b.user(s, "vanthu")))
        _document_id, recipient_id = _issue_decision(a)
        assert [(r["partner"], r["outcome"]) for r in _send(a)] == [(B, "delivered")]
        with a.transaction() as s:
            assert s.get(Recipient, recipient_id).sent_at is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list((inbox / "done").glob("*.edxml")):
            time.sleep(0.2)
        assert len(list((inbox / "done").glob("*.edxml"))) == 1 and not list(inbox.glob("*.edxml"))
        with b.transaction() as s:
            assert len(exchange_inbox.awaiting(s, actor=b.user(s, "vanthu"))) == before + 1
    finally:
        with a.transaction() as s:
            admin = a.user(s, "admin")
            partners.deactivate_partner(s, organisation=a.organisation(s), organ_id=B, actor=admin, now=utc_now())
            partners.add_partner(s, organisation=a.organisation(s), organ_id=B, trust_root=root, actor=admin,
                                 now=utc_now(), name=b.name, url=b.url)

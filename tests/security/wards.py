"""Two wards in one database for the isolation suite (issue 16): ward A is the demo ward (its accounts, keys and
documents as `docflow demo` seeds them), ward B a second ward made with ``provision_ward`` and seeded
through the same services while bound to it (``wards.acting_for``): departments, a user for every role (``w2.``
usernames), registers, keys, incoming and outgoing documents at several stages, a petition, an API client, a
partner, a received and an outgoing exchange message, a file plan, a copy, a phrase, a saved search.

Every row of each ward is collected in a ``Ward`` (its ids by kind, its distinctive strings), so a test fills
a route's parameters with the other ward's ids and looks for the other ward's strings in what it gets."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import db, wards
from docflow.models import (
    ApiClient, Assignment, Attachment, AuditEvent, Certificate, CompletionProposal, Contribution, Delegation, Department,
    AttachmentKind, Document, DocumentCopy, DocumentKind, DocumentVersion, ExchangeInbox, ExchangeMessage, ExchangePartner,
    InstructionPhrase, Job, Notification, Organisation, OutboxItem, Petition, PlanHeading, RecordFile, RoutingStep,
    SavedSearch, PublicCode, RenewalRun, User, utc_now,
)
from docflow.models.petitions import PetitionChannel, PetitionKind
from docflow.services import keys, records
from docflow.services.api.clients import create_client
from docflow.services.attachments.files import add_attachment
from docflow.services.copies.making import CopyForm, CopyRequest, copy_issued_document
from docflow.services.demo import DEMO_KEY_HOLDERS, DEMO_PIN, DEPARTMENTS, USERS, Stage, seed_demo, seed_demo_keys
from docflow.services.demo import seed_demo_documents
from docflow.services.demo.documents import _delegations, _incoming, _outgoing  # the demo's own walks, for ward B
from docflow.services.demo.ward import _enrol, _ensure_registers
from docflow.services.wards import provision_ward
from docflow.services.documents import UploadedFile
from docflow.services.exchange import partners
from docflow.services.formatcheck.settings import seed_warning_only
from docflow.services.incoming.phrases import add_phrase
from docflow.services.people import organisation
from docflow.services.people.users import UserInput, create_user
from docflow.services.petitions.registration import PetitionInput, register_petition
from docflow.services.petitions.routing import assign_petition
from docflow.services.documents.listing import DocumentFilters
from docflow.services.search.saved import save_search
from docflow.signing.base import CertificateKind
from tests.conftest import make_test_app, pdf_bytes

WARD_A, WARD_B = "UBND phường Tích Sơn", "UBND phường Liên Bảo"
B_ORGAN_ID = "000.00.02.H99"
PREFIX = "w2."

# Ward B's documents: their trích yếu name ward B, so no page of ward A may show them.
B_INCOMING = (
    Stage("Liên Bảo: về việc rà soát hộ kinh doanh cá thể năm 2026", "cong_van", "registered"),
    Stage("Liên Bảo: kế hoạch diễn tập phòng chống thiên tai", "ke_hoach", "directed"),
    Stage("Liên Bảo: về việc cấp phép xây dựng nhà ở riêng lẻ tổ 7", "cong_van", "assigned"),
    Stage("Liên Bảo: thông báo lịch trực lễ Tết Nguyên đán", "thong_bao", "completed"),
)
B_OUTGOING = (
    Stage("Liên Bảo: quyết định thành lập tổ dân vận", "quyet_dinh", "draft"),
    Stage("Liên Bảo: kế hoạch tổng vệ sinh môi trường", "ke_hoach", "review"),
    Stage("Liên Bảo: báo cáo tình hình an ninh trật tự quý III", "bao_cao", "signed"),
    Stage("Liên Bảo: quyết định khen thưởng học sinh giỏi", "quyet_dinh", "issued"),
)
# Ward B's people have names of their own (ward A's demo names must not appear on ward B's pages either).
B_NAMES = {"admin": "Quản trị Liên Bảo", "vanthu": "Kiều Thị Sen", "chutich": "Tạ Văn Khải",
           "phochutich1": "Lạc Thị Nhung", "phochutich2": "Âu Văn Quyền", "truongvp": "Đàm Thị Xoan",
           "truongdc": "Khổng Văn Tiệp", "truongtp": "Mạc Thị Oanh", "truongvh": "Kha Văn Lực",
           "truongtc": "Ông Thị Nguyệt", "chuyenvien.vp": "Triệu Văn Khởi", "chuyenvien.dc": "Lều Thị Mận",
           "chuyenvien.tp": "Doãn Văn Khang", "chuyenvien.vh": "Hứa Thị Đào", "chuyenvien.tc": "Tôn Văn Lâm",
           "thanhtra": "Văn Thị Cúc"}
B_PETITION = "Liên Bảo: phản ánh đèn chiếu sáng ngõ 12 bị hỏng"
A_PETITION = "Tích Sơn: phản ánh rác thải tập kết sai nơi quy định"

# One account per role (the demo names; ward B's carry PREFIX).
ROLES = ("admin", "vanthu", "chutich", "truongvp", "chuyenvien.vp", "thanhtra")


@dataclass
class Ward:
    """One ward as the suite sees it: its id, what to sign in with, its rows' ids by kind, its strings."""
    id: int
    name: str
    prefix: str
    ids: dict[str, list[Any]] = field(default_factory=dict)
    marks: list[str] = field(default_factory=list)   # strings only this ward's data contains
    probe: str = ""                                  # a word of this ward's documents, to search for
    public_code: str = ""
    public_summary: str = ""                         # the trích yếu of the document public_code names
    petition: tuple[str, str] = ("", "")             # (receipt code, phone)
    token: str = ""                                  # an API client's token (every scope)

    def username(self, demo_name: str) -> str:
        return self.prefix + demo_name

    def first(self, kind: str) -> Any:
        return self.ids[kind][0]


def _ids(session: Session, column: Any, ward_id: int, *where: Any) -> list[Any]:
    table = column.class_
    return list(session.execute(select(column).where(table.organisation_id == ward_id, *where)
                                .order_by(column)).scalars())


def _seed_b_ward(s: Session, settings: Any, store: Any) -> Organisation:
    # As `docflow wards create` makes a ward: its registers, its own development CA and system key (which signs
    # the checkpoints its evidence packs need).
    org = provision_ward(s, settings=settings, name=WARD_B, code="LB", organ_id=B_ORGAN_ID)
    with wards.acting_for(org.id):
        departments = {code: organisation.create_department(s, actor=None, organisation=org, name=f"{name} (LB)",
                                                            code=code)
                       for code, name in DEPARTMENTS}
        users = {}
        for username, _name, role, post, dept in USERS:
            users[username] = create_user(s, actor=None, organisation=org, password="TichSon@2026", data=UserInput(
                username=PREFIX + username, full_name=B_NAMES[username], role=role, post=post,
                department_id=departments[dept].id if dept else None))
        _ensure_registers(s, org, utc_now().year)
        seed_warning_only(s, organisation_id=org.id)
        for name in DEMO_KEY_HOLDERS:
            _enrol(s, settings=settings, holder=users[name], redeemer=users[name], kind=CertificateKind.PERSONAL,
                   now=None)
        _enrol(s, settings=settings, holder=None, redeemer=users["vanthu"], kind=CertificateKind.ORGANISATION,
               now=None)
        _delegations(s, users)
        for stage in B_INCOMING:
            _incoming(s, settings, store, users, departments, stage)
        for stage in B_OUTGOING:
            _outgoing(s, settings, store, users, departments, stage, org)
        _extras(s, org, settings, store, users, departments, B_PETITION, "Đối tác của Liên Bảo", "0912000222")
    return org


def _extras(s: Session, org: Organisation, settings: Any, store: Any, users: dict[str, User],
            departments: dict[str, Department], petition_subject: str, partner_name: str, phone: str) -> None:
    """What the demo does not seed but a route takes an id of: a petition, an API client, a partner with a
    received and an outgoing message, a file plan with a file, a copy, a phrase, a saved search."""
    petition = register_petition(s, organisation=org, settings=settings, channel=PetitionChannel.ONLINE,
                                 data=PetitionInput(kind=PetitionKind.COMPLAINT, citizen_name="Công dân", phone=phone,
                                                    subject=petition_subject, content=petition_subject))
    assign_petition(s, actor=users["vanthu"], petition_id=petition.id, department_id=departments["VP"].id,
                    handler_id=users["chuyenvien.vp"].id)
    create_client(s, actor=None, user=users["chutich"], name=f"Máy khách {org.name}",
                  scopes=("documents:read",), expires_days=None)
    root = (keys.ca_directory(settings) / "root.pem").read_bytes()
    partner_organ = "000.00.77.H99" if org.organ_id == B_ORGAN_ID else "000.00.66.H99"
    partners.add_partner(s, organisation=org, organ_id=partner_organ, trust_root=root, actor=users["admin"],
                         now=utc_now(), name=partner_name)
    message = ExchangeMessage(organisation_id=org.id, direction="in", message_id=f"msg-{org.id}", kind="edoc",
                              partner_organ_id=partner_organ, document_ref=f"ref-{org.id}", sha256="0" * 64)
    s.add(message)
    s.flush()
    pdf = store.put_bytes(b"%PDF-1.4 " + org.name.encode())
    s.add(ExchangeInbox(organisation_id=org.id, message_row_id=message.id, partner_organ_id=partner_organ,
                        sender_name=partner_name, document_ref=f"ref-{org.id}", header_json=json.dumps({}),
                        pdf_sha256=pdf, pdf_name="nhan.pdf"))
    s.add(OutboxItem(organisation_id=org.id, partner_organ_id=partner_organ, kind="edoc", message=b"<edXML/>",
                     sha256=hashlib.sha256(b"<edXML/>").hexdigest()))
    year = utc_now().astimezone(settings.app.zone).year
    if records.plan_view(s, actor=None, organisation_id=org.id, year=year).plan is None:
        heading = records.add_heading(s, actor=users["vanthu"], year=year, title=f"Hồ sơ {org.name}",
                                      department_id=None)
        entry = records.add_file_entry(s, actor=users["vanthu"], heading_id=heading.id, data=records.EntryInput(
            code="01.VP", title=f"Văn bản chỉ đạo của {org.name}", retention_years=10,
            responsible_id=users["vanthu"].id))
        records.approve_plan(s, actor=users["chutich"], year=year)
        records.open_file(s, actor=users["vanthu"], file_id=entry.id)
    issued = s.execute(select(Document.id).where(Document.organisation_id == org.id,
                                                 Document.kind == DocumentKind.OUTGOING,
                                                 Document.issued_at.is_not(None)).order_by(Document.id)).scalars()
    copy_issued_document(s, actor=users["vanthu"], settings=settings, store=store, document_id=next(iter(issued)),
                         request=CopyRequest(form=CopyForm.SAO_Y), pin=DEMO_PIN)
    add_phrase(s, actor=users["chutich"], text=f"Giao {org.name} xử lý")
    draft = s.execute(select(Document).where(Document.organisation_id == org.id, Document.issued_at.is_(None),
                                             Document.kind == DocumentKind.OUTGOING).order_by(Document.id)).scalars()
    add_attachment(s, actor=users["chuyenvien.vp"], document_id=next(iter(draft)).id, kind=AttachmentKind.APPENDIX,
                   title=f"Phụ lục của {org.name}", store=store, max_bytes=10 ** 7,
                   upload=UploadedFile(io.BytesIO(pdf_bytes(org.name)), "phu-luc.pdf"))
    assignment = s.execute(select(Assignment).join(Document, Document.id == Assignment.document_id)
                           .where(Document.organisation_id == org.id).order_by(Assignment.id)).scalars().first()
    s.add(Contribution(organisation_id=org.id, document_id=assignment.document_id, assignment_id=assignment.id,
                       author_id=users["chuyenvien.vh"].id, body=f"Ý kiến của {org.name}",
                       file_sha256=store.put_bytes(pdf_bytes(org.name)), file_name="y-kien.pdf", file_size=1))
    s.add(RenewalRun(organisation_id=org.id, started_by_id=users["admin"].id, margin_days=90))
    s.add(Job(id=f"job{org.id:029d}", organisation_id=org.id, kind="batch_sign", created_by_id=users["chutich"].id))
    save_search(s, actor=users["chutich"], name=f"Tìm của {org.name}", filters=DocumentFilters(q="quyết định"))


def _collect(s: Session, org: Organisation, prefix: str, marks: list[str]) -> Ward:
    ward = Ward(id=org.id, name=org.name, prefix=prefix, marks=marks)
    i = org.id
    ward.ids = {
        "document": _ids(s, Document.id, i),
        "incoming": _ids(s, Document.id, i, Document.kind == DocumentKind.INCOMING),
        "outgoing": _ids(s, Document.id, i, Document.kind == DocumentKind.OUTGOING),
        "user": _ids(s, User.id, i),
        "department": _ids(s, Department.id, i),
        "attachment": _ids(s, Attachment.id, i),
        "petition": _ids(s, Petition.id, i),
        "client": _ids(s, ApiClient.id, i),
        "certificate": _ids(s, Certificate.id, i),
        "copy": _ids(s, DocumentCopy.id, i),
        "delegation": _ids(s, Delegation.id, i),
        "phrase": _ids(s, InstructionPhrase.id, i),
        "inbox": _ids(s, ExchangeInbox.id, i),
        "outbox": _ids(s, OutboxItem.id, i),
        "partner": _ids(s, ExchangePartner.organ_id, i),
        "file": _ids(s, RecordFile.id, i),
        "heading": _ids(s, PlanHeading.id, i),
        "contribution": _ids(s, Contribution.id, i),
        "proposal": _ids(s, CompletionProposal.id, i),
        "job": _ids(s, Job.id, i),
        "run": _ids(s, RenewalRun.id, i),
    }
    documents_of, people = select(Document.id).where(Document.organisation_id == i), select(User.id).where(
        User.organisation_id == i)
    # rows without a ward of their own: the ward's through their document or their person
    for kind, column, owner, owners in (("assignment", Assignment.id, Assignment.document_id, documents_of),
                                        ("step", RoutingStep.id, RoutingStep.document_id, documents_of),
                                        ("sha256", DocumentVersion.sha256, DocumentVersion.document_id, documents_of),
                                        ("notification", Notification.id, Notification.user_id, people),
                                        ("saved", SavedSearch.id, SavedSearch.user_id, people),
                                        ("audit", AuditEvent.seq, AuditEvent.actor_id, people)):
        ward.ids[kind] = list(s.execute(select(column).where(owner.in_(owners)).order_by(column)).scalars())
    return ward


@dataclass
class TwoWards:
    app: Flask
    a: Ward
    b: Ward


def _a_marks() -> list[str]:
    from docflow.services.demo import INCOMING, OUTGOING  # the demo's own documents are ward A's marks
    return [stage.summary for stage in (*INCOMING, *OUTGOING)] + [A_PETITION, "Máy khách " + WARD_A,
                                                                  "Đối tác của Tích Sơn"]


def _b_marks() -> list[str]:
    return ([stage.summary for stage in (*B_INCOMING, *B_OUTGOING)] + [B_PETITION, "Máy khách " + WARD_B,
                                                                       "Đối tác của Liên Bảo"]
            + [PREFIX + name for name in ROLES] + list(B_NAMES.values()))


def _tokens(s: Session, a: Ward, b: Ward) -> None:
    """A token of every scope for one leader of each ward (the API calls' caller)."""
    from docflow.services.api import SCOPES  # every scope the API knows
    for ward in (a, b):
        user = s.execute(select(User).where(User.username == ward.username("chutich"))).scalar_one()
        with wards.acting_for(ward.id):
            ward.token = create_client(s, actor=None, user=user, name="isolation", scopes=tuple(SCOPES),
                                       expires_days=None).token


@pytest.fixture(scope="module")
def two_wards(database_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoWards]:
    app = make_test_app(database_factory("isolation"), tmp_path_factory.mktemp("isolation-data"))
    settings, store = app.extensions["docflow.settings"], app.extensions["docflow.store"]
    with app.app_context(), db.transaction() as s:
        seed_demo(s, organisation_name=WARD_A)
        a_org = organisation.first_ward(s)
        seed_warning_only(s, organisation_id=a_org.id)
        seed_demo_keys(s, settings=settings, store=store)
        seed_demo_documents(s, settings=settings, store=store)
        users = {u.username: u for u in s.execute(select(User).where(User.organisation_id == a_org.id)).scalars()}
        depts = {d.code: d for d in s.execute(select(Department).where(Department.organisation_id == a_org.id))
                 .scalars()}
        with wards.acting_for(a_org.id):
            _extras(s, a_org, settings, store, users, depts, A_PETITION, "Đối tác của Tích Sơn", "0912000111")
        b_org = _seed_b_ward(s, settings, store)
        a, b = _collect(s, a_org, "", _a_marks()), _collect(s, b_org, PREFIX, _b_marks())
        a.probe, b.probe = "hộ nghèo", "Liên Bảo"
        _tokens(s, a, b)
        for ward in (a, b):  # what a citizen holds: the receipt code and phone, the public code
            petition = s.execute(select(Petition).where(Petition.organisation_id == ward.id)).scalars().first()
            ward.petition = (petition.receipt_code, petition.phone)
            ward.public_code, ward.public_summary = s.execute(
                select(PublicCode.code, Document.summary).join(Document, Document.id == PublicCode.document_id)
                .where(PublicCode.organisation_id == ward.id, Document.issued_at.is_not(None))
                .order_by(PublicCode.id)).first()
    yield TwoWards(app=app, a=a, b=b)
    app.extensions["docflow.engine"].dispose()


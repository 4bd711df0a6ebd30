"""The demo ward's documents at every stage of both flows, so a newcomer sees them at once: incoming ones
registered, directed, being handled and completed; outgoing drafts, under review, signed and issued."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import InvalidTransitionError
from docflow.models import (
    AssignmentRole,
    Department,
    Document,
    DocumentKind,
    Organisation,
    SigningMode,
    Urgency,
    User,
    utc_now,
)
from docflow.services import incoming, outgoing
from docflow.services.demo.records import seed_demo_records
from docflow.services.demo.ward import DEMO_PIN
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.services.outgoing import DraftDetails, draft_template_pdf, issuing
from docflow.services.outgoing.template import header_names
from docflow.services.people import delegations, organisation
from docflow.storage import DocumentStore

@dataclass(frozen=True)
class Stage:
    summary: str
    doc_type: str
    stop: str   # incoming: registered / directed / assigned / completed; outgoing: draft / review / signed / issued
    # outgoing: the reviewers initial (ký nháy) a draft made without the template's number and date fields,
    # which the route's start adds
    initial: bool = False


INCOMING = (
    Stage("Về việc rà soát hộ nghèo, hộ cận nghèo năm 2026", "cong_van", "registered"),
    Stage("Kế hoạch kiểm tra công tác phòng cháy chữa cháy quý IV", "ke_hoach", "directed"),
    Stage("Về việc cấp giấy chứng nhận quyền sử dụng đất cho hộ ông Nguyễn Văn Tư", "cong_van", "assigned"),
    Stage("Thông báo lịch tiếp công dân tháng 12", "thong_bao", "completed"),
)
OUTGOING = (
    Stage("Quyết định thành lập tổ công tác chuyển đổi số phường", "quyet_dinh", "draft"),
    Stage("Kế hoạch tổ chức Ngày hội Đại đoàn kết toàn dân tộc", "ke_hoach", "review"),
    Stage("Báo cáo kết quả thu ngân sách 10 tháng năm 2026", "bao_cao", "signed"),
    Stage("Quyết định khen thưởng các tổ dân phố tiêu biểu", "quyet_dinh", "issued"),
    Stage("Về việc tăng cường quản lý trật tự xây dựng", "cong_van", "issued"),
    Stage("Về việc tổ chức tiêm chủng mở rộng đợt 2 năm 2026", "cong_van", "issued", initial=True),
)


def seed_demo_documents(session: Session, *, settings: Settings, store: DocumentStore) -> int:
    """Walk demo documents through the real services (every step audited, signed with the demo PIN), in the
    bound ward (``docflow.wards``; the deployment's only one by default). Only into a ward without documents:
    returns 0 when it has any. Flushes."""
    ward = organisation.get_organisation(session)
    if session.execute(select(func.count()).select_from(Document)
                       .where(Document.organisation_id == ward.id)).scalar_one():
        return 0
    # A province demo's other wards prefix the same accounts: "w2.vanthu" plays "vanthu" in ward 2.
    users = {DEMO_PREFIX.sub("", u.username): u
             for u in session.execute(select(User).where(User.organisation_id == ward.id)).scalars()}
    departments = {d.code: d for d in session.execute(
        select(Department).where(Department.organisation_id == ward.id)).scalars()}
    _delegations(session, users)
    count = 0
    for stage in INCOMING:
        _incoming(session, settings, store, users, departments, stage)
        count += 1
    for stage in OUTGOING:
        _outgoing(session, settings, store, users, departments, stage, ward)
        count += 1
    seed_demo_records(session, users=users, tz=settings.app.zone)
    return count


DEMO_PREFIX = re.compile(r"^w[0-9]+\.")


def _delegations(session: Session, users: dict[str, User]) -> None:
    """The chief of the office signs invitations and notices "TL. CHỦ TỊCH" (thừa lệnh) for the year."""
    today = utc_now().date()
    delegations.create_delegation(session, actor=users["chutich"], delegate_id=users["truongvp"].id,
                                  delegator_id=users["chutich"].id, mode=SigningMode.TL,
                                  doc_types=["giay_moi", "thong_bao"], valid_from=today.replace(month=1, day=1),
                                  valid_to=today.replace(month=12, day=31))


def _pdf(title: str, *, organisation_name: str, number_fields: bool = True, doc_type: str = "",
         details: DraftDetails | None = None) -> bytes:
    # The ward's own name: the issue-time format check expects the header of the ward that issues.
    return draft_template_pdf(organisation_name=organisation_name, summary=title, number_fields=number_fields,
                              doc_type=doc_type, details=details)


def _details(stage: Stage, ward: Organisation, unit: Department, internal: list[Department],
             external: list[str]) -> DraftDetails:
    """The draft's page names its ward, real recipients, drafting unit and a short text of its kind."""
    text: tuple[str, ...]
    committee = " ".join(header_names(ward.name))              # "ỦY BAN NHÂN DÂN PHƯỜNG TÍCH SƠN"
    if stage.doc_type == "quyet_dinh":
        # The committee decides (its block reads "TM. ỦY BAN NHÂN DÂN" / "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH"), so
        # the authority line above the grounds names the committee, not its chairman (Annex I, II.5).
        text = (committee,
                "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
                "Theo đề nghị của Chánh Văn phòng Hội đồng nhân dân và Ủy ban nhân dân phường.",
                "QUYẾT ĐỊNH:",
                f"Điều 1. {stage.summary.removeprefix('Quyết định ').capitalize()}.",
                "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
                "Điều 3. Chánh Văn phòng, các bộ phận và cá nhân có liên quan chịu trách nhiệm thi hành "
                "Quyết định này.")
    else:
        text = (f"Thực hiện chỉ đạo của cấp trên, Ủy ban nhân dân {ward.name.removeprefix('UBND ')} đề nghị các "
                "cơ quan, đơn vị triển khai thực hiện nội dung trên theo đúng quy định.",
                "Trong quá trình thực hiện, nếu có vướng mắc, đề nghị phản ánh về Văn phòng Hội đồng nhân dân và "
                "Ủy ban nhân dân phường để tổng hợp, báo cáo.")
    return DraftDetails(body_code=ward.code, unit=unit.code, internal_recipients=[d.name for d in internal],
                        external_recipients=external, paragraphs=text)


def _incoming(session: Session, settings: Settings, store: DocumentStore, users: dict[str, User],
              departments: dict[str, Department], stage: Stage) -> None:
    now = utc_now()
    data = DocumentInput(kind=DocumentKind.INCOMING, doc_type=stage.doc_type, summary=stage.summary,
                         number_symbol=f"{len(stage.summary) % 90 + 10}/UBND-VP", issuing_body="UBND tỉnh Phú Thọ",
                         document_date=(now - timedelta(days=3)).date(),
                         urgency=Urgency.URGENT if stage.stop == "directed" else Urgency.NORMAL,
                         department_id=departments["VP"].id)
    registration = incoming.register_incoming(session, actor=users["vanthu"], data=data, store=store,
                                              settings=settings, confirm_duplicate=True,
                                              upload=UploadedFile(io.BytesIO(_pdf(
                                                  stage.summary, organisation_name=users["vanthu"].organisation.name)),
                                                  "den.pdf"))
    if stage.stop == "registered":
        return
    document = registration.document
    lead = departments["ĐC"] if "đất" in stage.summary or "xây dựng" in stage.summary else departments["VHXH"]
    assignments = incoming.direct_document(
        session, actor=users["chutich"], document_id=document.id, settings=settings,
        direction=incoming.Direction(targets=(incoming.Target(AssignmentRole.LEAD, department_id=lead.id),
                                              incoming.Target(AssignmentRole.INFO, department_id=departments["VP"].id)),
                                     instruction="Giao bộ phận chủ trì nghiên cứu, tham mưu giải quyết theo quy định."))
    if stage.stop == "directed":
        return
    head = users["truongdc"] if lead.code == "ĐC" else users["truongvh"]
    handler = users["chuyenvien.dc"] if lead.code == "ĐC" else users["chuyenvien.vh"]
    child = incoming.assign_handler(session, actor=head, assignment_id=assignments[0].id, handler_id=handler.id,
                                    settings=settings, instruction="Đề nghị kiểm tra hồ sơ và báo cáo.")
    incoming.add_opinion(session, actor=handler, assignment_id=child.id,
                         body="Đã kiểm tra hồ sơ, đủ điều kiện theo quy định.")
    if stage.stop == "assigned":
        return
    # The lead handler proposes completion with the result and the head who assigned him accepts it (R43).
    proposal = incoming.propose_completion(session, actor=handler, assignment_id=child.id, settings=settings,
                                           result="Đã giải quyết xong, trả kết quả cho công dân.")
    incoming.accept_completion(session, actor=head, proposal_id=proposal.id, settings=settings)


def _outgoing(session: Session, settings: Settings, store: DocumentStore, users: dict[str, User],
              departments: dict[str, Department], stage: Stage, ward: Organisation) -> None:
    drafter, signer = users["chuyenvien.vp"], users["phochutich1"]
    internal, external = [departments["VHXH"]], ["UBND tỉnh Phú Thọ"]
    data = outgoing.DraftInput(doc_type=stage.doc_type, summary=stage.summary, signer_id=signer.id,
                               recipient_department_ids=tuple(d.id for d in internal), external_recipients=external)
    content = _pdf(stage.summary, organisation_name=ward.name, number_fields=not stage.initial,
                   doc_type=stage.doc_type, details=_details(stage, ward, departments["VP"], internal, external))
    document = outgoing.create_draft(session, actor=drafter, data=data, store=store, settings=settings,
                                     max_bytes=settings.max_upload_bytes,
                                     upload=UploadedFile(io.BytesIO(content), "du-thao.pdf"))
    if stage.stop == "draft":
        return
    outgoing.start_route(session, actor=drafter, document_id=document.id, store=store)
    if stage.stop == "review":
        return
    while (step := outgoing.active_step(session, document.id)) is not None and step.kind.value == "review":
        if step.assignee is None:
            raise InvalidTransitionError("a demo draft's review step has nobody to approve it")
        outgoing.approve_step(session, actor=step.assignee, document_id=document.id, step_id=step.id,
                              settings=settings, store=store, initial_pin=DEMO_PIN if stage.initial else "")
    step = outgoing.active_step(session, document.id)
    if step is None or step.kind.value != "sign":
        raise InvalidTransitionError("a demo draft's route did not reach its signature step")
    outgoing.sign_step(session, actor=signer, settings=settings, store=store, document_id=document.id,
                       step_id=step.id, pin=DEMO_PIN, expected_version=None)
    if stage.stop == "signed":
        return
    issuing.issue_document(session, actor=users["vanthu"], settings=settings, store=store,
                           document_id=document.id, pin=DEMO_PIN)

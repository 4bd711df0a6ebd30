"""The phiếu giải quyết văn bản đến (Decree 30, Annex IV, VII; rule R20), printed from the incoming
document's records: (1) the leader's direction (lead, co-handlers, for information, a deadline for each, the
instruction and its date), (2) each unit leader's assignment (the person, the deadline, the date), (3) the
handlers' proposals (their opinions and results, with dates)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from docflow.errors import N_, WrongKindError
from docflow.models import Assignment, AssignmentRole, AssignmentStatus, Document, DocumentKind, User, utc_now
from docflow.models.routing import Opinion, OpinionKind
from docflow.services import audit
from docflow.services import documents as doc_service
from docflow.services.audit import AuditAction
from docflow.services.registers.numbers import format_number
from docflow.signing.typefaces import FONT_DIR, FontFace

FONT = "LiberationSerif"  # Times New Roman metrics with Vietnamese, as every page docflow prints
ROLE_VI = {AssignmentRole.LEAD: "Chủ trì", AssignmentRole.CO: "Phối hợp", AssignmentRole.INFO: "Để biết"}
SKIPPED = (AssignmentStatus.CANCELLED, AssignmentStatus.PENDING)


def _d(value: date | datetime | None, tz: tzinfo) -> str:
    if value is None:
        return ""
    return (value.astimezone(tz) if isinstance(value, datetime) else value).strftime("%d/%m/%Y")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _Slip(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        for style, face in (("", FontFace.SERIF), ("B", FontFace.SERIF_BOLD)):
            self.add_font(FONT, style, str(FONT_DIR / face.value))
        self.set_margins(30, 20, 15)
        self.set_auto_page_break(True, 20)
        self.set_creator("docflow")

    def line_of(self, text: str, *, bold: bool = False, size: float = 12, align: str = "L") -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, _nfc(text), align=align, new_x="LMARGIN", new_y="NEXT")


def _who(user: User | None) -> str:
    return user.full_name if user is not None else ""


def _target(assignment: Assignment) -> str:
    return " – ".join(n for n in (assignment.department.name if assignment.department else "",
                                  _who(assignment.assignee)) if n)


def _leader_part(slip: _Slip, top: list[Assignment], tz: tzinfo) -> None:
    slip.line_of("1. Ý kiến của người đứng đầu (lãnh đạo) cơ quan, tổ chức", bold=True)
    if not top:
        slip.line_of("(Chưa có ý kiến chỉ đạo)")
        return
    instruction = next((a.instruction for a in top if a.instruction), "")
    if instruction:
        slip.line_of(f"Ý kiến chỉ đạo: {instruction}")
    for a in top:
        deadline = f", thời hạn giải quyết: {_d(a.deadline, tz)}" if a.deadline else ""
        slip.line_of(f"- {ROLE_VI[a.role]}: {_target(a)}{deadline}")
    first = top[0]
    slip.line_of(f"Ngày {_d(first.assigned_at, tz)} · {_who(first.assigned_by)}")


def _unit_part(slip: _Slip, children: list[Assignment], parents: dict[int, Assignment], tz: tzinfo) -> None:
    slip.ln(2)
    slip.line_of("2. Ý kiến của lãnh đạo đơn vị", bold=True)
    if not children:
        slip.line_of("(Chưa giao người giải quyết)")
    for a in children:
        deadline = f", thời hạn giải quyết: {_d(a.deadline, tz)}" if a.deadline else ""
        parent = parents.get(a.parent_id or 0)
        unit = parent.department.name if parent is not None and parent.department else ""
        slip.line_of(f"- {unit}: giao {_who(a.assignee)} ({ROLE_VI[a.role].lower()}){deadline}"
                     f"{'; ' + a.instruction if a.instruction else ''}")
        slip.line_of(f"  Ngày {_d(a.assigned_at, tz)} · {_who(a.assigned_by)}")


def _handler_part(slip: _Slip, opinions: list[Opinion], done: list[Assignment], tz: tzinfo) -> None:
    slip.ln(2)
    slip.line_of("3. Ý kiến đề xuất của người giải quyết", bold=True)
    if not opinions and not done:
        slip.line_of("(Chưa có ý kiến đề xuất)")
    for o in opinions:
        slip.line_of(f"- {o.body}")
        slip.line_of(f"  Ngày {_d(o.created_at, tz)} · {_who(o.author)}")
    for a in done:
        slip.line_of(f"- Kết quả: {a.result}")
        slip.line_of(f"  Ngày {_d(a.completed_at, tz)} · {_who(a.assignee)}")


def _header(slip: _Slip, document: Document, organisation: str, tz: tzinfo) -> None:
    slip.line_of(organisation.upper(), bold=True, size=12)
    slip.ln(4)
    slip.line_of("PHIẾU GIẢI QUYẾT VĂN BẢN ĐẾN", bold=True, size=14, align="C")
    slip.ln(3)
    number = f"{format_number(document.register_number)}" if document.register_number else "—"
    slip.line_of(f"Số đến: {number}    Ngày đến: {_d(document.received_at, tz)}")
    slip.line_of(f"Tác giả: {document.issuing_body}")
    slip.line_of(f"Số, ký hiệu: {document.number_symbol or ''}    Ngày tháng văn bản: {_d(document.document_date, tz)}")
    slip.line_of(f"Trích yếu: {document.summary}")
    slip.ln(3)


@dataclass(frozen=True)
class SlipData:
    """What the phiếu giải quyết is printed from: the document, the direction's assignments (top), the unit
    leaders' (children, with their departments' in ``parents``), the handlers' opinions and results."""
    document: Document
    top: list[Assignment]
    children: list[Assignment]
    parents: dict[int, Assignment]
    opinions: list[Opinion]

    @property
    def results(self) -> list[Assignment]:
        return [a for a in (*self.children, *self.top) if a.result and a.status is AssignmentStatus.COMPLETED]


def slip_data(session: Session, *, actor: User, document_id: int, now: datetime | None = None,
              printed: str = "resolution_slip") -> SlipData:
    """The records of an incoming document ``actor`` may see that its phiếu giải quyết shows (as a PDF or a
    printable page); a confidential one's printing is audited like a view. Raises NotFoundError,
    PermissionDeniedError, WrongKindError. Flushes."""
    now = now or utc_now()
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id)
    if document.kind is not DocumentKind.INCOMING:
        raise WrongKindError(N_("Only an incoming document has a resolution slip."))
    rows = list(session.execute(select(Assignment).where(Assignment.document_id == document.id,
                                                         Assignment.status.notin_(SKIPPED))
                                .options(selectinload(Assignment.department), selectinload(Assignment.assignee),
                                         selectinload(Assignment.assigned_by))
                                .order_by(Assignment.id)).scalars())
    opinions = list(session.execute(select(Opinion).where(Opinion.document_id == document.id,
                                                          Opinion.kind == OpinionKind.OPINION)
                                    .options(selectinload(Opinion.author))
                                    .order_by(Opinion.created_at, Opinion.id)).scalars())
    if document.is_confidential:
        audit.record(session, action=AuditAction.DOCUMENT_VIEWED, actor=actor, object_type="document",
                     object_id=document.id, now=now, details={"printed": printed})
    return SlipData(document=document, top=[a for a in rows if a.parent_id is None],
                    children=[a for a in rows if a.parent_id is not None], parents={a.id: a for a in rows},
                    opinions=opinions)


def resolution_slip(session: Session, *, actor: User, document_id: int, tz: tzinfo,
                    now: datetime | None = None) -> bytes:
    """The phiếu giải quyết of an incoming document ``actor`` may see, as a PDF (see ``slip_data``). Raises
    NotFoundError, PermissionDeniedError, WrongKindError. Flushes."""
    data = slip_data(session, actor=actor, document_id=document_id, now=now)
    slip = _Slip()
    slip.add_page()
    _header(slip, data.document, data.document.organisation.name, tz)
    _leader_part(slip, data.top, tz)
    _unit_part(slip, data.children, data.parents, tz)
    _handler_part(slip, data.opinions, [a for a in data.children if a.result], tz)
    return bytes(slip.output())

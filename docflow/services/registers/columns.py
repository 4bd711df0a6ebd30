"""The columns of the registers on paper (CSV and printable PDF): Decree 30/2020/NĐ-CP, Annex IV.

Exactly the Annex's columns, in its order. The outgoing register (Annex IV, I; rule R17): Số, ký hiệu văn
bản · Ngày tháng văn bản · Tên loại và trích yếu nội dung văn bản · Người ký · Nơi nhận văn bản · Đơn vị, người
nhận bản lưu · Số lượng bản · Ngày chuyển · Ký nhận · Ghi chú. The incoming register (Annex IV, VI; rule R18):
Ngày đến · Số đến · Tác giả · Số, ký hiệu · Ngày tháng văn bản · Tên loại và trích yếu nội dung · Đơn vị hoặc
người nhận · Ngày chuyển · Ký nhận · Ghi chú. The resolution register (Annex IV, VIII; rule R19): Số đến · Tên
loại, số, ký hiệu, ngày tháng và trích yếu … · Đơn vị hoặc người nhận · Thời hạn giải quyết · Tiến độ giải quyết ·
Số, ký hiệu văn bản trả lời · Ghi chú (docflow adds Ngày đến after Số đến, which the clerk looks documents up by).
What docflow knows beyond the Annex (urgency, confidentiality, the deadline of an incoming document) is written
in Ghi chú. The headings are always printed in Vietnamese: the register is a record in the ward's official
language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from docflow.doctypes import get_type
from docflow.errors import N_
from docflow.models import AssignmentRole, DocumentStatus, RegisterKind
from docflow.services.registers.entries import Progress, RegisterEntry
from docflow.services.registers.numbers import REGISTER_NAMES, format_number


URGENCY_VI = {"normal": "", "urgent": "Khẩn", "very_urgent": "Thượng khẩn", "express": "Hỏa tốc"}
CONFIDENTIALITY_VI = {"normal": "", "confidential": "Mật", "secret": "Tối mật", "top_secret": "Tuyệt mật"}
ROLE_VI = {AssignmentRole.LEAD: "Chủ trì", AssignmentRole.CO: "Phối hợp", AssignmentRole.INFO: "Để biết"}
PROGRESS_VI = {Progress.UNASSIGNED: "Chưa giao xử lý", Progress.IN_PROGRESS: "Đang giải quyết",
               Progress.OVERDUE: "Quá hạn", Progress.DONE_ON_TIME: "Đã giải quyết, đúng hạn",
               Progress.DONE_LATE: "Đã giải quyết, quá hạn"}
MASKED_VI = "(Văn bản mật: trích yếu không hiển thị)"


def _d(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _type_name(entry: RegisterEntry) -> str:
    kind = get_type(entry.doc_type)
    return kind.name_vi if kind is not None else entry.doc_type


def _summary(entry: RegisterEntry) -> str:
    return MASKED_VI if entry.masked else entry.summary


def _type_and_summary(entry: RegisterEntry) -> str:
    return f"{_type_name(entry)}: {_summary(entry)}"


def _full_description(entry: RegisterEntry) -> str:
    """"Công văn số 12/UBND-ĐC ngày 01/03/2026 của UBND quận …: trích yếu" (the resolution register)."""
    parts = [_type_name(entry)]
    if entry.number_symbol:
        parts.append(f"số {entry.number_symbol}")
    if entry.document_date:
        parts.append(f"ngày {_d(entry.document_date)}")
    if entry.issuing_body:
        parts.append(f"của {entry.issuing_body}")
    return f"{' '.join(parts)}: {_summary(entry)}"


def _leads(entry: RegisterEntry) -> str:
    return "; ".join(h.name for h in entry.handlers if h.role is AssignmentRole.LEAD)


def _all_handlers(entry: RegisterEntry) -> str:
    return "; ".join(f"{ROLE_VI[h.role]}: {h.name}" for h in entry.handlers)


def _progress(entry: RegisterEntry) -> str:
    text = PROGRESS_VI[entry.progress]
    finished = max((h.completed_on for h in entry.handlers if h.completed_on), default=None)
    if entry.progress in (Progress.DONE_ON_TIME, Progress.DONE_LATE) and finished:
        text += f" ({_d(finished)})"
    return text


def _note(entry: RegisterEntry) -> str:
    parts = []
    if entry.status is DocumentStatus.RECALLED:
        parts.append(f"Đã thu hồi {_d(entry.recalled_on)}".strip())
    elif entry.status is DocumentStatus.REPLACED:
        parts.append("Đã bị thay thế")
    if entry.pages:
        parts.append(f"{entry.pages} trang")
    if entry.receipt_note:
        parts.append(entry.receipt_note)
    if entry.series:
        parts.append(f"Sổ {entry.series}")
    return "; ".join(parts)


def _blank(_entry: RegisterEntry) -> str:
    return ""


def _transferred(entry: RegisterEntry) -> str:
    """Ngày chuyển: when the leader's direction transferred the document to its units or people."""
    return _d(min((h.assigned_on for h in entry.handlers if h.assigned_on), default=None))


def _incoming_note(entry: RegisterEntry) -> str:
    """Ghi chú: urgency, confidentiality and the deadline (Art. 22 asks the clerk to record them), then the
    rest of the note."""
    parts = [URGENCY_VI[entry.urgency.value], CONFIDENTIALITY_VI[entry.confidentiality.value]]
    if entry.deadline:
        parts.append(f"Hạn xử lý {_d(entry.deadline)}")
    return "; ".join(p for p in (*parts, _note(entry)) if p)


def _kept_by(entry: RegisterEntry) -> str:
    """Đơn vị, người nhận bản lưu: the clerk's file (VT) and the drafting unit, as "Lưu: VT, <unit>" reads."""
    return f"VT; {entry.department}" if entry.department else "VT"


def _copies(entry: RegisterEntry) -> str:
    """Số lượng bản: a copy for each recipient and each file kept (the clerk's, the drafting unit's)."""
    kept = 2 if entry.department else 1
    return str(len(entry.recipients) + kept)


@dataclass(frozen=True)
class Column:
    key: str
    heading: str                              # the Annex IV heading, printed on every export
    label: str                                # the English msgid for the screen
    width: float                              # millimetres; each register's columns fill 277 mm
    value: Callable[[RegisterEntry], str]


def _c(key: str, heading: str, label: str, width: float, value: Callable[[RegisterEntry], str]) -> Column:
    return Column(key, heading, label, width, value)


COLUMNS: dict[RegisterKind, tuple[Column, ...]] = {
    RegisterKind.INCOMING: (
        _c("received_on", "Ngày đến", N_("Date received"), 18, lambda e: _d(e.received_on)),
        _c("number", "Số đến", N_("Incoming no."), 12, lambda e: format_number(e.number)),
        _c("issuing_body", "Tác giả", N_("Issuing body"), 36, lambda e: e.issuing_body),
        _c("number_symbol", "Số, ký hiệu", N_("Number and symbol"), 26, lambda e: e.number_symbol),
        _c("document_date", "Ngày tháng văn bản", N_("Document date"), 18, lambda e: _d(e.document_date)),
        _c("summary", "Tên loại và trích yếu nội dung", N_("Type and subject"), 70, _type_and_summary),
        _c("handlers", "Đơn vị hoặc người nhận", N_("Handled by"), 36, _leads),
        _c("sent_on", "Ngày chuyển", N_("Date transferred"), 18, _transferred),
        _c("signed_for", "Ký nhận", N_("Signed for"), 14, _blank),
        _c("note", "Ghi chú", N_("Note"), 29, _incoming_note),
    ),
    RegisterKind.OUTGOING: (
        _c("number_symbol", "Số, ký hiệu văn bản", N_("Number and symbol"), 26,
           lambda e: e.number_symbol or format_number(e.number)),
        _c("issued_on", "Ngày tháng văn bản", N_("Date issued"), 18, lambda e: _d(e.issued_on or e.document_date)),
        _c("summary", "Tên loại và trích yếu nội dung văn bản", N_("Type and subject"), 70, _type_and_summary),
        _c("signer", "Người ký", N_("Signed by"), 28, lambda e: e.signer),
        _c("recipients", "Nơi nhận văn bản", N_("Recipients"), 40, lambda e: "; ".join(e.recipients)),
        _c("department", "Đơn vị, người nhận bản lưu", N_("Kept by"), 28, _kept_by),
        _c("copies", "Số lượng bản", N_("Copies"), 13, _copies),
        _c("sent_on", "Ngày chuyển", N_("Date sent"), 18, lambda e: _d(e.sent_on)),
        _c("signed_for", "Ký nhận", N_("Signed for"), 14, _blank),
        _c("note", "Ghi chú", N_("Note"), 22, _note),
    ),
    RegisterKind.RESOLUTION: (
        _c("number", "Số đến", N_("Incoming no."), 12, lambda e: format_number(e.number)),
        _c("received_on", "Ngày đến", N_("Date received"), 18, lambda e: _d(e.received_on)),
        _c("summary", "Tên loại, số, ký hiệu, ngày tháng và trích yếu nội dung văn bản",
           N_("Type, number, date and subject"), 82, _full_description),
        _c("handlers", "Đơn vị hoặc người nhận", N_("Handled by"), 50, _all_handlers),
        _c("deadline", "Thời hạn giải quyết", N_("Deadline"), 20, lambda e: _d(e.deadline)),
        _c("progress", "Tiến độ giải quyết", N_("Progress"), 35, _progress),
        _c("replies", "Số, ký hiệu văn bản trả lời", N_("Replies"), 30, lambda e: "; ".join(e.replies)),
        _c("note", "Ghi chú", N_("Note"), 30, _note),
    ),
}


def register_title(kind: RegisterKind) -> str:
    return REGISTER_NAMES[kind][1]

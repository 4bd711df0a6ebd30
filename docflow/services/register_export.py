"""The registers on paper: CSV and printable PDF with the columns of Decree 30/2020/NĐ-CP, Annex IV.

Column headings. The outgoing register's ten are Annex IV, I.2 ("Mẫu sổ đăng ký văn bản đi", read from the
Annex as republished at dientudacam.vn, "Phụ lục IV … Mẫu về quản lý văn bản"). The incoming register's nine
(Ngày đến … Ghi chú) and the resolution register's (Số đến … Số, ký hiệu văn bản trả lời, Ghi chú) are the
Annex's "Mẫu sổ đăng ký văn bản đến" and the State Records and Archives Department's "Sổ theo dõi giải quyết
văn bản đến" (guidance 425/VTLTNN-NVTW, Annex VI), which Decree 30 kept. The Annex lists the *minimum*
contents; docflow adds urgency, confidentiality and the deadline to the incoming register (Art. 22).
The headings are always printed in Vietnamese: the register is a record in the ward's official language.

Exports are written as they are read: the CSV row by row, the PDF page by page from entries read in
chunks (registers.iter_entries), so a year of 10,000 entries is never one string in memory.
"""

from __future__ import annotations

import enum
import io
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from fpdf import FPDF
from sqlalchemy.orm import Session

from docflow import csvexport
from docflow.doctypes import get_type
from docflow.errors import N_
from docflow.models import AssignmentRole, DocumentStatus, Organisation, RegisterKind, User
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.registers import (
    REGISTER_NAMES,
    EntryFilters,
    Progress,
    RegisterEntry,
    count_entries,
    find_source_register,
    format_number,
    iter_entries,
)
from docflow.signing.stamp import FONT_DIR


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    PDF = "pdf"


MIMETYPES = {ExportFormat.CSV: "text/csv; charset=utf-8", ExportFormat.PDF: "application/pdf"}

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
    return "; ".join(parts)


def _blank(_entry: RegisterEntry) -> str:
    return ""


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
        _c("issuing_body", "Tác giả", N_("Issuing body"), 32, lambda e: e.issuing_body),
        _c("number_symbol", "Số, ký hiệu", N_("Number and symbol"), 24, lambda e: e.number_symbol),
        _c("document_date", "Ngày tháng", N_("Document date"), 18, lambda e: _d(e.document_date)),
        _c("summary", "Tên loại và trích yếu nội dung", N_("Type and subject"), 60, _type_and_summary),
        _c("urgency", "Độ khẩn", N_("Urgency"), 15, lambda e: URGENCY_VI[e.urgency.value]),
        _c("confidentiality", "Độ mật", N_("Confidentiality"), 14, lambda e: CONFIDENTIALITY_VI[e.confidentiality.value]),
        _c("handlers", "Đơn vị hoặc người nhận", N_("Handled by"), 32, _leads),
        _c("deadline", "Hạn xử lý", N_("Deadline"), 18, lambda e: _d(e.deadline)),
        _c("signed_for", "Ký nhận", N_("Signed for"), 14, _blank),
        _c("note", "Ghi chú", N_("Note"), 20, _note),
    ),
    RegisterKind.OUTGOING: (
        _c("number_symbol", "Số, ký hiệu văn bản", N_("Number and symbol"), 26,
           lambda e: e.number_symbol or format_number(e.number)),
        _c("issued_on", "Ngày tháng văn bản", N_("Date issued"), 18, lambda e: _d(e.issued_on or e.document_date)),
        _c("summary", "Tên loại và trích yếu nội dung văn bản", N_("Type and subject"), 70, _type_and_summary),
        _c("signer", "Người ký", N_("Signed by"), 28, lambda e: e.signer),
        _c("recipients", "Nơi nhận văn bản", N_("Recipients"), 40, lambda e: "; ".join(e.recipients)),
        _c("department", "Đơn vị, người nhận bản lưu", N_("Kept by"), 28, lambda e: e.department),
        _c("copies", "Số lượng bản", N_("Copies"), 13, lambda e: str(len(e.recipients)) if e.recipients else ""),
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


def export_filename(kind: RegisterKind, year: int, fmt: ExportFormat) -> str:
    return f"so-{REGISTER_NAMES[kind][0]}-{year}.{fmt.value}"


# -- CSV ---------------------------------------------------------------------------------------------------

CSV_BATCH = 200


def csv_chunks(kind: RegisterKind, entries: Iterable[RegisterEntry]) -> Iterator[bytes]:
    """The register as CSV in UTF-8 with a byte-order mark (Excel then reads Vietnamese correctly),
    a few hundred rows per chunk."""
    columns = COLUMNS[kind]
    buffer = io.StringIO()
    writer = csvexport.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([c.heading for c in columns])
    for n, entry in enumerate(entries, start=1):
        writer.writerow([c.value(entry) for c in columns])
        if n % CSV_BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# -- PDF ---------------------------------------------------------------------------------------------------

FONT = "NotoSans"
BODY_PT, HEADING_PT = 7.5, 7.5
LINE_MM = 3.4
PADDING_MM = 0.9
MARGIN_MM = 10.0


class RegisterPdf(FPDF):
    """A4 landscape; the title on the first page, the column headings on every page, "Trang n/N" below."""

    def __init__(self, *, columns: tuple[Column, ...], title: str, organisation: str, year: int,
                 subtitle: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.columns = columns
        self.register_title, self.organisation, self.year, self.subtitle = title, organisation, year, subtitle
        for style, name in (("", "NotoSans-Regular.ttf"), ("B", "NotoSans-Bold.ttf")):
            self.add_font(FONT, style, str(FONT_DIR / name))
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(False)  # rows are placed by hand so that one never splits across pages
        self.set_title(f"{title} – {year}")
        self.set_creator("docflow")
        self._widths: dict[tuple[str, str], float] = {}

    def header(self) -> None:
        if self.page_no() == 1:
            self.set_font(FONT, "B", 10)
            self.cell(0, 5, _nfc(self.organisation.upper()), new_x="LMARGIN", new_y="NEXT")
            self.set_font(FONT, "B", 15)
            self.cell(0, 9, _nfc(self.register_title.upper()), align="C", new_x="LMARGIN", new_y="NEXT")
            self.set_font(FONT, "", 10)
            self.cell(0, 5, f"Năm: {self.year}", align="C", new_x="LMARGIN", new_y="NEXT")
            if self.subtitle:
                self.set_font(FONT, "", 8)
                self.cell(0, 5, _nfc(self.subtitle), align="C", new_x="LMARGIN", new_y="NEXT")
            self.ln(2)
        self.set_font(FONT, "B", HEADING_PT)
        self._row([c.heading for c in self.columns], fill=True)
        self.set_font(FONT, "", BODY_PT)

    def footer(self) -> None:
        self.set_y(-8)
        self.set_font(FONT, "", 7)
        self.cell(0, 4, f"Trang {self.page_no()}/{{nb}}", align="C")

    def add_entry(self, cells: list[str]) -> None:
        lines = [self._wrap(_nfc(text), column.width - 2 * PADDING_MM) for text, column in zip(cells, self.columns)]
        height = max(len(block) for block in lines) * LINE_MM + 2 * PADDING_MM
        if self.get_y() + height > self.h - MARGIN_MM - 4:
            self.add_page()
        self._draw(lines, height, fill=False)

    def _row(self, cells: list[str], *, fill: bool) -> None:
        lines = [self._wrap(_nfc(text), column.width - 2 * PADDING_MM) for text, column in zip(cells, self.columns)]
        self._draw(lines, max(len(block) for block in lines) * LINE_MM + 2 * PADDING_MM, fill=fill)

    def _draw(self, lines: list[list[str]], height: float, *, fill: bool) -> None:
        x, y = self.l_margin, self.get_y()
        if fill:
            self.set_fill_color(230, 230, 230)
        for column, block in zip(self.columns, lines):
            self.rect(x, y, column.width, height, style="DF" if fill else "D")
            for n, line in enumerate(block):
                if line:
                        self.text(x + PADDING_MM, y + PADDING_MM + LINE_MM * (n + 1) - 0.8, line)
            x += column.width
        self.set_xy(self.l_margin, y + height)

    def _width(self, word: str) -> float:
        key = (self.font_style, word)
        if key not in self._widths:
            if len(self._widths) > 50_000:
                self._widths.clear()
            self._widths[key] = self.get_string_width(word)
        return self._widths[key]

    def _wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap with cached word widths: fpdf2's multi_cell measures every row twice and made
        a 10,000-entry register take 40 s; this takes 2 s."""
        out: list[str] = []
        for paragraph in text.splitlines() or [""]:
            line, used, space = "", 0.0, self._width(" ")
            for word in paragraph.split():
                for piece in self._split_long(word, width):
                    w = self._width(piece)
                    if line and used + space + w <= width:
                        line, used = f"{line} {piece}", used + space + w
                    else:
                        if line:
                            out.append(line)
                        line, used = piece, w
            out.append(line)
        return out or [""]

    def _split_long(self, word: str, width: float) -> list[str]:
        if self._width(word) <= width:
            return [word]
        pieces, current = [], ""
        for char in word:
            if current and self.get_string_width(current + char) > width:
                pieces.append(current)
                current = ""
            current += char
        return [*pieces, current]


def _nfc(text: str) -> str:
    # Text typed with combining marks (NFD) would print as loose accents: NotoSans has the precomposed letters.
    return unicodedata.normalize("NFC", text)


def pdf_bytes(kind: RegisterKind, entries: Iterable[RegisterEntry], *, organisation: str, year: int,
              subtitle: str = "") -> bytes:
    """The register as a printable PDF (A4 landscape, page numbers), each entry placed as it is read."""
    pdf = RegisterPdf(columns=COLUMNS[kind], title=register_title(kind), organisation=organisation, year=year,
                      subtitle=subtitle)
    pdf.add_page()
    for entry in entries:
        pdf.add_entry([c.value(entry) for c in COLUMNS[kind]])
    return bytes(pdf.output())


# -- export, audited ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegisterExport:
    kind: RegisterKind
    year: int
    format: ExportFormat
    entries: int
    filename: str

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.format]


def record_export(session: Session, *, actor: User | None, organisation: Organisation, kind: RegisterKind,
                  year: int, fmt: ExportFormat, filters: EntryFilters, tz: tzinfo) -> RegisterExport:
    """Audit an export before it is written (REGISTER_EXPORTED, with the filters and the number of entries).
    Raises PermissionDeniedError. Flushes."""
    entries = count_entries(session, actor=actor, organisation_id=organisation.id, kind=kind, year=year,
                            filters=filters, tz=tz)
    register = find_source_register(session, organisation_id=organisation.id, kind=kind, year=year)
    details: dict[str, Any] = {"register": kind.value, "year": year, "format": fmt.value, "entries": entries,
                               "filters": filters.as_dict()}
    audit.record(session, action=AuditAction.REGISTER_EXPORTED, actor=actor, object_type="register",
                 object_id=register.id if register else f"{kind.value}:{year}", details=details)
    return RegisterExport(kind=kind, year=year, format=fmt, entries=entries,
                          filename=export_filename(kind, year, fmt))


def export_chunks(session: Session, export: RegisterExport, *, actor: User | None, organisation: Organisation,
                  filters: EntryFilters, tz: tzinfo, today: date, now: datetime) -> Iterator[bytes]:
    """The export's bytes, produced as the entries are read (reads only; run it after the audit commit)."""
    entries = iter_entries(session, actor=actor, organisation_id=organisation.id, kind=export.kind,
                           year=export.year, filters=filters, tz=tz, today=today)
    if export.format is ExportFormat.CSV:
        yield from csv_chunks(export.kind, entries)
        return
    subtitle = f"Lập ngày {now.astimezone(tz):%d/%m/%Y %H:%M} · {export.entries} văn bản"
    yield pdf_bytes(export.kind, entries, organisation=organisation.name, year=export.year, subtitle=subtitle)

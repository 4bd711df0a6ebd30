"""Pages built to Decree 30's Annex I contract (the preamble of issue 12), and the same pages with one defect
each, for the format check's tests. fpdf2 with Liberation Serif, millimetres from the top-left corner.

``annex1_pdf()`` is a correct draft quyết định; keyword arguments put one defect in."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fpdf import FPDF

LIBERATION = Path("/usr/share/fonts/truetype/liberation2")
FACES = {"": "Regular", "B": "Bold", "I": "Italic", "BI": "BoldItalic"}
LEFT, RIGHT, TOP = 30.0, 15.0, 20.0
PAGE_W = 210.0
LEFT_COL = (LEFT, 75.0)                   # x, width: issuing body, number line, V/v
RIGHT_COL = (100.0, PAGE_W - RIGHT - 100)  # national title, motto, date line, signature block
MOTTO = "Độc lập - Tự do - Hạnh phúc"


@dataclass(frozen=True)
class Draft:
    """What the page says, and how; each field's default is the contract."""
    doc_type: str = "quyet_dinh"
    type_line: str | None = "QUYẾT ĐỊNH"
    summary: str = "Về việc thành lập Tổ công tác"
    number_line: str | None = "Số:      /QĐ-UBND"
    number_size: float = 13
    date_line: str | None = "Tích Sơn, ngày      tháng      năm 2026"
    date_style: str = "I"
    kinh_gui: str | None = None
    summary_more: str | None = None        # a công văn's V/v that runs onto a second line (Annex I, II.5)
    recipients: tuple[str, ...] = ("- Văn phòng;", "- Công an phường;")
    luu: str | None = "- Lưu: VT, VP."
    noi_nhan: str | None = "Nơi nhận:"
    font: str = "LiberationSerif"
    body_size: float = 14
    margin_text: bool = False
    motto_rule_ratio: float = 1.0
    first_page_header_only: bool = False   # number, date and type lines pushed to page 2
    ward_line: str = "PHƯỜNG TÍCH SƠN"
    block: tuple[str, ...] | None = ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")


CONG_VAN = Draft(doc_type="cong_van", type_line=None, number_line="Số:      /UBND-VP",
                 summary="V/v tổ chức tiêm chủng mở rộng", kinh_gui="Kính gửi: Trạm Y tế phường",
                 recipients=("- Như trên;", "- Văn phòng;"))


def annex1_pdf(draft: Draft | None = None, **changes: Any) -> bytes:
    """The page(s) of ``draft`` (a correct quyết định by default) as PDF bytes."""
    draft = replace(draft or Draft(), **changes)
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(LEFT, TOP, RIGHT)
    for style, face in FACES.items():
        path = LIBERATION / f"{draft.font}-{face}.ttf"
        if not path.exists():
            path = Path("/usr/share/fonts/truetype/liberation2") / f"LiberationSans-{face}.ttf"
        pdf.add_font("Face", style, str(path))
    pdf.add_page()
    _header(pdf, draft)
    y = 38.0
    if draft.first_page_header_only:
        _text(pdf, draft, 60.0)
        pdf.add_page()
        y = TOP + 5
    y = _first_lines(pdf, draft, y)
    if not draft.first_page_header_only:
        y = _text(pdf, draft, y + 4)
    _end(pdf, draft, max(y + 6, 200.0))
    if draft.margin_text:
        _put(pdf, 8, 150, 30, "Ghi chú lề", "", 13)
    return bytes(pdf.output())


def _put(pdf: FPDF, x: float, y: float, width: float, text: str, style: str, size: float,
         align: str = "C") -> None:
    pdf.set_font("Face", style, size)
    pdf.set_xy(x, y)
    pdf.cell(width, size * 0.45, text, align=align)


def _header(pdf: FPDF, draft: Draft) -> None:
    lx, lw = LEFT_COL
    rx, rw = RIGHT_COL
    _put(pdf, lx, TOP, lw, "ỦY BAN NHÂN DÂN", "B", 13)
    _put(pdf, lx, TOP + 6, lw, draft.ward_line, "B", 13)
    pdf.line(lx + lw / 2 - 12, TOP + 12.5, lx + lw / 2 + 12, TOP + 12.5)
    _put(pdf, rx, TOP, rw, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 12)
    _put(pdf, rx, TOP + 6, rw, MOTTO, "B", 13)
    pdf.set_font("Face", "B", 13)
    width = pdf.get_string_width(MOTTO) * draft.motto_rule_ratio
    pdf.line(rx + rw / 2 - width / 2, TOP + 12.5, rx + rw / 2 + width / 2, TOP + 12.5)


def _first_lines(pdf: FPDF, draft: Draft, y: float) -> float:
    """Number line (and V/v) on the left, place and date on the right, then the type line and summary."""
    lx, lw = LEFT_COL
    rx, rw = RIGHT_COL
    if draft.number_line is not None:
        _put(pdf, lx, y - 20 + TOP, lw, draft.number_line, "", draft.number_size)
    if draft.date_line is not None:
        _put(pdf, rx, y - 20 + TOP, rw, draft.date_line, draft.date_style, 13)
    y = y - 20 + TOP + 8
    if draft.doc_type == "cong_van":
        _put(pdf, lx, y, lw, draft.summary, "", 12)
        if draft.summary_more:
            _put(pdf, lx, y + 5.5, lw, draft.summary_more, "", 12)
            y += 5.5
        y += 12
        if draft.kinh_gui:
            _put(pdf, LEFT, y, PAGE_W - LEFT - RIGHT, draft.kinh_gui, "", 14)
            y += 10
        return y
    if draft.type_line is not None:
        _put(pdf, LEFT, y + 4, PAGE_W - LEFT - RIGHT, draft.type_line, "B", 14)
        y += 11
    _put(pdf, LEFT, y, PAGE_W - LEFT - RIGHT, draft.summary, "B", 14)
    return y + 10


def _text(pdf: FPDF, draft: Draft, y: float) -> float:
    pdf.set_font("Face", "", draft.body_size)
    pdf.set_xy(LEFT, y)
    pdf.multi_cell(PAGE_W - LEFT - RIGHT, 7, "Căn cứ Luật Tổ chức chính quyền địa phương; xét đề nghị của "
                   "Văn phòng, Ủy ban nhân dân phường quyết định thành lập Tổ công tác như sau.")
    return pdf.get_y()


def _end(pdf: FPDF, draft: Draft, y: float) -> None:
    """Nơi nhận and its list on the left, the signature block on the right."""
    rx, rw = RIGHT_COL
    if draft.noi_nhan is not None:
        _put(pdf, LEFT, y, 60, draft.noi_nhan, "BI", 12, align="L")
    lines = list(draft.recipients) + ([draft.luu] if draft.luu is not None else [])
    for i, line in enumerate(lines):
        _put(pdf, LEFT, y + 6 + 5 * i, 60, line, "", 11, align="L")
    for i, line in enumerate(draft.block or ()):
        _put(pdf, rx, y + 6 * i, rw, line, "B", 13)
    _put(pdf, rx, y + 35, rw, "Nguyễn Văn An", "B", 13)


def scanned_pdf() -> bytes:
    """A page with a picture and no text layer, as a scanner makes it."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.add_page()
    pdf.set_fill_color(200, 200, 200)
    pdf.rect(30, 20, 165, 250, style="F")
    return bytes(pdf.output())


def with_number_and_date_fields(data: bytes) -> bytes:
    """``data`` with docflow's number and date fields added where today's drafting template puts them."""
    from docflow.signing.sign import ensure_fields
    return ensure_fields(data)


def with_fields_over_lines(data: bytes, *, number: str = "", date: str = "") -> bytes:
    """``data`` with docflow's ``so_ky_hieu`` and ``ngay_ban_hanh`` text fields lying over the printed number and
    date lines (as the drafting template places them), holding ``number`` and ``date``."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    page = writer.pages[0]
    height = float(page.mediabox.height)
    mm = 72 / 25.4
    boxes = {"so_ky_hieu": (LEFT_COL[0], LEFT_COL[0] + LEFT_COL[1], number),
             "ngay_ban_hanh": (RIGHT_COL[0], RIGHT_COL[0] + RIGHT_COL[1], date)}
    fields = ArrayObject()
    for name, (x0, x1, value) in boxes.items():
        top = 38.0 * mm
        widget = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject(name),
            NameObject("/V"): TextStringObject(value), NameObject("/F"): FloatObject(4),
            NameObject("/DA"): TextStringObject("/F1 13 Tf 0 g"),
            NameObject("/Rect"): ArrayObject([FloatObject(x0 * mm), FloatObject(height - top - 8 * mm),
                                              FloatObject(x1 * mm), FloatObject(height - top + 1 * mm)])})
        ref = writer._add_object(widget)
        page[NameObject("/Annots")] = ArrayObject(list(page.get("/Annots", ArrayObject())) + [ref])
        fields.append(ref)
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): fields})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def in_test_ward(draft: Draft | None = None, **changes: Any) -> Draft:
    """``draft`` as the tests' ward ("UBND phường Thử Nghiệm") writes it: its header line and place."""
    base = draft or Draft()
    date = base.date_line.replace("Tích Sơn", "Thử Nghiệm") if base.date_line else base.date_line
    return replace(base, ward_line="PHƯỜNG THỬ NGHIỆM", date_line=date, **changes)

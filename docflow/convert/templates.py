"""Decree 30 drafting templates (.docx) for the common types, built with python-docx to the Annex I page:
A4, margins 22/22/31/16 mm, Times New Roman (LibreOffice prints it with the metric-compatible Liberation
Serif), the header as a two-column borderless table with the rule under the body's name and the rule under
the motto as long as the motto, the blank number line ("Số:      /QĐ-UBND") and date line ("Tích Sơn, ngày
     tháng      năm 2026") where docflow lays its fields, the type line or "V/v", "Kính gửi" where the
type takes it, "Nơi nhận" with "- Lưu: VT, <unit>." and an empty signature block, which docflow draws at
signing from the delegation register (prefix, post, signature, name)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

FONT = "Times New Roman"
BLANK = " " * 6              # the number, day and month left blank, as on a paper draft
MOTTO = "Độc lập - Tự do - Hạnh phúc"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
LEFT_COLUMN, RIGHT_COLUMN = Mm(65), Mm(98)    # 163 mm: the width between the margins
CELL_PADDING = Mm(1.9)       # Word's default left and right cell margins (0.19 cm), which LibreOffice keeps
# The motto at 13 pt bold is 159.14 pt wide in Times New Roman metrics (measured with Liberation Serif
# Bold, which has the same advance widths): Annex I wants the rule under it exactly that long.
MOTTO_SIZE, MOTTO_WIDTH = 13, Pt(159.14)
SUMMARY_RULE = Mm(40)        # under a typed document's trích yếu: a third to a half of a usual one
TEXT_WIDTH = Mm(210 - 31 - 16)
GROUNDS = ("Căn cứ", "Theo đề nghị", "Xét đề nghị")
BODY_RULE = Mm(22)           # under the body's name: a third to a half of "PHƯỜNG TÍCH SƠN" (43.9 mm)
SIGNATURE_BLOCK_HEIGHT = Mm(55)  # room for three prefix/post lines, the signature image and the name


@dataclass(frozen=True)
class TemplateKind:
    code: str
    title: str                  # the type line; "" for công văn (it carries "V/v" under the number)
    abbreviation: str
    addressed: bool             # "Kính gửi: …" (công văn, tờ trình and báo cáo to a superior)
    summary: str
    body: tuple[str, ...]
    recipients: tuple[str, ...]


_TEXT = "[Nội dung văn bản: cỡ chữ 13–14, căn đều hai lề, lùi đầu dòng 1 cm.]"
KINDS: dict[str, TemplateKind] = {k.code: k for k in (
    TemplateKind("quyet_dinh", "QUYẾT ĐỊNH", "QĐ", False, "Về việc […]",
                 ("ỦY BAN NHÂN DÂN {BODY}", "Căn cứ […];", "Theo đề nghị của […].", "QUYẾT ĐỊNH:",
                  "Điều 1. […]", "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
                  "Điều 3. […] chịu trách nhiệm thi hành Quyết định này."),
                 ("- Như Điều 3;", "- […];")),
    TemplateKind("cong_van", "", "", True, "V/v […]", (_TEXT, "Trân trọng./."), ("- Như trên;", "- […];")),
    TemplateKind("thong_bao", "THÔNG BÁO", "TB", False, "[Trích yếu nội dung thông báo]", (_TEXT,),
                 ("- […];",)),
    TemplateKind("ke_hoach", "KẾ HOẠCH", "KH", False, "[Trích yếu nội dung kế hoạch]",
                 ("I. MỤC ĐÍCH, YÊU CẦU", _TEXT, "II. NỘI DUNG", _TEXT, "III. TỔ CHỨC THỰC HIỆN", _TEXT),
                 ("- […];",)),
    TemplateKind("bao_cao", "BÁO CÁO", "BC", True, "[Trích yếu nội dung báo cáo]",
                 ("I. TÌNH HÌNH […]", _TEXT, "II. KIẾN NGHỊ, ĐỀ XUẤT", _TEXT), ("- Như trên;", "- […];")),
    TemplateKind("to_trinh", "TỜ TRÌNH", "TTr", True, "[Trích yếu nội dung tờ trình]",
                 (_TEXT, "Kính trình […] xem xét, quyết định./."), ("- Như trên;", "- […];")),
    TemplateKind("giay_moi", "GIẤY MỜI", "GM", False, "[Dự họp / dự hội nghị về …]",
                 ("Ủy ban nhân dân {PLACE_TITLE} trân trọng kính mời: […]", "Thời gian: […]",
                  "Địa điểm: […]", "Nội dung: […]"), ("- […];",)),
)}


@dataclass(frozen=True)
class Ward:
    """Who issues: "ỦY BAN NHÂN DÂN" / "PHƯỜNG TÍCH SƠN", the place "Tích Sơn", the drafting unit "VP", the
    year of the date line and the body's part of the symbol ("UBND")."""
    body: str
    name: str
    place: str
    unit: str
    year: int
    body_code: str = "UBND"


def symbol(kind: TemplateKind, ward: Ward) -> str:
    """QĐ-UBND for a type with an abbreviation; UBND-<unit> for a công văn (Annex I, II.3.b)."""
    if kind.abbreviation:
        return f"{kind.abbreviation}-{ward.body_code}"
    return f"{ward.body_code}-{ward.unit}" if ward.unit else ward.body_code


def number_line(kind: TemplateKind, ward: Ward) -> str:
    return f"Số:{BLANK}/{symbol(kind, ward)}"


def date_line(ward: Ward) -> str:
    return f"{ward.place}, ngày{BLANK}tháng{BLANK}năm {ward.year}"


def build_template(code: str, ward: Ward) -> bytes:
    """The .docx of type ``code`` (KINDS) for ``ward``. Raises KeyError for a type without a template."""
    kind = KINDS[code]
    document = Document()
    _page(document)
    _header(document, kind, ward)
    if kind.title:
        _para(document, kind.title, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=12)
        _para(document, kind.summary, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _rule(document, TEXT_WIDTH + 2 * CELL_PADDING, SUMMARY_RULE).paragraph_format.space_after = Pt(12)
    if kind.addressed:
        _para(document, "Kính gửi: […]", size=14, align=WD_ALIGN_PARAGRAPH.CENTER, before=12, after=6)
    for line in kind.body:
        text = line.replace("{BODY}", ward.name).replace("{PLACE_TITLE}", ward.name.lower())
        heading = text.isupper() or text.endswith(":") and text.upper() == text
        grounds = text.startswith(GROUNDS)   # the grounds of a decision are italic (Annex I, II.6)
        _para(document, text, size=14, bold=heading, italic=grounds, align=WD_ALIGN_PARAGRAPH.CENTER if heading
              else WD_ALIGN_PARAGRAPH.JUSTIFY, indent=not heading, after=6)
    _closing(document, kind, ward)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page(document: Any) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    # inside Annex I's ranges (top and bottom 20-25 mm, left 30-35, right 15-20) with room for the glyphs'
    # ascent, which rises a little above a line's box
    section.top_margin, section.bottom_margin = Mm(22), Mm(22)
    section.left_margin, section.right_margin = Mm(31), Mm(16)
    section.header_distance, section.footer_distance = Mm(10), Mm(10)
    # page numbers centred in the top margin, none on page 1 (Annex I, II.9); the footer stays empty for
    # the verification code and QR a later issue adds
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(number)
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(14)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    style.paragraph_format.space_after = Pt(0)


def _page_field(paragraph: Any) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    paragraph._p.append(field)


def _header(document: Any, kind: TemplateKind, ward: Ward) -> None:
    """Body and nation on row 1 with their rules; number line and date line on row 2, side by side."""
    table = _table(document, 2, (LEFT_COLUMN, RIGHT_COLUMN))
    left, right = table.rows[0].cells
    _cell_para(left, ward.body, size=13, bold=True, first=True)
    _cell_para(left, ward.name, size=13, bold=True)
    _rule(left, LEFT_COLUMN, BODY_RULE)
    _cell_para(right, NATION, size=12, bold=True, first=True)
    _cell_para(right, MOTTO, size=MOTTO_SIZE, bold=True)
    _rule(right, RIGHT_COLUMN, MOTTO_WIDTH)
    left, right = table.rows[1].cells
    _cell_para(left, number_line(kind, ward), size=13, first=True, before=6)
    if not kind.title:
        _cell_para(left, kind.summary, size=12, before=2)
    _cell_para(right, date_line(ward), size=14, italic=True, first=True, before=6)


def _closing(document: Any, kind: TemplateKind, ward: Ward) -> None:
    """"Nơi nhận" on the left; the empty signature block on the right, as tall as Annex I's block needs."""
    _para(document, "", size=6)
    table = _table(document, 1, (Mm(80), Mm(83)))
    row = table.rows[0]
    row.height, row.height_rule = SIGNATURE_BLOCK_HEIGHT, WD_ROW_HEIGHT_RULE.AT_LEAST
    left, right = row.cells
    _cell_para(left, "Nơi nhận:", size=12, bold=True, italic=True, first=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in (*kind.recipients, f"- Lưu: VT, {ward.unit}." if ward.unit else "- Lưu: VT."):
        _cell_para(left, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)


def _table(document: Any, rows: int, widths: tuple[Any, Any]) -> Any:
    """A borderless table whose grid has ``widths`` (LibreOffice lays out by the grid, Word by the cells)."""
    table = document.add_table(rows=rows, cols=2)
    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        column.set(qn("w:w"), str(int(width.twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width
    return table


def _para(document: Any, text: str, *, size: float, bold: bool = False, italic: bool = False,
          align: Any = None, before: float = 0, after: float = 0, indent: bool = False) -> Any:
    paragraph = document.add_paragraph()
    _format(paragraph, text, size=size, bold=bold, italic=italic, align=align, before=before, after=after)
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    return paragraph


def _cell_para(cell: Any, text: str, *, size: float, bold: bool = False, italic: bool = False,
               first: bool = False, before: float = 0, align: Any = WD_ALIGN_PARAGRAPH.CENTER) -> Any:
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    _format(paragraph, text, size=size, bold=bold, italic=italic, align=align, before=before, after=0)
    return paragraph


def _format(paragraph: Any, text: str, *, size: float, bold: bool, italic: bool, align: Any, before: float,
            after: float) -> None:
    paragraph.alignment = align
    paragraph.paragraph_format.space_before, paragraph.paragraph_format.space_after = Pt(before), Pt(after)
    if text:
        run = paragraph.add_run(text)
        run.font.name, run.font.size, run.font.bold, run.font.italic = FONT, Pt(size), bold, italic


def _rule(cell: Any, column: Any, length: Any) -> Any:
    """A centred rule ``length`` long: an empty, tiny paragraph with a bottom border, indented so that the
    border is exactly that long inside the column (a table cell, or the document's text width)."""
    paragraph = cell.add_paragraph()
    side = max(0, (column - 2 * CELL_PADDING - length) // 2)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = side
    paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)
    return paragraph

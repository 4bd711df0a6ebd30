"""A file's cover (bìa hồ sơ) and its table of contents (mục lục văn bản) as PDFs for printing: the contents laid
out by the registers' own table writer (A4 landscape, headings on every page, rows never split), the cover on
one A4 portrait page; Liberation Serif, Times New Roman's metrics, as Decree 30's Annex I asks."""

from __future__ import annotations

import unicodedata

from fpdf import FPDF

from docflow.services.records.contents import CONTENTS_HEADINGS, Cover, FileRow
from docflow.services.registers.columns import Column
from docflow.services.registers.pdf import FONT, RegisterPdf
from docflow.signing.typefaces import FONT_DIR, FontFace

CONTENTS_TITLE = "Mục lục văn bản"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def contents_pdf(rows: list[FileRow], *, organisation: str, year: int, code: str, title: str) -> bytes:
    """The table of contents with the decree's columns, one row per document in the file's order."""
    columns = tuple(Column(key=f"c{i}", heading=heading, label=heading, width=float(width), value=lambda _: "")
                    for i, (heading, width) in enumerate(CONTENTS_HEADINGS))
    pdf = RegisterPdf(columns=columns, title=CONTENTS_TITLE, organisation=organisation, year=year,
                      subtitle=f"Hồ sơ số: {code} · {title}")
    pdf.add_page()
    for row in rows:
        pdf.add_entry(list(row.cells))
    return bytes(pdf.output())


def _line(pdf: FPDF, text: str, *, size: float, style: str = "", height: float = 8.0) -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, height, _nfc(text), align="C", new_x="LMARGIN", new_y="NEXT")


def cover_pdf(cover: Cover) -> bytes:
    """The cover: the ward (and the heading's department), the file's code, title, dates, counts and
    retention."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    for style, face in (("", FontFace.SERIF), ("B", FontFace.SERIF_BOLD)):
        pdf.add_font(FONT, style, str(FONT_DIR / face.value))
    pdf.set_margins(30, 25, 20)
    pdf.set_title(f"Bìa hồ sơ {cover.code}")
    pdf.set_creator("docflow")
    pdf.add_page()
    pdf.set_line_width(0.6)
    pdf.rect(22, 17, pdf.w - 37, pdf.h - 34)
    _line(pdf, cover.organisation.upper(), size=13, style="B")
    if cover.department:
        _line(pdf, cover.department, size=12)
    pdf.ln(30)
    _line(pdf, "HỒ SƠ", size=26, style="B", height=14)
    _line(pdf, f"Số và ký hiệu hồ sơ: {cover.code}", size=13)
    pdf.ln(8)
    _line(pdf, cover.title, size=15, style="B")
    pdf.ln(20)
    dates = f"Từ ngày {_d(cover.start)} đến ngày {_d(cover.end)}"
    for text in (dates, f"Gồm {cover.documents} văn bản, {cover.pages} trang",
                 f"Thời hạn bảo quản: {cover.retention}", f"Năm {cover.year}"):
        _line(pdf, text, size=13)
    return bytes(pdf.output())


def _d(value: object) -> str:
    return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else "…"

"""The printable register: A4 landscape, the title on the first page, the column headings on every page,
rows that never split across pages, "Trang n/N" below."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from fpdf import FPDF

from docflow.models import RegisterKind
from docflow.services.registers.columns import COLUMNS, Column, register_title
from docflow.services.registers.entries import RegisterEntry
from docflow.signing.typefaces import FONT_DIR, FontFace

FONT = "LiberationSerif"   # Times New Roman metrics, Vietnamese (Decree 30, Annex I)
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
        for style, face in (("", FontFace.SERIF), ("B", FontFace.SERIF_BOLD)):
            self.add_font(FONT, style, str(FONT_DIR / face.value))
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
    # Text typed with combining marks (NFD) would print as loose accents: Liberation Serif has the precomposed letters.
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

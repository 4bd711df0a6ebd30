"""The drafting template: an A4 draft with the Decree 30 header, the number and date fields and the
signer's empty signature field, which is what docflow fills and signs along the route."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from docflow import doctypes

if TYPE_CHECKING:
    from fpdf import FPDF

SIGNER_FIELD = "personal_1"
# The signer's block, right column under the text (Decree 30, Annex I): 220 × 110 pt.
SIGNER_BOX = (315, 180, 535, 290)


def draft_template_pdf(*, organisation_name: str, doc_type: str = "", summary: str = "",
                       number_fields: bool = True) -> bytes:
    """An A4 draft with the Decree 30 header, the number and date fields (``so_ky_hieu``, ``ngay_ban_hanh``)
    and an empty ``personal_1`` signature field where the signer's block goes: what docflow fills and signs.
    ``number_fields=False`` leaves the number and date fields out (as a draft made elsewhere would).
    """
    # pyHanko and fpdf load at first use: the CLI imports the services at start-up.
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    from docflow.signing.sign import ensure_fields, open_incremental
    page = _draft_page(organisation_name, doc_type=doc_type, summary=summary)
    writer = open_incremental(ensure_fields(page) if number_fields else page)
    append_signature_field(writer, SigFieldSpec(SIGNER_FIELD, on_page=0, box=SIGNER_BOX))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _draft_page(organisation_name: str, *, doc_type: str, summary: str) -> bytes:
    """The page itself: header, title and summary, a placeholder for the text, the recipients' block."""
    from fpdf import FPDF  # fpdf at first use (CLI start-up time)

    from docflow.signing.stamp import FONT_DIR  # pyHanko at first use (CLI start-up time)
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 15, 15)
    pdf.add_font("Serif", "", str(FONT_DIR / "NotoSerif-Regular.ttf"))
    pdf.add_font("Serif", "B", str(FONT_DIR / "NotoSerif-Bold.ttf"))
    pdf.add_page()
    _header(pdf, organisation_name)
    kind = doctypes.get_type(doc_type)
    title = kind.name_vi.upper() if kind is not None and kind.abbreviation else ""
    if title:
        _centred(pdf, 20, 55, 175, title, "B", 14)
    _centred(pdf, 20, 62 if title else 55, 175, summary or "V/v …", "B", 13)
    pdf.set_font("Serif", "", 13)
    pdf.set_xy(25, 80)
    pdf.multi_cell(165, 7, "[Nội dung văn bản]")
    pdf.set_font("Serif", "B", 11)
    pdf.set_xy(20, 205)
    pdf.cell(70, 6, "Nơi nhận:")
    pdf.set_font("Serif", "", 10)
    for i, line in enumerate(("- Như trên;", "- Lưu: VT.")):
        pdf.set_xy(20, 211 + 5 * i)
        pdf.cell(70, 5, line)
    return bytes(pdf.output())


def _header(pdf: FPDF, organisation_name: str) -> None:
    """The issuing body on the left, the national motto on the right, each underlined."""
    body, place = header_names(organisation_name)
    _centred(pdf, 10, 12, 85, body, "B", 12)
    _centred(pdf, 10, 18, 85, place, "B", 12)
    _centred(pdf, 95, 12, 110, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 12)
    _centred(pdf, 95, 18, 110, "Độc lập - Tự do - Hạnh phúc", "B", 13)
    pdf.line(40, 25, 65, 25)
    pdf.line(122, 25, 178, 25)


def _centred(pdf: FPDF, x: float, y: float, width: float, text: str, style: str = "", size: float = 12) -> None:
    pdf.set_font("Serif", style, size)
    pdf.set_xy(x, y)
    pdf.cell(width, 6, text, align="C")


def header_names(organisation_name: str) -> tuple[str, str]:
    """"UBND phường Tích Sơn" → ("ỦY BAN NHÂN DÂN", "PHƯỜNG TÍCH SƠN")."""
    name = " ".join(organisation_name.split())
    for prefix in ("UBND ", "Ủy ban nhân dân ", "ỦY BAN NHÂN DÂN "):
        if name.startswith(prefix):
            return "ỦY BAN NHÂN DÂN", name[len(prefix):].upper()
    return "ỦY BAN NHÂN DÂN", name.upper()

"""Real PDFs for the text index's tests and benchmark: a text PDF with a text layer, and an image-only one
(a scan: the page is a picture of the text, with no text layer), both in the bundled Liberation Serif."""

from __future__ import annotations

import io

import pypdfium2
from fpdf import FPDF

from docflow.signing.typefaces import FONT_DIR

SENTENCE = "Kiểm tra thực địa đất đai"


def text_pdf(pages: list[str], *, size: int = 14) -> bytes:
    """An A4 PDF whose page i carries ``pages[i]`` as real text (a text layer)."""
    pdf = FPDF(format="A4")
    pdf.add_font("serif", fname=str(FONT_DIR / "LiberationSerif-Regular.ttf"))
    for body in pages:
        pdf.add_page()
        pdf.set_font("serif", size=size)
        pdf.multi_cell(0, size * 0.6, body)
    return bytes(pdf.output())


def image_pdf(pages: list[str], *, dpi: int = 200) -> bytes:
    """The same pages as scans: each rendered to a grayscale picture and wrapped as a page with no text."""
    source = pypdfium2.PdfDocument(text_pdf(pages, size=18))
    scanned = FPDF(format="A4")
    try:
        for index in range(len(source)):
            image = source[index].render(scale=dpi / 72, grayscale=True).to_pil()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            scanned.add_page()
            scanned.image(buffer, x=0, y=0, w=scanned.w, h=scanned.h)
    finally:
        source.close()
    return bytes(scanned.output())

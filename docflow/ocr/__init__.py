"""Reading the text of PDF pages: the text layer (pypdfium2) and OCR of a rendered page (Debian's tesseract
with its Vietnamese model). Pure: bytes and files in, text out; no models, no database, no Flask. Hostile
PDFs are read in limited child processes (docflow.pdfcheck for the text layer, docflow.ocr.render for OCR)."""

from docflow.ocr.layer import MAX_PAGE_CHARS, has_usable_text, iter_text_layer, read_text_layer
from docflow.ocr.recognise import OcrError, OcrOptions, RenderedPage, recognise_page, run_tesseract
from docflow.ocr.render import RenderLimits, render_page

__all__ = ["MAX_PAGE_CHARS", "OcrError", "OcrOptions", "RenderLimits", "RenderedPage", "has_usable_text", "iter_text_layer",
           "read_text_layer",
           "recognise_page", "render_page", "run_tesseract"]

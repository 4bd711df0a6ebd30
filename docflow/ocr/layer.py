"""A PDF's own text layer, page by page (pypdfium2). Called inside docflow.pdfcheck's limited child process:
a hostile file can exhaust or crash that child, never the app. pdfium is imported with the module, so the
check's fork server (which preloads docflow.pdfcheck) holds it once for every child."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pypdfium2

MAX_PAGE_CHARS = 20_000   # a page of dense A4 text is about 5,000; more is noise or an attack on the index
MIN_USABLE_CHARS = 20     # fewer letters and digits than this: a scan (perhaps a page number), so OCR it


def read_text_layer(path: Path, *, max_pages: int, max_chars: int = MAX_PAGE_CHARS) -> tuple[str, ...]:
    """Each page's text (NFC, at most ``max_chars`` characters), for at most ``max_pages`` pages.

    Raises whatever pdfium raises on a file it cannot read; the caller treats that as "no text layer"."""
    return tuple(iter_text_layer(path, max_pages=max_pages, max_chars=max_chars))


def iter_text_layer(path: Path, *, max_pages: int, max_chars: int = MAX_PAGE_CHARS) -> Iterator[str]:
    """read_text_layer page by page: a page that exhausts or crashes the reader loses only itself and the
    pages after it, not the pages already read."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        for index in range(min(len(document), max_pages)):
            page = document[index]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_bounded()[:max_chars]
                finally:
                    textpage.close()
            finally:
                page.close()
            yield unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    finally:
        document.close()


def has_usable_text(text: str) -> bool:
    """Whether a page's text layer carries its content, or the page is an image to OCR."""
    return sum(1 for c in text if c.isalnum()) >= MIN_USABLE_CHARS

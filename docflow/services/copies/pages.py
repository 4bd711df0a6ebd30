"""The pages of a copy: which pages a trích sao takes, a picture of an electronic original's pages at the
decree's scan profile, a paper scan's pages cut out, and the scan profile check (Decree 30, Art. 25.1.c and
Annex I Part II.I: PDF 1.4 or later, colour, at least 200 dpi, 100 %; rule R45)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from docflow.errors import N_, ValidationError

DPI = 200
MIN_DPI = 200
MAX_COPY_PAGES = 200
_RANGE = re.compile(r"^\s*(\d{1,4})\s*(?:-\s*(\d{1,4}))?\s*$")
_COLOUR_SPACES = {"/DeviceRGB", "/DeviceCMYK", "/CalRGB", "/Lab"}


def parse_pages(text: str, page_count: int) -> list[int]:
    """``"1, 3-4"`` -> ``[0, 2, 3]`` (0-based, in order, once each); "" is every page. Raises ValidationError."""
    if not text.strip():
        return list(range(page_count))
    chosen: dict[int, None] = {}
    for part in text.split(","):
        match = _RANGE.match(part)
        first, last = (int(match.group(1)), int(match.group(2) or match.group(1))) if match else (0, 0)
        if not match or not 1 <= first <= last <= page_count:
            raise ValidationError(N_("Write the pages to copy as numbers and ranges between 1 and %(count)s, "
                                     "for example \"1, 3-4\"."), field="pages", count=page_count)
        chosen.update(dict.fromkeys(range(first - 1, last)))
    return list(chosen)


def pages_label(pages: Sequence[int]) -> str:
    """``[0, 2, 3]`` -> ``"1, 3-4"``: the pages as the copy register writes them."""
    runs: list[list[int]] = []
    for page in pages:
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    return ", ".join(f"{r[0] + 1}" if len(r) == 1 else f"{r[0] + 1}-{r[-1] + 1}" for r in runs)


def picture_of(data: bytes, pages: Sequence[int]) -> bytes:
    """The chosen pages of a PDF docflow issued, drawn as they show (signature images and seal included)
    at 200 dpi in colour, as a new PDF of those pictures at 100 %. One page's pixels at a time: an A4 page
    is 12 MB raw, so the pages are compressed one by one and joined."""
    import pypdfium2 as pdfium  # pdfplumber's renderer; imported only when a copy is made
    from pypdf import PdfReader, PdfWriter
    if len(pages) > MAX_COPY_PAGES:
        raise ValidationError(N_("A copy takes at most %(limit)s pages; copy the document in parts."),
                              field="pages", limit=MAX_COPY_PAGES)
    document = pdfium.PdfDocument(data)
    # the signature and seal widgets are form fields: pdfium draws them only with a form environment
    document.init_forms()
    writer = PdfWriter()
    try:
        for index in pages:
            image = document[index].render(scale=DPI / 72, may_draw_forms=True).to_pil().convert("RGB")
            one = io.BytesIO()
            image.save(one, "PDF", resolution=float(DPI), quality=90)
            writer.add_page(PdfReader(io.BytesIO(one.getvalue())).pages[0])
    finally:
        document.close()
    out = io.BytesIO()
    writer.pdf_header = "%PDF-1.7"
    writer.write(out)
    return out.getvalue()


def cut_pages(data: bytes, pages: Sequence[int]) -> bytes:
    """A new PDF of the chosen pages of a scan, the scan's images untouched, written afresh by pypdf: a
    scanner's (or Pillow's) cross-reference quirks that pyHanko's strict reader refuses do not reach the
    signed copy."""
    from pypdf import PdfReader, PdfWriter  # only when a copy is made
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for index in pages:
        writer.add_page(reader.pages[index])
    # the scan profile asks for PDF 1.4 or later; pypdf writes 1.3 unless told
    writer.pdf_header = "%PDF-1.7"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass(frozen=True)
class ScanImage:
    page: int          # 1-based
    colour: bool
    dpi: float


def check_scan(data: bytes) -> list[ScanImage]:
    """Check a paper original's scan against the decree's profile: PDF 1.4 or later, and on every page a
    scanned image in colour at 200 dpi or more across the page. Raises ValidationError with what is wrong."""
    from pypdf import PdfReader  # only when a scan is checked
    version = re.match(rb"%PDF-(\d)\.(\d)", data[:16])
    if version is None or (int(version.group(1)), int(version.group(2))) < (1, 4):
        raise ValidationError(N_("The scan must be a PDF of version 1.4 or later."), field="file")
    reader = PdfReader(io.BytesIO(data))
    found = [_largest(page, number) for number, page in enumerate(reader.pages, start=1)]
    missing = [str(n) for n, image in enumerate(found, start=1) if image is None]
    if missing:
        raise ValidationError(N_("Page %(pages)s holds no scanned image: upload the scan of the paper original "
                                 "(colour, at least 200 dpi)."), field="file", pages=", ".join(missing))
    images = [image for image in found if image is not None]
    grey = [str(i.page) for i in images if not i.colour]
    if grey:
        raise ValidationError(N_("Page %(pages)s was scanned in black and white or grey; Decree 30 asks for a "
                                 "colour scan. Scan it again in colour."), field="file", pages=", ".join(grey))
    low = [i for i in images if i.dpi < MIN_DPI - 0.5]
    if low:
        raise ValidationError(N_("Page %(page)s was scanned at %(dpi)s dpi; Decree 30 asks for at least 200 dpi. "
                                 "Scan it again at 200 dpi or more, at 100 %%."), field="file",
                              page=low[0].page, dpi=round(low[0].dpi))
    return images


def _largest(page: Any, number: int) -> ScanImage | None:
    """The page's largest image, with its colour and its resolution across the page's width."""
    width_pt = float(page.mediabox.width) or 1.0
    best: tuple[int, Any] | None = None
    for image in _images(page.get("/Resources")):
        pixels = int(image.get("/Width", 0)) * int(image.get("/Height", 0))
        if best is None or pixels > best[0]:
            best = (pixels, image)
    if best is None:
        return None
    image = best[1]
    dpi = int(image.get("/Width", 0)) / (width_pt / 72)
    return ScanImage(page=number, colour=_is_colour(image), dpi=dpi)


def _images(resources: Any, depth: int = 0) -> Iterator[Any]:
    """Image XObjects of a page, and of the form XObjects it draws (a few levels deep)."""
    if resources is None or depth > 3:
        return
    xobjects = resources.get_object().get("/XObject")
    for ref in (xobjects.get_object().values() if xobjects is not None else ()):
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            yield obj
        elif obj.get("/Subtype") == "/Form":
            yield from _images(obj.get("/Resources"), depth + 1)


def _is_colour(image: Any) -> bool:
    space = image.get("/ColorSpace")
    space = space.get_object() if space is not None else None
    if isinstance(space, list) and space:
        name = str(space[0])
        if name == "/ICCBased":
            return int(space[1].get_object().get("/N", 1)) >= 3
        if name == "/Indexed":
            return str(space[1]) in _COLOUR_SPACES or isinstance(space[1].get_object(), list)
        return name in _COLOUR_SPACES
    if space is None and image.get("/Filter") == "/JPXDecode":
        return True
    return str(space) in _COLOUR_SPACES

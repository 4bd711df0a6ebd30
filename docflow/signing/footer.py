"""The public verification footer (issue 15 §2): a QR code of the document's public page, the short code
and the page's URL as text under it, drawn in the bottom margin of page 1 as an incremental update.

Page 1 because it is the page a citizen holds first and the one every document has; the bottom margin
(Annex I: 20-25 mm) because the body never reaches into it, and at the left margin (30-35 mm) because the
signature block and the seal sit on the right. The QR is drawn as vector squares (segno gives the matrix),
the text in Liberation Serif (Times New Roman's metrics, as the document's own face). The footer's form
XObject carries the code and URL it was drawn for (``/DocflowPublicCode``, ``/DocflowPublicUrl``), so the
format check can tell a document's own footer from one copied from another document.

Bytes in, bytes out: no database, no Flask.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.stamp import BaseStampStyle

from docflow.errors import N_, SigningError, UnreadablePdfError
from docflow.signing._pyhanko_compat import ContentStamp
from docflow.signing.geometry import page_box, page_count, pages
from docflow.signing.incremental import damage_is_unreadable, open_incremental, written
from docflow.signing.stamp import MM
from docflow.signing.typefaces import FontFace, FontLibrary, text_width

CODE_KEY = "/DocflowPublicCode"
URL_KEY = "/DocflowPublicUrl"
QR_SIDE = 32.0            # 11.3 mm: a phone reads it at arm's length, and it fits the bottom margin
LEFT = 30 * MM            # Annex I's left margin
BOTTOM = 6.0              # the footer's lowest point above the page's lower edge
CODE_SIZE = 7.0
URL_SIZE = 6.5
URL_BASELINE = 2.0
CODE_BASELINE = 9.5
QR_BOTTOM = 18.0          # four modules of quiet zone above the code line
HEIGHT = QR_BOTTOM + QR_SIDE
_FACE = FontFace.SERIF
_PLAIN = BaseStampStyle(border_width=0)


def grouped(code: str) -> str:
    """``7KQ2M9XD4TPAW3HZ`` as printed and shown: ``7KQ2-M9XD-4TPA-W3HZ``."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def code_line(code: str) -> str:
    return f"Mã tra cứu: {grouped(code)}"


def qr_runs(url: str) -> list[tuple[int, int, int]]:
    """The QR code of ``url`` as dark runs (row from the top, first column, length), error level M."""
    matrix = segno.make(url, error="m", micro=False).matrix
    runs = []
    for row, cells in enumerate(matrix):
        col = 0
        while col < len(cells):
            if cells[col]:
                start = col
                while col < len(cells) and cells[col]:
                    col += 1
                runs.append((row, start, col - start))
            else:
                col += 1
    return runs


def qr_ops(url: str, side: float = QR_SIDE, bottom: float = QR_BOTTOM) -> bytes:
    """The content operators that draw the QR code of ``url`` as black squares, ``side`` points wide."""
    size = len(segno.make(url, error="m", micro=False).matrix)
    module = side / size
    rects = b" ".join(b"%.3f %.3f %.3f %.3f re" % (start * module, bottom + side - (row + 1) * module,
                                                   length * module, module)
                      for row, start, length in qr_runs(url))
    return b"q 0 g " + rects + b" f Q"


class _FooterContent(ContentStamp):
    def __init__(self, writer: BasePdfFileWriter, library: FontLibrary, url: str, code: str, width: float) -> None:
        super().__init__(writer, _PLAIN, layout.BoxConstraints(width, HEIGHT))
        self._library, self._url, self._code = library, url, code

    def render_content(self, writer: BasePdfFileWriter) -> list[bytes]:
        # the cut-down face the number fields use: subsetting the whole font at every write costs ~200 ms
        engine = self._library.field_engine(writer, (code_line(self._code), self._url), _FACE)
        self.set_resource(ResourceType.FONT, pdf_name("/F0"), engine.as_resource())
        ops = [qr_ops(self._url)]
        for text, size, baseline in ((code_line(self._code), CODE_SIZE, CODE_BASELINE),
                                     (self._url, URL_SIZE, URL_BASELINE)):
            scale = size / engine.font_size
            ops.append(b"BT /F0 %d Tf %.4f 0 0 %.4f 0 %.4f Tm %s ET" % (
                engine.font_size, scale, scale, baseline, engine.shape(text).graphics_ops))
        return ops


def add_footer(data: bytes, *, url: str, code: str, fonts: FontLibrary | None = None) -> bytes:
    """``data`` with the verification footer for ``url`` and ``code`` drawn on page 1, as an incremental
    update. Raises UnreadablePdfError for a broken or encrypted PDF, SigningError for one without a page."""
    library = fonts or FontLibrary()
    writer = open_incremental(data)
    with damage_is_unreadable():
        if page_count(writer) < 1:
            raise SigningError(N_("The document has no page %(page)d."), page=1)
        media = page_box(writer, 0)
        width = max(QR_SIDE, text_width(library, _FACE, code_line(code), CODE_SIZE),
                    text_width(library, _FACE, url, URL_SIZE)) + 2
        content = _FooterContent(writer, library, url, code, width)
        xobject = content.register().get_object()
        xobject[pdf_name(CODE_KEY)] = pdf_string(code)
        xobject[pdf_name(URL_KEY)] = pdf_string(url)
        _ensure_contents(writer)
        content.apply(0, round(media.x0 + LEFT), round(media.y0 + BOTTOM))
    return written(writer)


def _ensure_contents(writer: IncrementalPdfFileWriter) -> None:
    """A blank page may have no /Contents at all; pyHanko adds streams to an existing one."""
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    if "/Contents" not in page:
        page[pdf_name("/Contents")] = writer.add_object(generic.StreamObject(stream_data=b""))
        writer.mark_update(page_ref)


@dataclass(frozen=True)
class FooterMark:
    """A footer found on page 1: the code and URL it was drawn for, and whether its QR code is the QR of
    that URL."""
    code: str
    url: str
    qr_matches: bool


def read_footers(data: bytes) -> list[FooterMark]:
    """Every verification footer drawn on page 1 of ``data``. Raises UnreadablePdfError."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        first = next(pages(reader.root["/Pages"]), None)
        found = [] if first is None else _marks(first)
    except (PdfError, KeyError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise UnreadablePdfError(N_("The PDF is damaged and cannot be read.")) from exc
    return found


def _marks(page: generic.DictionaryObject) -> list[FooterMark]:
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    marks = []
    for ref in (xobjects.get_object().values() if xobjects is not None else ()):
        wrapper = ref.get_object()
        for obj in _with_nested(wrapper):
            if CODE_KEY in obj and URL_KEY in obj:
                code, url = str(obj[CODE_KEY]), str(obj[URL_KEY])
                marks.append(FooterMark(code, url, qr_ops(url) in obj.data))
    return marks


def _with_nested(xobject: generic.PdfObject) -> list[generic.StreamObject]:
    """An XObject and the form XObjects it paints (pyHanko may wrap a stamp once)."""
    if not isinstance(xobject, generic.StreamObject):
        return []
    found = [xobject]
    inner = xobject.get("/Resources")
    inner_x = inner.get_object().get("/XObject") if inner is not None else None
    for ref in (inner_x.get_object().values() if inner_x is not None else ()):
        obj = ref.get_object()
        if isinstance(obj, generic.StreamObject):
            found.append(obj)
    return found


__all__ = ["CODE_KEY", "URL_KEY", "FooterMark", "add_footer", "code_line", "grouped", "qr_ops", "read_footers"]

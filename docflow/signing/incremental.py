"""Opening a PDF for an incremental update, writing it out, and one answer for a damaged file."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError

from docflow.errors import N_, UnreadablePdfError

MSG_UNSIGNABLE = N_("The PDF of this document is damaged or malformed, so it cannot be signed. Upload a "
                    "corrected version (for example, print it to PDF again).")


@contextmanager
def damage_is_unreadable() -> Iterator[None]:
    """Turn damage found late into UnreadablePdfError(MSG_UNSIGNABLE); usable as a decorator too.

    pyHanko reads objects lazily, so damage past the trailer surfaces while placing fields, signing or
    writing: a page tree whose /Count lies ("Page not found"), cross-references into the middle of an
    object, nesting deeper than the parser's recursion. pyHanko reports all of them as PdfError.
    """
    try:
        yield
    except (PdfError, RecursionError) as exc:
        raise UnreadablePdfError(MSG_UNSIGNABLE) from exc


def open_incremental(data: bytes) -> IncrementalPdfFileWriter:
    """Open ``data`` for an incremental update.

    Raises UnreadablePdfError if it is not a PDF, is damaged, or is encrypted.
    """
    if b"%PDF-" not in data[:1024]:
        raise UnreadablePdfError(N_("The file is not a PDF."))
    try:
        writer = FlatPageTreeWriter(io.BytesIO(data), strict=False)
        encrypted = writer.prev.encrypted
        if not encrypted:
            _ = writer.root["/Pages"]["/Count"]
    except (PdfError, KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise UnreadablePdfError(N_("The PDF is damaged and cannot be read.")) from exc
    if encrypted:
        raise UnreadablePdfError(N_("The PDF is encrypted; docflow signs only unencrypted PDFs."))
    return writer


def written(writer: IncrementalPdfFileWriter) -> bytes:
    """The document with the writer's incremental update. Raises UnreadablePdfError."""
    out = io.BytesIO()
    with damage_is_unreadable():
        writer.write(out)
    return out.getvalue()


class FlatPageTreeWriter(IncrementalPdfFileWriter):
    """An incremental writer that finds a page of a flat page tree without reading every page before it.

    pyHanko walks the page tree from the first page, reading each page object, to place a field on
    the last page: 100 object reads for a 100-page PDF, the largest cost of signing one. When a /Pages
    node has as many kids as its /Count, and the kid at the index is a /Page, that kid is the page
    (empty intermediate nodes, which would break this, are then impossible in that node).
    Anything else goes down pyHanko's walk.
    """

    def find_page_for_modification(self, page_ix: int) -> Any:
        found = self._direct_page(page_ix)
        return found if found is not None else super().find_page_for_modification(page_ix)

    def _direct_page(self, page_ix: int) -> tuple[generic.IndirectObject, generic.PdfObject] | None:
        try:
            node = self.root["/Pages"]
            kids = node["/Kids"]
            count = int(node["/Count"])
            if count != len(kids):
                return None
            if page_ix < 0:
                page_ix += count
            if not 0 <= page_ix < count:
                return None
            kid_ref = kids.raw_get(page_ix)
            kid = kid_ref.get_object()
            if not isinstance(kid_ref, generic.IndirectObject) or kid.get("/Type") != "/Page":
                return None
            if "/Resources" in kid:
                return kid_ref, kid.raw_get("/Resources")
            return kid_ref, node.raw_get("/Resources") if "/Resources" in node else generic.DictionaryObject()
        except (KeyError, TypeError, ValueError, IndexError, PdfError):
            return None

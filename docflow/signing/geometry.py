"""Where things are on a page: page boxes, the lowest text and form field, the widgets of a field, and the
default place of each kind of signature (Decree 30/2020/NĐ-CP, Annex I)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields as sig_fields

from docflow.errors import N_, SigningError
from docflow.signing import stamp
from docflow.signing.base import SignatureKind
from docflow.signing.content import text_baselines
from docflow.signing.stamp import Rect

PERSONAL_SIZE = (220.0, 110.0)
INITIAL_SIZE = (60.0, 20.0)
TEXT_STAMP_SIZE = (190.0, 40.0)
PAGE_MARGIN = 36.0
# ISO A4 portrait, for a page without a MediaBox anywhere up its tree
_A4 = Rect(0, 0, 595.0, 842.0)


def pages(node: generic.DictionaryObject) -> Iterator[generic.DictionaryObject]:
    """The page objects under a page tree node, in order."""
    kids = node.get("/Kids")
    if kids is None:
        yield node
        return
    for kid in kids:
        yield from pages(kid.get_object())


def page_count(writer: IncrementalPdfFileWriter) -> int:
    return int(writer.root["/Pages"]["/Count"])


def page_box(writer: IncrementalPdfFileWriter, page: int) -> Rect:
    """The page's MediaBox (inherited if need be)."""
    page_ref, _ = writer.find_page_for_modification(page)
    node: Any = page_ref.get_object()
    while node is not None:
        if "/MediaBox" in node:
            x0, y0, x1, y1 = (float(v) for v in node["/MediaBox"])
            return Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    return _A4


def lowest_text_y(writer: IncrementalPdfFileWriter, page: int, media: Rect, above: float | None = None) -> float:
    """The baseline of the lowest text on a page (only text above ``above`` if given), or the page top
    when there is none or the content cannot be read. Text inside form XObjects is not seen."""
    baselines = page_baselines(writer, page)
    if baselines is None:
        # placement is best effort: unreadable content gets the default position
        return media.y1 - PAGE_MARGIN
    ys = [y for y in baselines if above is None or y > above]
    return min(ys) if ys else media.y1 - PAGE_MARGIN


def page_baselines(writer: IncrementalPdfFileWriter, page: int) -> list[float] | None:
    """The baselines of the text a page's content stream shows (not inside form XObjects); None when the
    content cannot be read."""
    page_ref, _ = writer.find_page_for_modification(page)
    try:
        contents = page_ref.get_object().get("/Contents")
        parts = [] if contents is None else contents if isinstance(contents, generic.ArrayObject) else [contents]
        data = b"\n".join(part.get_object().data for part in parts)
        return list(text_baselines(data))
    except (PdfError, ValueError, TypeError, AttributeError, IndexError):
        return None


def lowest_widget_y(writer: IncrementalPdfFileWriter, page: int, media: Rect) -> float:
    """The bottom of the lowest form field on a page (filled in later, so it counts as text).

    Signature widgets do not count: a reviewer's initials sit in the bottom margin.
    """
    page_ref, _ = writer.find_page_for_modification(page)
    lowest = media.y1 - PAGE_MARGIN
    for annot in page_ref.get_object().get("/Annots", ()):
        annot = annot.get_object()
        if annot.get("/FT") == "/Sig" or annot.get("/Subtype") != "/Widget":
            continue
        rect = rect_of(annot)
        if rect is not None:
            lowest = min(lowest, rect.y0)
    return lowest


def rect_of(widget: generic.DictionaryObject) -> Rect | None:
    """A widget's /Rect, normalised; None when it has none or it is empty."""
    try:
        x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    except (KeyError, TypeError, ValueError):
        return None
    rect = Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    return rect if rect.width > 0 and rect.height > 0 else None


def widgets(field_ref: generic.IndirectObject) -> Iterator[tuple[generic.IndirectObject, generic.DictionaryObject]]:
    """The widgets of a form field: the field itself when it has a /Rect, and its kids that have one."""
    field_obj = field_ref.get_object()
    if "/Rect" in field_obj:
        yield field_ref, field_obj
    for kid in field_obj.get("/Kids", ()):
        if isinstance(kid, generic.IndirectObject):
            kid_obj = kid.get_object()
            if "/Rect" in kid_obj:
                yield kid, kid_obj


def page_index(writer: IncrementalPdfFileWriter, widget_ref: generic.IndirectObject,
               widget: generic.DictionaryObject) -> int | None:
    """The index of the page a widget is on (by its /P, or the page whose /Annots lists it)."""
    page_ref = widget.raw_get("/P") if "/P" in widget else None
    for index, page in enumerate(pages(writer.root["/Pages"])):
        if page_ref is not None and page_ref.get_object() is page:
            return index
        annots = page.get("/Annots")
        if annots is not None and any(
                isinstance(a, generic.IndirectObject) and a.reference == widget_ref.reference
                for a in annots.get_object()):
            return index
    return None


def last_personal_widget(writer: IncrementalPdfFileWriter) -> tuple[int, Rect] | None:
    """The page and /Rect of the last visible, filled ``personal_*`` signature, if any."""
    found: tuple[int, Rect] | None = None
    for name, _, field_ref in sig_fields.enumerate_sig_fields(writer, filled_status=True):
        if not name.startswith(SignatureKind.PERSONAL.value):
            continue
        for widget_ref, widget in widgets(field_ref):
            rect = rect_of(widget)
            page = page_index(writer, widget_ref, widget) if rect is not None else None
            if rect is not None and page is not None:
                found = (page, rect)
    return found


def default_rect(writer: IncrementalPdfFileWriter, kind: SignatureKind, page: int | None,
                 box: tuple[float, float, float, float] | None = None,
                 seal_diameter: float | None = None) -> tuple[int, Rect]:
    """The page and rectangle of a new visible ``kind`` signature on ``page`` (None: the last page), or
    ``box`` there when given; the seal is ``seal_diameter`` points across (None: 35 mm).

    Raises SigningError when the page does not exist, or for a seal when there is no personal signature
    to put it over.
    """
    pages_in_document = page_count(writer)
    page = page if page is not None else pages_in_document - 1
    if not 0 <= page < pages_in_document:
        raise SigningError(N_("The document has no page %(page)d."), page=page + 1)
    if box is not None:
        return page, Rect(*box)
    if kind is SignatureKind.ORGANISATION:
        return _over_personal_signature(writer, seal_diameter)
    if kind is SignatureKind.ORGANISATION_TEXT:
        # Decree 30, Annex I: the organisation's signature on attachments sits top right of page 1
        media = page_box(writer, 0)
        w, h = TEXT_STAMP_SIZE
        return 0, Rect(media.x1 - PAGE_MARGIN - w, media.y1 - 6 - h, media.x1 - PAGE_MARGIN, media.y1 - 6)
    media = page_box(writer, page)
    if kind is SignatureKind.INITIAL:
        # initials go in the bottom right margin, where a reviewer's ký nháy usually is
        w, h = INITIAL_SIZE
        return page, Rect(media.x1 - PAGE_MARGIN - w, PAGE_MARGIN / 2, media.x1 - PAGE_MARGIN, PAGE_MARGIN / 2 + h)
    w, h = PERSONAL_SIZE
    top = min(lowest_text_y(writer, page, media), lowest_widget_y(writer, page, media)) - 12
    # below the text if it fits, else at the bottom margin (over whatever is there)
    y0 = max(PAGE_MARGIN, min(top, media.y1 - PAGE_MARGIN) - h)
    centre = media.x0 + media.width * 0.75 - 10
    return page, Rect(centre - w / 2, y0, centre + w / 2, y0 + h)


def _over_personal_signature(writer: IncrementalPdfFileWriter, diameter: float | None) -> tuple[int, Rect]:
    """The seal's place: over the left third of the last personal signature's image."""
    found = last_personal_widget(writer)
    if found is None:
        raise SigningError(N_("The organisation signature goes over a visible personal "
                              "signature, and the document has none."))
    page, widget = found
    return page, stamp.seal_rect(stamp.personal_image_rect(widget), diameter)

"""AcroForm fields: the number and issue date text fields (adding, reading, filling) and the naming of
signature fields.

Filling is an incremental update whose values and appearance streams pyHanko's difference analysis accepts
as form filling, which earlier signatures allow; adding fields is more, so it happens before any signature.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields as sig_fields

from docflow.errors import N_, SigningError
from docflow.signing.base import DATE_FIELD, NUMBER_FIELD, SignatureKind
from docflow.signing.geometry import lowest_text_y, page_baselines, page_box, rect_of, widgets
from docflow.signing.incremental import damage_is_unreadable, open_incremental, written
from docflow.signing.pagelayout import DATE_FIELD_RECT, FIELD_DESCENT, NUMBER_FIELD_RECT, PAGE_HEIGHT
from docflow.signing.stamp import FontLibrary, Rect
from docflow.signing.typefaces import FIELD_SIZE, FontFace

_FILLED_STATE = pdf_name("/Filled")
# Annotation flags (PDF 32000-1, 12.5.3): a widget that is hidden or not viewable is not shown on screen or
# on paper; the fields docflow adds print.
_HIDDEN, _NO_VIEW, _PRINT = 2, 32, 4
_DEFAULT_APPEARANCE = "/Helv 13 Tf 0 g"
# Annex I: the place-and-date line is italic, the number line upright.
_FIELD_FACES = {DATE_FIELD: FontFace.SERIF_ITALIC}


@dataclass(frozen=True)
class TextField:
    """A text form field as the PDF's last revision has it: its value ("" when empty), and whether a widget
    of it is visible on the first page (a value in a field nobody sees is not what the document prints)."""
    value: str
    visible: bool


def text_fields(writer: IncrementalPdfFileWriter) -> dict[str, generic.IndirectObject]:
    """The text fields of the form by fully qualified name."""
    try:
        fields = writer.root["/AcroForm"]["/Fields"]
    except KeyError:
        return {}
    result: dict[str, generic.IndirectObject] = {}

    def walk(refs: Any, prefix: str) -> None:
        for ref in refs:
            if not isinstance(ref, generic.IndirectObject):
                continue
            obj = ref.get_object()
            partial = obj.get("/T")
            name = prefix + str(partial) if partial is not None else prefix.rstrip(".")
            if obj.get("/FT") == "/Tx" and partial is not None:
                result[name] = ref
            kids = obj.get("/Kids")
            if kids is not None and partial is not None:
                walk(kids, name + ".")

    walk(fields, "")
    return result


def read_text_fields(data: bytes) -> dict[str, TextField]:
    """The PDF's text form fields by name, read in one parse. Raises UnreadablePdfError."""
    writer = open_incremental(data)
    with damage_is_unreadable():
        page_ref, _ = writer.find_page_for_modification(0)
        annots = page_ref.get_object().get("/Annots")
        on_page = {(ref.idnum, ref.generation) for ref in (annots.get_object() if annots is not None else ())
                   if isinstance(ref, generic.IndirectObject)}
        fields = {}
        for name, ref in text_fields(writer).items():
            value = ref.get_object().get("/V")
            fields[name] = TextField(value=str(value) if value is not None else "", visible=_shown_on(ref, on_page))
    return fields


def text_field_values(data: bytes) -> dict[str, str]:
    """The text form fields of the PDF as its last revision has them, each with its value ("" when empty).

    Raises UnreadablePdfError.
    """
    return {name: field.value for name, field in read_text_fields(data).items()}


def _shown_on(field: generic.IndirectObject, on_page: set[tuple[int, int]]) -> bool:
    """Whether a widget of ``field`` is on the first page (``on_page``: its annotations), of some size and
    neither hidden nor unviewable."""
    kids = field.get_object().get("/Kids")
    refs = [k for k in kids if isinstance(k, generic.IndirectObject)] if kids is not None else [field]
    for ref in refs:
        widget = ref.get_object()
        rect = widget.get("/Rect")
        if (ref.idnum, ref.generation) not in on_page or rect is None or len(rect) != 4:
            continue
        x0, y0, x1, y1 = (float(v) for v in rect)
        if abs(x1 - x0) >= 1 and abs(y1 - y0) >= 1 and not int(widget.get("/F", 0)) & (_HIDDEN | _NO_VIEW):
            return True
    return False


@damage_is_unreadable()
def fill_fields(data: bytes, values: Mapping[str, str], fonts: FontLibrary | None = None) -> bytes:
    """Set text form fields (``so_ky_hieu``, ``ngay_ban_hanh``) in an incremental update.

    The values and new appearance streams (Liberation Serif 13 pt, the date italic, as Annex I prints those
    lines, on a white ground that hides the draft's blank line) are what pyHanko's difference analysis
    accepts as form filling, which earlier signatures allow.
    Raises UnreadablePdfError, or SigningError if a field does not exist.
    """
    writer = open_incremental(data)
    fill_on_writer(writer, values, fonts or FontLibrary())
    return written(writer)


def fill_on_writer(writer: IncrementalPdfFileWriter, values: Mapping[str, str], library: FontLibrary,
                   missing_ok: bool = False) -> None:
    """Fill ``values`` into the writer's text fields; ``missing_ok`` skips fields the PDF lacks instead
    of raising SigningError."""
    existing = text_fields(writer)
    if missing_ok:
        values = {name: value for name, value in values.items() if name in existing}
        if not values:
            return
    # precomposed letters (NFC): the field font has no layout tables to place combining marks
    values = {name: unicodedata.normalize("NFC", value) for name, value in values.items()}
    # one font resource per face for every field: subset once per write
    engines: dict[FontFace, GlyphAccumulator] = {}
    for name, value in values.items():
        ref = existing.get(name)
        if ref is None:
            raise SigningError(N_("The document has no form field %(field)s."), field=name)
        face = _FIELD_FACES.get(name, FontFace.SERIF)
        if face not in engines:
            engines[face] = library.field_engine(writer, values.values(), face)
        _fill_field(writer, ref, value, engines[face])


def _fill_field(writer: IncrementalPdfFileWriter, ref: generic.IndirectObject, value: str,
                engine: GlyphAccumulator) -> None:
    field_obj = ref.get_object()
    field_obj["/V"] = generic.TextStringObject(value)
    writer.mark_update(ref)
    quadding = int(field_obj.get("/Q", 0))
    for widget_ref, widget in widgets(ref):
        rect = rect_of(widget)
        if rect is None:
            continue
        appearance = _field_appearance(engine, value, rect, quadding)
        # The appearance is a state (/AS) of /N rather than /N itself. pyHanko 0.38's check for
        # in-place appearance updates (_allow_in_place_appearance_update) flags the appearance
        # stream of every locked text field in each revision after the lock unless the stream was
        # last written in the signed revision itself, which would make the organisation signature
        # fail as soon as a DSS or document timestamp follows it. That check is skipped for
        # fields with /AS; PDF viewers pick the /AS state for any widget (ISO 32000-1, 12.5.5).
        widget["/AP"] = generic.DictionaryObject({pdf_name("/N"): generic.DictionaryObject(
            {_FILLED_STATE: writer.add_object(appearance)})})
        widget["/AS"] = _FILLED_STATE
        writer.mark_update(widget_ref)


def _field_appearance(engine: GlyphAccumulator, value: str, rect: Rect, quadding: int) -> generic.StreamObject:
    size = float(FIELD_SIZE)
    shaped = engine.shape(value)
    natural = shaped.x_advance * size
    room = rect.width - 4
    if natural > room > 0:
        size, natural = size * room / natural, room
    size = min(size, rect.height * 0.75)
    natural = shaped.x_advance * size
    x = 2.0 if quadding == 0 else (rect.width - natural) / 2 if quadding == 1 else rect.width - 2 - natural
    # the baseline the drafting template's blank line has (pagelayout.FIELD_DESCENT for a 13 pt value)
    y = (rect.height - size * 0.7) / 2
    scale = size / engine.font_size
    # an opaque white ground: the filled line replaces the draft's blank one ("Số:      /QĐ-UBND")
    content = b"/Tx BMC q 1 g 0 0 %.4f %.4f re f 0 g BT /F0 %d Tf %.4f 0 0 %.4f %.4f %.4f Tm %s ET Q EMC" % (
        rect.width, rect.height, engine.font_size, scale, scale, x, y, shaped.graphics_ops)
    resources = generic.DictionaryObject({
        pdf_name("/Font"): generic.DictionaryObject({pdf_name("/F0"): engine.as_resource()}),
    })
    return generic.StreamObject({
        pdf_name("/Type"): pdf_name("/XObject"),
        pdf_name("/Subtype"): pdf_name("/Form"),
        pdf_name("/BBox"): generic.ArrayObject(generic.FloatObject(v) for v in (0, 0, rect.width, rect.height)),
        pdf_name("/Resources"): resources,
    }, stream_data=content)


@dataclass(frozen=True)
class _FieldPlacement:
    name: str
    label: str
    rect: Rect
    quadding: int = 0


@damage_is_unreadable()
def ensure_fields(data: bytes) -> bytes:
    """Add empty ``so_ky_hieu`` and ``ngay_ban_hanh`` text fields to page 1 when they are missing.

    A PDF that has both is returned unchanged (the same bytes). Must run before any signature:
    adding fields afterwards is more than form filling. Raises UnreadablePdfError.
    """
    writer = open_incremental(data)
    existing = text_fields(writer)
    if NUMBER_FIELD in existing and DATE_FIELD in existing:
        return data
    missing = [p for p in _header_placements(writer) if p.name not in existing]
    page_ref, _ = writer.find_page_for_modification(0)
    _add_text_fields(writer, page_ref, missing)
    return written(writer)


_LABELS = {NUMBER_FIELD: "Số, ký hiệu", DATE_FIELD: "Ngày ban hành"}


@damage_is_unreadable()
def add_text_fields_at(data: bytes, rects: Mapping[str, Rect], *, page: int = 0) -> bytes:
    """Add empty text fields (centred text) named by ``rects`` at exactly those rectangles of ``page``: for a
    draft whose lines docflow found itself (converted from Word), where the fields lie over the blank number
    and date lines. Must run before any signature. Raises UnreadablePdfError."""
    writer = open_incremental(data)
    page_ref, _ = writer.find_page_for_modification(page)
    _add_text_fields(writer, page_ref, [_FieldPlacement(name, _LABELS.get(name, name), rect, quadding=1)
                                        for name, rect in rects.items()])
    return written(writer)


def _header_placements(writer: IncrementalPdfFileWriter) -> list[_FieldPlacement]:
    """Annex I's places (kept at their distance from the top left of a page of another size): "Số: …"
    centred in the left column under the issuing body, the place and date centred in the right column
    under the motto, on one line. A page whose header has other text on that line (made elsewhere, not
    to Annex I) gets the fields under its header text instead, so their white ground hides nothing."""
    media = page_box(writer, 0)
    dx, dy = media.x0, media.y1 - PAGE_HEIGHT
    number, date = _shifted(NUMBER_FIELD_RECT, dx, dy), _shifted(DATE_FIELD_RECT, dx, dy)
    line = number.y0 + FIELD_DESCENT
    baselines = page_baselines(writer, 0)
    clash = baselines is None or any(number.y0 - 2 < y < number.y1 + 2 and abs(y - line) > 2.5 for y in baselines)
    if clash:
        top = min(media.y1 - 100, lowest_text_y(writer, 0, media, above=media.y1 - 140) - 8)
        number, date = _shifted(number, 0, top - number.y1), _shifted(date, 0, top - date.y1)
    return [_FieldPlacement(NUMBER_FIELD, "Số, ký hiệu", number, quadding=1),
            _FieldPlacement(DATE_FIELD, "Ngày ban hành", date, quadding=1)]


def _shifted(rect: Rect, dx: float, dy: float) -> Rect:
    return Rect(rect.x0 + dx, rect.y0 + dy, rect.x1 + dx, rect.y1 + dy)


def _add_text_fields(writer: IncrementalPdfFileWriter, page_ref: generic.IndirectObject,
                     placements: Iterable[_FieldPlacement]) -> None:
    """Add one single-widget text field per placement to the form and the page's annotations."""
    page = page_ref.get_object()
    fields_arr = _acroform(writer)["/Fields"]
    annots = page.get("/Annots")
    if annots is None:
        page["/Annots"] = annots = generic.ArrayObject()
    else:
        annots = annots.get_object()
    for placement in placements:
        ref = writer.add_object(_text_widget(placement, page_ref))
        fields_arr.append(ref)
        annots.append(ref)
    writer.update_container(fields_arr)
    writer.update_container(annots)
    writer.update_container(page)


def _text_widget(placement: _FieldPlacement, page_ref: generic.IndirectObject) -> generic.DictionaryObject:
    rect = placement.rect
    return generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"),
        pdf_name("/Subtype"): pdf_name("/Widget"),
        pdf_name("/FT"): pdf_name("/Tx"),
        pdf_name("/T"): generic.TextStringObject(placement.name),
        pdf_name("/TU"): generic.TextStringObject(placement.label),
        pdf_name("/F"): generic.NumberObject(_PRINT),
        pdf_name("/Q"): generic.NumberObject(placement.quadding),
        pdf_name("/DA"): generic.TextStringObject(_DEFAULT_APPEARANCE),
        pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in (rect.x0, rect.y0, rect.x1, rect.y1)),
        pdf_name("/P"): page_ref,
    })


def _acroform(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    """The document's form dictionary, made (with /Fields and a Helvetica default resource) if need be."""
    root = writer.root
    try:
        form = root["/AcroForm"]
    except KeyError:
        form = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        root["/AcroForm"] = writer.add_object(form)
        writer.update_root()
    if "/Fields" not in form:
        form["/Fields"] = generic.ArrayObject()
        writer.update_container(form)
    if "/DR" not in form:
        form["/DR"] = generic.DictionaryObject({pdf_name("/Font"): generic.DictionaryObject({
            pdf_name("/Helv"): generic.DictionaryObject({
                pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type1"),
                pdf_name("/BaseFont"): pdf_name("/Helvetica"), pdf_name("/Encoding"): pdf_name(
                    "/WinAnsiEncoding")})})})
        form.setdefault(pdf_name("/DA"), generic.TextStringObject(_DEFAULT_APPEARANCE))
        writer.update_container(form)
    return form


def empty_signature_field(writer: IncrementalPdfFileWriter,
                          name: str) -> tuple[generic.DictionaryObject, Rect | None] | None:
    """An existing, unsigned signature field called ``name`` and its widget's /Rect (None: invisible)."""
    for _, _, field_ref in sig_fields.enumerate_sig_fields(writer, filled_status=False, with_name=name):
        rects = [rect for _, widget in widgets(field_ref) if (rect := rect_of(widget)) is not None]
        return field_ref.get_object(), rects[0] if rects else None
    return None


def is_signed(writer: IncrementalPdfFileWriter, name: str) -> bool:
    """Whether the document has a filled signature field called ``name``."""
    return any(True for _ in sig_fields.enumerate_sig_fields(writer, filled_status=True, with_name=name))


def next_signature_field_name(writer: IncrementalPdfFileWriter, kind: SignatureKind) -> str:
    """``initial_<n>``/``personal_<n>`` with the next free n, or ``organisation`` (``organisation_2``, …)."""
    taken = {name for name, _, _ in sig_fields.enumerate_sig_fields(writer)}
    if kind in (SignatureKind.ORGANISATION, SignatureKind.ORGANISATION_TEXT):
        return _free_name(kind.value, taken)
    n = 1
    while f"{kind.value}_{n}" in taken:
        n += 1
    return f"{kind.value}_{n}"


def _free_name(prefix: str, taken: set[str]) -> str:
    if prefix not in taken:
        return prefix
    n = 2
    while f"{prefix}_{n}" in taken:
        n += 1
    return f"{prefix}_{n}"

"""The visible appearance of docflow's signatures (Decree 30/2020/NĐ-CP, Annex I).

A personal signature shows, top to bottom and centred: the signing mode line (``KT. CHỦ TỊCH``), the post,
the signer's signature image and the full name; the organisation signature shows the ward's red seal.
Text is set in Liberation Serif (Times New Roman's metrics, as Annex I asks; bundled under ``fonts/``, so
no system font package is needed) through
pyHanko's OpenType engine, which shapes with HarfBuzz: Vietnamese stacked diacritics come out right.

Fonts are read once per :class:`FontLibrary` (typefaces.py). A fixed appearance (a personal block, a
seal) is rendered once into a private one-object PDF, font subset included, and then imported into each
document as an already-compressed form XObject; a batch therefore pays for shaping, subsetting and image
encoding once.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.images import pil_image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter, PdfFileWriter
from pyhanko.stamp import BaseStampStyle, TextStampStyle

from docflow.errors import N_, SigningError
from docflow.signing._pyhanko_compat import ContentStamp
from docflow.signing.demo_images import demo_seal_png, demo_signature_png
from docflow.signing.typefaces import (
    FIELD_CHARACTERS,
    FONT_DIR,
    TEXT_SIZE,
    FontFace,
    FontLibrary,
    text_width,
)

LINE_HEIGHT = 14.0
# The block reserves two header lines even without a mode line, so that the image area (and with it
# the seal position) follows from the widget rectangle alone (see personal_image_rect).
HEADER_LINES = 2
FOOTER_LINES = 1


def open_png(data: bytes) -> Image.Image:
    """Decode an image once; raises SigningError if it is not an image PIL can read."""
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise SigningError(N_("The signature or seal image cannot be read.")) from exc
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    return image


@dataclass(frozen=True)
class Rect:
    """A rectangle in PDF user space: lower left and upper right corners."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def as_box(self) -> tuple[int, int, int, int]:
        return (round(self.x0), round(self.y0), round(self.x1), round(self.y1))


def personal_image_rect(widget: Rect) -> Rect:
    """Where the signature image sits inside a personal signature widget (page coordinates)."""
    return Rect(
        widget.x0,
        widget.y0 + FOOTER_LINES * LINE_HEIGHT + 2,
        widget.x1,
        widget.y1 - HEADER_LINES * LINE_HEIGHT - 2,
    )


# Decree 30, Annex I (R28): the seal is printed at its real size; a ward's seal is 30-45 mm across.
MM = 72 / 25.4
DEFAULT_SEAL_DIAMETER_MM = 35.0


def seal_rect(image: Rect, diameter: float | None = None) -> Rect:
    """The seal's square, ``diameter`` points wide (default 35 mm): its right part covers the left third of
    the signature image (Decree 30, Annex I)."""
    side = diameter if diameter is not None else DEFAULT_SEAL_DIAMETER_MM * MM
    right = image.x0 + image.width / 3
    middle = (image.y0 + image.y1) / 2
    return Rect(right - side, middle - side / 2, right, middle + side / 2)


@dataclass(frozen=True)
class TextLine:
    text: str
    face: FontFace = FontFace.SERIF_BOLD
    size: float = TEXT_SIZE


def _shaped_line(engine: GlyphAccumulator, font_res: str, line: TextLine, width: float, y: float) -> bytes:
    shaped = engine.shape(line.text)
    size = line.size
    natural = shaped.x_advance * size
    # A name or post longer than the block shrinks rather than overflowing the widget.
    if natural > width and natural > 0:
        size = size * width / natural
        natural = width
    x = (width - natural) / 2
    # The engine's ops assume the font size the engine was built with; scale the text matrix instead.
    scale = size / engine.font_size
    return b"BT /%s %d Tf %.4f 0 0 %.4f %.4f %.4f Tm %s ET" % (
        font_res.encode("ascii"), engine.font_size, scale, scale, x, y, shaped.graphics_ops,
    )


def _fit(image: Image.Image, area: Rect) -> Rect:
    ratio = min(area.width / image.width, area.height / image.height)
    w, h = image.width * ratio, image.height * ratio
    x = area.x0 + (area.width - w) / 2
    y = area.y0 + (area.height - h) / 2
    return Rect(x, y, x + w, y + h)


class _BlockContent(ContentStamp):
    """Centred text lines and images in a fixed box; rendered once into a template."""

    def __init__(
        self,
        writer: BasePdfFileWriter,
        library: FontLibrary,
        width: float,
        height: float,
        lines: Sequence[tuple[TextLine, float]],
        images: Sequence[tuple[Image.Image, Rect]],
    ) -> None:
        super().__init__(writer, _PLAIN_STYLE, layout.BoxConstraints(width, height))
        self._library = library
        self._lines = lines
        self._images = images

    def render_content(self, writer: BasePdfFileWriter) -> list[bytes]:
        ops: list[bytes] = []
        for index, (image, area) in enumerate(self._images):
            placed = _fit(image, area)
            name = "/Im%d" % index
            self.set_resource(ResourceType.XOBJECT, pdf_name(name), pil_image(image, writer))
            ops.append(b"q %.4f 0 0 %.4f %.4f %.4f cm %s Do Q" % (
                placed.width, placed.height, placed.x0, placed.y0, name.encode("ascii")))
        engines: dict[FontFace, tuple[str, GlyphAccumulator]] = {}
        for line, baseline in self._lines:
            if not line.text:
                continue
            if line.face not in engines:
                res_name = "F%d" % len(engines)
                engine = self._library.engine(writer, line.face)
                self.set_resource(ResourceType.FONT, pdf_name("/" + res_name), engine.as_resource())
                engines[line.face] = (res_name, engine)
            res_name, engine = engines[line.face]
            ops.append(_shaped_line(engine, res_name, line, self.box.width, baseline))
        return ops


_PLAIN_STYLE = BaseStampStyle(border_width=0)


class AppearanceTemplate:
    """A rendered form XObject kept in a private PDF, importable into any number of documents."""

    def __init__(self, pdf: bytes, width: float, height: float) -> None:
        self._reader = PdfFileReader(io.BytesIO(pdf))
        self._xobject = self._reader.root.raw_get("/DocflowAppearance")
        self.width = width
        self.height = height

    @classmethod
    def render(
        cls,
        library: FontLibrary,
        width: float,
        height: float,
        lines: Sequence[tuple[TextLine, float]] = (),
        images: Sequence[tuple[Image.Image, Rect]] = (),
    ) -> AppearanceTemplate:
        """Lay out ``lines`` (with baselines) and ``images`` (with areas) in a width×height box."""
        writer = PdfFileWriter()
        content = _BlockContent(writer, library, width, height, lines, images)
        writer.root["/DocflowAppearance"] = content.register()
        buffer = io.BytesIO()
        writer.write(buffer)
        return cls(buffer.getvalue(), width, height)

    def import_into(self, writer: BasePdfFileWriter) -> generic.PdfObject:
        """Copy the XObject with its font and images into ``writer``, streams still compressed."""
        return writer.import_object(self._xobject)


@dataclass(frozen=True, kw_only=True)
class TemplateStampStyle(BaseStampStyle):
    """A pyHanko stamp style that paints a pre-rendered template, scaled to the widget."""

    template: AppearanceTemplate
    border_width: int = 0

    def create_stamp(self, writer: BasePdfFileWriter, box: layout.BoxConstraints,
                     text_params: dict[str, Any]) -> TemplateStamp:
        return TemplateStamp(writer, self, box)


class TemplateStamp(ContentStamp):
    style: TemplateStampStyle

    def render_content(self, writer: BasePdfFileWriter) -> list[bytes]:
        template = self.style.template
        ref = template.import_into(writer)
        self.set_resource(ResourceType.XOBJECT, pdf_name("/Tpl"), ref)
        sx = self.box.width / template.width
        sy = self.box.height / template.height
        return [b"q %.4f 0 0 %.4f 0 0 cm /Tpl Do Q" % (sx, sy)]


def image_template(library: FontLibrary, image: Image.Image, width: float, height: float) -> AppearanceTemplate:
    """An image alone, fitted into the box (the seal)."""
    return AppearanceTemplate.render(library, width, height, (), [(image, Rect(0, 0, width, height))])


def initials_template(library: FontLibrary, initials: str, width: float, height: float) -> AppearanceTemplate:
    """A reviewer's small initials box."""
    line = TextLine(initials, FontFace.SERIF, 9)
    return AppearanceTemplate.render(library, width, height, [(line, (height - 9) / 2 + 2)])


def text_stamp_style(library: FontLibrary) -> TextStampStyle:
    """The organisation's text-only stamp for attachments: number and symbol, then the signing time."""
    return TextStampStyle(
        stamp_text="%(number)s\n%(organisation)s\n%(time)s",
        border_width=1,
        border_color=(0.75, 0.1, 0.1),
        text_box_style=TextBoxStyle(font=library.factory(FontFace.SERIF, 9), font_size=9),
    )


__all__ = [
    "DEFAULT_SEAL_DIAMETER_MM", "FIELD_CHARACTERS", "FONT_DIR", "MM", "LINE_HEIGHT", "TEXT_SIZE", "AppearanceTemplate", "FontFace", "FontLibrary",
    "Rect", "TemplateStamp", "TemplateStampStyle", "TextLine", "demo_seal_png", "demo_signature_png",
    "image_template", "initials_template", "open_png", "personal_image_rect", "seal_rect",
    "text_stamp_style", "text_width",
]

"""The visible appearance of docflow's signatures (Decree 30/2020/NĐ-CP, Annex I).

A personal signature shows, top to bottom and centred: the signing mode line (``KT. CHỦ TỊCH``), the post,
the signer's signature image and the full name; the organisation signature shows the ward's red seal.
Text is set in Noto Serif (bundled under ``fonts/``, so no system font package is needed) through
pyHanko's OpenType engine, which shapes with HarfBuzz: Vietnamese stacked diacritics come out right.

Fonts are read once per :class:`StampKit`. A fixed appearance (a personal block, a seal) is rendered once
into a private one-object PDF, font subset included, and then imported into each document as an
already-compressed form XObject; a batch therefore pays for shaping, subsetting and image encoding once.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.font.api import FontEngine, FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.images import pil_image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter, PdfFileWriter
from pyhanko.stamp import BaseStamp, BaseStampStyle, TextStampStyle

from docflow.errors import N_, SigningError

FONT_DIR = Path(__file__).with_name("fonts")

# Decree 30 prints the signature block in 13-14 pt Times; at stamp size 11 pt keeps a 60-character
# post on one line of a 220 pt wide block.
TEXT_SIZE = 11
LINE_HEIGHT = 14.0
# The block reserves two header lines even without a mode line, so that the image area (and with it
# the seal position) follows from the widget rectangle alone (see personal_image_rect).
HEADER_LINES = 2
FOOTER_LINES = 1


class FontFace(StrEnum):
    SANS = "NotoSans-Regular.ttf"
    SANS_BOLD = "NotoSans-Bold.ttf"
    SERIF = "NotoSerif-Regular.ttf"
    SERIF_BOLD = "NotoSerif-Bold.ttf"


class FontLibrary:
    """The bundled font files, each read from disk once."""

    def __init__(self, directory: Path = FONT_DIR) -> None:
        self._directory = directory
        self._data: dict[FontFace, bytes] = {}

    def data(self, face: FontFace) -> bytes:
        """Return the font program; raises SigningError if the bundled file is missing."""
        try:
            return self._data[face]
        except KeyError:
            pass
        try:
            data = (self._directory / face.value).read_bytes()
        except OSError as exc:
            raise SigningError(N_("The signature font %(font)s is missing."), font=face.value) from exc
        self._data[face] = data
        return data

    def engine(self, writer: BasePdfFileWriter, face: FontFace, size: int = TEXT_SIZE) -> GlyphAccumulator:
        """A glyph accumulator for one writer (pyHanko subsets it when the writer writes)."""
        return GlyphAccumulator(writer, io.BytesIO(self.data(face)), size)

    def field_engine(self, writer: BasePdfFileWriter, texts: Iterable[str] = ()) -> GlyphAccumulator:
        """A glyph accumulator over Noto Serif cut down to FIELD_CHARACTERS, for form fields; the whole
        font when one of ``texts`` needs a character outside the cut.

        pyHanko subsets the font program every time a writer writes; on the full Noto Serif that is
        ~200 ms per field, which made filling the number and date the dearest step of issuing.
        """
        if any(not FIELD_CHARACTERS.issuperset(text) for text in texts):
            return self.engine(writer, FontFace.SERIF, 12)
        engine = GlyphAccumulator(writer, io.BytesIO(self.field_font()), 12)
        # the cut's bounding boxes are right already: no re-expanding every glyph to recompute them at write
        engine.tt.recalcBBoxes = False
        return engine

    def field_font(self) -> bytes:
        """Noto Serif cut down to FIELD_CHARACTERS, without layout tables or hinting (made once)."""
        return _vietnamese_subset(self.data(FontFace.SERIF))

    def factory(self, face: FontFace, size: int = TEXT_SIZE) -> FontEngineFactory:
        """A factory for pyHanko's text boxes that reuses the bytes read here."""
        return _LibraryFontFactory(self, face, size)


# What a number line or a Vietnamese date line can hold: printable ASCII, the 67 Vietnamese letters in both
# cases (precomposed), no-break space and the dashes, quotes and ellipsis. pyHanko keeps glyph ids when it
# subsets, so every glyph of this cut costs a little at each write: ~240 glyphs instead of Latin-1 + Latin
# Extended-A/B's ~660 halves what filling the two fields takes.
_VIETNAMESE_LOWER = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
FIELD_CHARACTERS = frozenset(
    [chr(c) for c in range(0x20, 0x7F)] + list(_VIETNAMESE_LOWER + _VIETNAMESE_LOWER.upper())
    + ["\u00a0"] + [chr(c) for c in range(0x2010, 0x2027)])


@functools.lru_cache(maxsize=2)
def _vietnamese_subset(font: bytes) -> bytes:
    from fontTools import subset
    options = subset.Options()
    # Precomposed Vietnamese letters need no shaping: without the layout tables (and hinting) the
    # subset pyHanko makes again at every write takes ~4 ms instead of ~28 ms. fill_fields writes NFC.
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF"]
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in FIELD_CHARACTERS))
    tt = subset.load_font(io.BytesIO(font), options)
    subsetter.subset(tt)
    out = io.BytesIO()
    subset.save_font(tt, out, options)
    return out.getvalue()


class _LibraryFontFactory(FontEngineFactory):
    def __init__(self, library: FontLibrary, face: FontFace, size: int) -> None:
        self.library, self.face, self.size = library, face, size

    def create_font_engine(self, writer: BasePdfFileWriter, obj_stream: Any = None) -> FontEngine:
        return self.library.engine(writer, self.face, self.size)


def text_width(library: FontLibrary, face: FontFace, text: str, size: float) -> float:
    """The advance width of ``text`` in points, as HarfBuzz shapes it with the font's own metrics."""
    writer = PdfFileWriter()
    engine = library.engine(writer, face, int(size))
    return engine.shape(text).x_advance * size


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


def seal_rect(image: Rect) -> Rect:
    """The seal's square: its right part covers the left third of the signature image (Decree 30)."""
    side = image.height * 1.25
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
    return b"BT /%s %d Tf %g 0 0 %g %g %g Tm %s ET" % (
        font_res.encode("ascii"), engine.font_size, scale, scale, x, y, shaped.graphics_ops,
    )


def _fit(image: Image.Image, area: Rect) -> Rect:
    ratio = min(area.width / image.width, area.height / image.height)
    w, h = image.width * ratio, image.height * ratio
    x = area.x0 + (area.width - w) / 2
    y = area.y0 + (area.height - h) / 2
    return Rect(x, y, x + w, y + h)


class _BlockContent(BaseStamp):
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

    def _render_inner_content(self) -> list[bytes]:
        writer = self._ensure_writer
        ops: list[bytes] = []
        for index, (image, area) in enumerate(self._images):
            placed = _fit(image, area)
            name = "/Im%d" % index
            self.set_resource(ResourceType.XOBJECT, pdf_name(name), pil_image(image, writer))
            ops.append(b"q %g 0 0 %g %g %g cm %s Do Q" % (
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


@dataclass(frozen=True)
class TemplateStampStyle(BaseStampStyle):
    """A pyHanko stamp style that paints a pre-rendered template, scaled to the widget."""

    template: AppearanceTemplate | None = None
    border_width: int = 0

    def create_stamp(self, writer: BasePdfFileWriter, box: layout.BoxConstraints,
                     text_params: dict[str, Any]) -> TemplateStamp:
        return TemplateStamp(writer, self, box)


class TemplateStamp(BaseStamp):
    style: TemplateStampStyle

    def _render_inner_content(self) -> list[bytes]:
        template = self.style.template
        assert template is not None
        ref = template.import_into(self._ensure_writer)
        self.set_resource(ResourceType.XOBJECT, pdf_name("/Tpl"), ref)
        sx = self.box.width / template.width
        sy = self.box.height / template.height
        return [b"q %g 0 0 %g 0 0 cm /Tpl Do Q" % (sx, sy)]


def personal_template(
    library: FontLibrary,
    width: float,
    height: float,
    *,
    mode_line: str | None,
    post: str,
    full_name: str,
    signature_image: Image.Image | None,
) -> AppearanceTemplate:
    """The personal block: mode line and post in bold, the signature image, the full name in bold."""
    # room above the first baseline for the stacked marks of Ủ, Ậ
    top = height - LINE_HEIGHT + 1.5
    header = [mode_line, post] if mode_line else [post]
    # Without a mode line the post sits on the second header line, next to the image, as in Annex I.
    first = 0 if mode_line else 1
    lines = [(TextLine(text), top - (first + i) * LINE_HEIGHT) for i, text in enumerate(header)]
    lines.append((TextLine(full_name), 4.0))
    images = []
    if signature_image is not None:
        area = personal_image_rect(Rect(0, 0, width, height))
        images.append((signature_image, area))
    return AppearanceTemplate.render(library, width, height, lines, images)


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


def demo_signature_png(name: str) -> bytes:
    """A blue, handwriting-like stroke over a transparent background, derived from ``name`` (demo data)."""
    width, height = 360, 150
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    seed = sum(ord(c) for c in name) or 1
    points = []
    for step in range(60):
        t = step / 59
        x = 20 + t * (width - 40)
        y = height / 2 + math.sin(t * 9 + seed % 7) * 35 * (1 - t / 2) + math.cos(t * 23 + seed) * 12
        points.append((x, y))
    draw.line(points, fill=(20, 40, 180, 255), width=6, joint="curve")
    draw.line([(40, height - 30), (width - 60, height - 40)], fill=(20, 40, 180, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@functools.lru_cache(maxsize=8)
def demo_seal_png(organisation: str) -> bytes:
    """A red round seal with the organisation's name around a star, transparent outside (demo data).

    Drawn once per process and name (~13 ms a drawing, every issue applies it)."""
    size = 400
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 20, 30, 255)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=14)
    draw.ellipse((70, 70, size - 70, size - 70), outline=red, width=6)
    centre = size / 2
    star = []
    for k in range(10):
        radius = 60 if k % 2 == 0 else 24
        angle = -math.pi / 2 + k * math.pi / 5
        star.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    draw.polygon(star, fill=red)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype(
            str(FONT_DIR / FontFace.SANS_BOLD.value), 26)
    except OSError:
        font = ImageFont.load_default()
    text = organisation.upper()
    # letters upright along the ring, centred on the top, each turned to follow the circle
    step = min(300 / max(len(text), 1), 16.0)
    first = -90 - step * (len(text) - 1) / 2
    for index, letter in enumerate(text):
        angle = first + index * step
        glyph = Image.new("RGBA", (48, 48), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((24, 24), letter, fill=red, font=font, anchor="mm")
        glyph = glyph.rotate(-(angle + 90), resample=Image.Resampling.BICUBIC)
        x = centre + 155 * math.cos(math.radians(angle))
        y = centre + 155 * math.sin(math.radians(angle))
        image.alpha_composite(glyph, (round(x - 24), round(y - 24)))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()

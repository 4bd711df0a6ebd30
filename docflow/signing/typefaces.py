"""The bundled typeface (Liberation Serif, under ``fonts/``: Times New Roman's metrics with Vietnamese, as
Decree 30's Annex I asks), each style read from disk once, and the glyph engines and font factories pyHanko
sets text with."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.font.api import FontEngine, FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.writer import BasePdfFileWriter, PdfFileWriter

from docflow.errors import N_, SigningError

FONT_DIR = Path(__file__).with_name("fonts")

# Decree 30 prints the signature block in 13-14 pt Times; at stamp size 11 pt keeps a 60-character
# post on one line of a 220 pt wide block.
TEXT_SIZE = 11


# Decree 30, Annex I: the number line and the place-and-date line are 13 pt.
FIELD_SIZE = 13


class FontFace(StrEnum):
    SERIF = "LiberationSerif-Regular.ttf"
    SERIF_BOLD = "LiberationSerif-Bold.ttf"
    SERIF_ITALIC = "LiberationSerif-Italic.ttf"
    SERIF_BOLD_ITALIC = "LiberationSerif-BoldItalic.ttf"


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
            data = _thousand_units(str(self._directory / face.value))
        except OSError as exc:
            raise SigningError(N_("The signature font %(font)s is missing."), font=face.value) from exc
        self._data[face] = data
        return data

    def engine(self, writer: BasePdfFileWriter, face: FontFace, size: int = TEXT_SIZE) -> GlyphAccumulator:
        """A glyph accumulator for one writer (pyHanko subsets it when the writer writes)."""
        return GlyphAccumulator(writer, io.BytesIO(self.data(face)), size)

    def field_engine(self, writer: BasePdfFileWriter, texts: Iterable[str] = (),
                     face: FontFace = FontFace.SERIF) -> GlyphAccumulator:
        """A glyph accumulator over ``face`` cut down to FIELD_CHARACTERS, for form fields; the whole font
        when one of ``texts`` needs a character outside the cut.

        pyHanko subsets the font program every time a writer writes; on a whole font that is ~200 ms per
        field, which made filling the number and date the dearest step of issuing.
        """
        if any(not FIELD_CHARACTERS.issuperset(text) for text in texts):
            return self.engine(writer, face, FIELD_SIZE)
        engine = GlyphAccumulator(writer, io.BytesIO(self.field_font(face)), FIELD_SIZE)
        # the cut's bounding boxes are right already: no re-expanding every glyph to recompute them at write
        engine.tt.recalcBBoxes = False
        return engine

    def field_font(self, face: FontFace = FontFace.SERIF) -> bytes:
        """``face`` cut down to FIELD_CHARACTERS, without layout tables or hinting (made once per face)."""
        return _vietnamese_subset(self.data(face))

    def factory(self, face: FontFace, size: int = TEXT_SIZE) -> FontEngineFactory:
        """A factory for pyHanko's text boxes that reuses the bytes read here."""
        return _LibraryFontFactory(self, face, size)


# What a number line or a Vietnamese date line can hold: printable ASCII, the 67 Vietnamese letters in both
# cases (precomposed), no-break space and the dashes, quotes and ellipsis. pyHanko keeps glyph ids when it
# subsets, so every glyph of this cut costs a little at each write: ~240 glyphs instead of Latin-1 + Latin
# Extended-A/B's ~660 halves what filling the two fields takes.
# the non-breaking hyphen, the one- and two-dot leaders and the triangular bullet: Liberation Serif has none
_NOT_IN_LIBERATION = frozenset({0x2011, 0x2023, 0x2024, 0x2025})
_VIETNAMESE_LOWER = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
FIELD_CHARACTERS = frozenset(
    [chr(c) for c in range(0x20, 0x7F)] + list(_VIETNAMESE_LOWER + _VIETNAMESE_LOWER.upper())
    + ["\u00a0"] + [chr(c) for c in range(0x2010, 0x2027) if c not in _NOT_IN_LIBERATION])


@functools.lru_cache(maxsize=8)
def _thousand_units(path: str) -> bytes:
    """The font program at 1000 units per em and without hinting (~0.4 s, once per process and face).

    pyHanko writes each glyph's advance in the font's own units into the /W array, which PDF reads as
    thousandths of an em: a 2048-unit font such as Liberation Serif would print twice too wide. The
    bundled file itself stays as its authors made it (the OFL reserves the name for unmodified fonts);
    only what is embedded in a document, cut down as a subset, is rescaled.
    """
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem
    from fontTools.ttLib.tables import ttProgram
    font = TTFont(path)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    # hinting instructions are written for the original grid; rescaled they would mislead a rasteriser
    # ... and FFTM (FontForge's timestamps) means nothing in a PDF: fontTools cannot subset it and says so
    # on the console at every write
    for tag in ("fpgm", "prep", "cvt ", "hdmx", "VDMX", "LTSH", "FFTM"):
        if tag in font:
            del font[tag]
    glyf = font["glyf"]
    for name in glyf.keys():
        glyph = glyf[name]
        if hasattr(glyph, "program"):
            glyph.program = ttProgram.Program()
            glyph.program.fromBytecode(b"")
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@functools.lru_cache(maxsize=4)
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

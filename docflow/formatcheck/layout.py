"""A PDF's pages as the format check sees them: text segments (a run of glyphs on one line of one column)
with their font, size and style; horizontal rules; the number and date form fields; every glyph's box.

Read with pdfplumber (pdfminer underneath). Any failure to read becomes ``UnreadableLayout``: the check
turns it into a finding, never a crash."""

from __future__ import annotations

import io
import logging
import re
import statistics
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

FIRST_PAGES = 40          # pages read from the front (the last page is read too, for "Nơi nhận")
MAX_CHARS_PER_PAGE = 20_000
ROW_TOLERANCE = 3.0       # points: glyphs whose tops differ less share a line
NUMBER_FIELD = "so_ky_hieu"
DATE_FIELD = "ngay_ban_hanh"
FIELD_NAMES = (NUMBER_FIELD, DATE_FIELD)
_SUBSET = re.compile(r"^[A-Z]{6}\+")
# The public verification footer (signing/footer.py, issue 15 §2) sits in page 1's bottom margin: its QR code,
# code and URL are docflow's, not the drafter's text, so the Annex I rules do not read them.
FOOTER_ZONE = 62.0
_FOOTER_LINE = re.compile(r"^(Mã tra cứu: [0-9A-Z]{4}(-[0-9A-Z]{4}){3}|https?://\S+/v/[0-9A-Z]{16})$")


class UnreadableLayout(Exception):
    """pdfplumber could not read the PDF (damaged, encrypted, not a PDF)."""


@dataclass(frozen=True)
class Glyph:
    text: str
    font: str
    size: float
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Segment:
    """Glyphs on one line of one column, left to right."""
    page: int
    text: str
    glyphs: tuple[Glyph, ...]

    @property
    def x0(self) -> float:
        return min(g.x0 for g in self.glyphs)

    @property
    def x1(self) -> float:
        return max(g.x1 for g in self.glyphs)

    @property
    def top(self) -> float:
        return min(g.top for g in self.glyphs)

    @property
    def bottom(self) -> float:
        return max(g.bottom for g in self.glyphs)

    @property
    def inked(self) -> tuple[Glyph, ...]:
        return tuple(g for g in self.glyphs if g.text.strip())

    @property
    def size(self) -> float:
        sizes = [g.size for g in self.inked] or [g.size for g in self.glyphs]
        return round(statistics.median(sizes), 1)

    @property
    def bold(self) -> bool:
        return all(is_bold(g.font) for g in self.inked)

    @property
    def italic(self) -> bool:
        return all(is_italic(g.font) for g in self.inked)

    @property
    def words(self) -> str:
        """The text with runs of white space as one space."""
        return " ".join(self.text.split())


@dataclass(frozen=True)
class Rule:
    page: int
    x0: float
    x1: float
    top: float

    @property
    def length(self) -> float:
        return self.x1 - self.x0


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    segments: tuple[Segment, ...]
    rules: tuple[Rule, ...]
    glyphs: tuple[Glyph, ...]


@dataclass(frozen=True)
class Layout:
    pages: tuple[Page, ...]
    fields: tuple[Field, ...]
    page_count: int


def base_font(name: str) -> str:
    return _SUBSET.sub("", name or "")


def is_bold(font: str) -> bool:
    lowered = base_font(font).lower()
    return "bold" in lowered or "black" in lowered or "heavy" in lowered


def is_italic(font: str) -> bool:
    lowered = base_font(font).lower()
    return "italic" in lowered or "oblique" in lowered


def read_layout(data: bytes) -> Layout:
    """The pages (the first FIRST_PAGES and the last) of ``data``. Raises UnreadableLayout."""
    # pdfplumber at first use: the web app and the CLI import the services at start-up.
    import pdfplumber
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                count = len(pdf.pages)
                wanted = sorted(set(range(min(count, FIRST_PAGES))) | ({count - 1} if count else set()))
                pages = tuple(_read_page(pdf.pages[i], i + 1) for i in wanted)
                fields = tuple(f for i in wanted for f in _fields(pdf.pages[i], i + 1))
    except Exception as exc:  # pdfminer raises many kinds on hostile input; every one means "unreadable"
        raise UnreadableLayout(type(exc).__name__) from exc
    return Layout(pages=pages, fields=fields, page_count=count)


def _read_page(page: Any, number: int) -> Page:
    glyphs = tuple(Glyph(text=unicodedata.normalize("NFC", str(c.get("text", ""))), font=str(c.get("fontname", "")),
                         size=float(c.get("size", 0.0)), x0=float(c["x0"]), x1=float(c["x1"]),
                         top=float(c["top"]), bottom=float(c["bottom"]))
                   for c in page.chars[:MAX_CHARS_PER_PAGE])
    rules = tuple(_rules(page, number))
    if number == 1:
        glyphs, rules = _without_footer(glyphs, rules, float(page.height))
    return Page(number=number, width=float(page.width), height=float(page.height),
                segments=tuple(segments_of(glyphs, number)), rules=rules, glyphs=glyphs)


def _without_footer(glyphs: tuple[Glyph, ...], rules: tuple[Rule, ...],
                    height: float) -> tuple[tuple[Glyph, ...], tuple[Rule, ...]]:
    """Page 1's glyphs and rules less the verification footer's lines and its QR code's squares."""
    zone = [g for g in glyphs if g.top > height - FOOTER_ZONE]
    footer = [seg for seg in segments_of(zone, 1) if _FOOTER_LINE.match(seg.text.strip())]
    if not footer:
        return glyphs, rules
    skip = {id(g) for seg in footer for g in seg.glyphs}
    left, right = min(seg.x0 for seg in footer) - 1, max(seg.x1 for seg in footer) + 1
    return (tuple(g for g in glyphs if id(g) not in skip),
            tuple(r for r in rules if not (r.top > height - FOOTER_ZONE and left <= r.x0 and r.x1 <= right)))


def _rules(page: Any, number: int) -> Iterable[Rule]:
    """Horizontal strokes: lines, and rectangles thinner than 2 pt (some writers draw rules as boxes)."""
    for line in page.lines:
        if abs(float(line["top"]) - float(line["bottom"])) < 1.0:
            yield Rule(number, float(line["x0"]), float(line["x1"]), float(line["top"]))
    for rect in page.rects:
        if float(rect["height"]) < 2.0 and float(rect["width"]) > 2.0:
            yield Rule(number, float(rect["x0"]), float(rect["x1"]), float(rect["top"]))


def segments_of(glyphs: Sequence[Glyph], page: int) -> list[Segment]:
    """Glyphs grouped into lines (close tops), each line cut into columns at wide gaps."""
    rows: list[list[Glyph]] = []
    for glyph in sorted(glyphs, key=lambda g: (g.top, g.x0)):
        if rows and abs(rows[-1][0].top - glyph.top) <= ROW_TOLERANCE:
            rows[-1].append(glyph)
        else:
            rows.append([glyph])
    segments: list[Segment] = []
    for row in rows:
        row.sort(key=lambda g: g.x0)
        run: list[Glyph] = [row[0]]
        for glyph in row[1:]:
            if glyph.x0 - run[-1].x1 > 2 * max(glyph.size, 6.0):
                segments.append(_segment(run, page))
                run = []
            run.append(glyph)
        segments.append(_segment(run, page))
    return [s for s in segments if s.text.strip()]


def _segment(run: list[Glyph], page: int) -> Segment:
    text = ""
    for i, glyph in enumerate(run):
        # writers that position words instead of drawing spaces leave a gap: it reads as a space
        if i and glyph.x0 - run[i - 1].x1 > 0.2 * glyph.size and not text.endswith(" ") and glyph.text != " ":
            text += " "
        text += glyph.text
    return Segment(page=page, text=unicodedata.normalize("NFC", text), glyphs=tuple(run))


def _fields(page: Any, number: int) -> Iterable[Field]:
    """docflow's number and date widgets on the page, with their values. Each annotation is resolved one
    level at a time (pdfplumber's ``page.annots`` resolves everything, and a signed page's widgets, signature
    values and page links nest past Python's recursion limit)."""
    from pdfminer.pdftypes import resolve1  # pdfminer comes with pdfplumber (first use)
    height = float(page.root_page.height)
    for ref in resolve1(page.page_obj.annots) or ():
        annot = resolve1(ref)
        if not isinstance(annot, dict):
            continue
        parent = resolve1(annot.get("Parent"))
        holder = parent if "T" not in annot and isinstance(parent, dict) else annot
        name = _text(resolve1(holder.get("T")))
        rect = [float(resolve1(v)) for v in resolve1(annot.get("Rect")) or ()]
        if name not in FIELD_NAMES or len(rect) != 4:
            continue
        yield Field(name=name, value=_text(resolve1(holder.get("V"))), page=number, x0=min(rect[0], rect[2]),
                    x1=max(rect[0], rect[2]), top=height - max(rect[1], rect[3]),
                    bottom=height - min(rect[1], rect[3]))


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        if value.startswith(b"\xfe\xff"):
            return value[2:].decode("utf-16-be", errors="replace")
        return value.decode("latin-1")
    return unicodedata.normalize("NFC", str(value)) if isinstance(value, str) else ""

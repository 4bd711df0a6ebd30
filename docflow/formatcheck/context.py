"""What one check knows: the layout read from the PDF, what the caller expects (type, symbol, issuing body,
place), and the segments each rule recognised (so the size rule knows which element a line is)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from docflow.formatcheck.findings import MM
from docflow.formatcheck.layout import Field, Layout, Page, Segment

NATIONAL_TITLE_TEXT = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_TEXT = "Độc lập - Tự do - Hạnh phúc"
SIZE_TOLERANCE = 0.3


@dataclass(frozen=True)
class Expectation:
    """What the caller knows about the document: its type code (doctypes), the symbol it will carry
    ("QĐ-UBND", "UBND-VP"; None: checked against the type only), the issuing body's header lines and the
    place written before the date."""
    doc_type: str = ""
    symbol: str | None = None
    issuing_body: tuple[str, ...] = ()
    place: str | None = None


@dataclass
class Context:
    layout: Layout
    expect: Expectation
    # element name -> segments recognised as it ("number_line", "date_line", "recipient_list", ...)
    known: dict[str, list[Segment]] = field(default_factory=dict)

    @property
    def first(self) -> Page:
        return self.layout.pages[0]

    def remember(self, element: str, *segments: Segment) -> None:
        self.known.setdefault(element, []).extend(segments)

    def recognised(self) -> set[int]:
        return {id(s) for segments in self.known.values() for s in segments}

    def field(self, name: str) -> Field | None:
        return next((f for f in self.layout.fields if f.name == name), None)

    def all_segments(self) -> list[Segment]:
        return [s for page in self.layout.pages for s in page.segments]


def fold(text: str) -> str:
    """For comparing headings: NFC, one space, dashes as "-", the older "HOÀ" spelling as "HÒA"."""
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    text = re.sub(r"\s*[\u2010-\u2015\u2212-]\s*", " - ", text)
    return text.replace("OÀ", "ÒA").replace("oà", "òa").replace("Uỷ", "Ủy").replace("UỶ", "ỦY")


def sized(size: float, low: float, high: float) -> bool:
    return low - SIZE_TOLERANCE <= size <= high + SIZE_TOLERANCE


def mm(points: float) -> float:
    return round(points / MM, 1)


def under_field(page: Page, fld: Field) -> Segment | None:
    """The printed line a form field lies over (the draft's blank line), if any."""
    for segment in page.segments:
        middle = (segment.top + segment.bottom) / 2
        if fld.top - 2 <= middle <= fld.bottom + 2 and segment.x1 > fld.x0 and segment.x0 < fld.x1:
            return segment
    return None

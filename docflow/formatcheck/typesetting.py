"""How the page is typeset (Annex I, I and II; rule R32): a Times-metric face, each element's size and
style, an A4 page, and no glyph in the margins (top and bottom 20 mm, left 30 mm, right 15 mm)."""

from __future__ import annotations

import re

from docflow.errors import N_
from docflow.formatcheck.context import Context, sized
from docflow.formatcheck.findings import FONT, MARGINS, MM, SIZE, Finding, at
from docflow.formatcheck.layout import Page, Segment, base_font

RULE_FONT = "R32 · NĐ30 PL I, I.3"
RULE_SIZE = "R32 · NĐ30 PL I, II"
RULE_MARGINS = "R32 · NĐ30 PL I, I.4–I.5"
TIMES_METRIC = ("liberationserif", "timesnewroman", "times", "texgyretermes", "nimbusroman", "nimbusromno9l",
                "tinos")
A4 = (595.3, 841.9)
MARGIN_MM = {"top": 20.0, "bottom": 20.0, "left": 30.0, "right": 15.0}
MARGIN_SLACK_MM = 1.0
MAX_SIZE_FINDINGS = 6
# element -> (lowest, highest size, bold, italic; None: either), as the contract sets them
ELEMENT_STYLE: dict[str, tuple[float, float, bool | None, bool | None]] = {
    "national_title": (12, 13, True, None),
    "motto": (13, 14, True, None),
    "issuing_body": (12, 13, True, None),
    "number_line": (13, 13, None, None),
    "vv_line": (12, 13, None, None),
    "date_line": (13, 14, None, True),
    "type_line": (13, 14, True, None),
    "noi_nhan": (12, 12, True, True),
    "recipient_list": (11, 11, None, None),
    "text": (13, 14, None, None),
}
ELEMENT_NAMES = {
    "national_title": N_("national title"), "motto": N_("motto"), "issuing_body": N_("issuing body"),
    "number_line": N_("number line"), "vv_line": N_("V/v line"), "date_line": N_("place-and-date line"),
    "type_line": N_("type line"), "noi_nhan": N_("\"Nơi nhận:\""), "recipient_list": N_("list of recipients"),
    "text": N_("text"),
}
STYLES = {(True, True): N_("bold italic"), (True, None): N_("bold"), (None, True): N_("italic")}
PAGE_NUMBER = re.compile(r"^\d{1,4}$")


def _family(font: str) -> str:
    return re.sub(r"[^a-z0-9]", "", base_font(font).lower())


def check_fonts(ctx: Context) -> list[Finding]:
    """One finding per face that is not Times-metric, where it first appears."""
    seen: dict[str, Finding] = {}
    for page in ctx.layout.pages:
        for glyph in page.glyphs:
            family = _family(glyph.font)
            if not glyph.text.strip() or family.startswith(TIMES_METRIC) or family in seen:
                continue
            seen[family] = at(FONT, RULE_FONT, N_("The font %(font)s is not Times New Roman or a face with its "
                                                  "metrics (Liberation Serif, TeX Gyre Termes, Tinos)."),
                              page=page.number, x=glyph.x0, top=glyph.top, font=base_font(glyph.font) or "?")
    return list(seen.values())


def check_sizes(ctx: Context) -> list[Finding]:
    """Each recognised element at its size and style; every other line as text, 13–14 pt."""
    findings: list[Finding] = []
    known = ctx.recognised()
    for element, segments in ctx.known.items():
        findings += [f for s in segments if (f := _styled(element, s)) is not None]
    for page in ctx.layout.pages:
        for segment in page.segments:
            if id(segment) not in known and not _page_number(page, segment):
                finding = _styled("text", segment)
                if finding is not None:
                    findings.append(finding)
    return findings[:MAX_SIZE_FINDINGS]


def _styled(element: str, segment: Segment) -> Finding | None:
    if element not in ELEMENT_STYLE or not segment.inked:
        return None
    low, high, bold, italic = ELEMENT_STYLE[element]
    if sized(segment.size, low, high) and bold in (None, segment.bold) and italic in (None, segment.italic):
        return None
    wanted = f"{low:g}" if low == high else f"{low:g}–{high:g}"
    style = STYLES.get((bold, italic))
    message = (N_("The %(element)s is %(size)s pt; Annex I sets %(wanted)s pt, %(style)s.") if style
               else N_("The %(element)s is %(size)s pt; Annex I sets %(wanted)s pt."))
    return at(SIZE, RULE_SIZE, message, page=segment.page, x=segment.x0, top=segment.top,
              element=ELEMENT_NAMES[element], size=f"{segment.size:g}", wanted=wanted, style=style or "")


def _page_number(page: Page, segment: Segment) -> bool:
    """Page numbers stand centred in the top margin, from page 2 (R32)."""
    return page.number > 1 and segment.top < MARGIN_MM["top"] * MM and bool(PAGE_NUMBER.match(segment.words))


def check_margins(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    for page in ctx.layout.pages:
        size = sorted((page.width, page.height))
        if abs(size[0] - A4[0]) > 3 or abs(size[1] - A4[1]) > 3:
            findings.append(at(MARGINS, RULE_MARGINS, N_("The page is %(width)s × %(height)s mm, not A4 (210 × "
                                                         "297 mm)."), page=page.number,
                               width=round(page.width / MM), height=round(page.height / MM)))
        glyph = next((g for s in page.segments if not _page_number(page, s) for g in s.inked
                      if _outside(page, g.x0, g.x1, g.top, g.bottom)), None)
        if glyph is not None:
            findings.append(at(MARGINS, RULE_MARGINS, N_("Text stands in the margin (top and bottom 20 mm, left "
                                                         "30 mm, right 15 mm)."), page=page.number, x=glyph.x0,
                               top=glyph.top))
    return findings


def _outside(page: Page, x0: float, x1: float, top: float, bottom: float) -> bool:
    slack = MARGIN_SLACK_MM * MM
    return (x0 < MARGIN_MM["left"] * MM - slack or x1 > page.width - MARGIN_MM["right"] * MM + slack
            or top < MARGIN_MM["top"] * MM - slack or bottom > page.height - MARGIN_MM["bottom"] * MM + slack)

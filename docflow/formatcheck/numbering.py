"""The lines Annex I puts on page 1: the number line with its symbol (II.3, Annex III), the place-and-date
line (II.4) and the type line, or "V/v …" for a công văn (II.5). docflow's number and date form fields lying
over the draft's blank lines count as those lines."""

from __future__ import annotations

import re

from docflow import doctypes
from docflow.errors import N_
from docflow.formatcheck.context import Context, under_field
from docflow.formatcheck.findings import DATE_LINE, NUMBER_LINE, PAGE_ONE, SYMBOL, Finding, at
from docflow.formatcheck.layout import DATE_FIELD, NUMBER_FIELD, Segment

RULE_NUMBER = "R9 · NĐ30 PL I, II.3"
RULE_SYMBOL = "R7, R8 · NĐ30 PL I, II.3.b; PL III"
RULE_DATE = "R32 · NĐ30 PL I, II.4"
RULE_PAGE_ONE = "NĐ30 PL I, IV (Mẫu 1.1)"
LOOSE_NUMBER = re.compile(r"^s[ốô]\s*[:.;]?\s*\d*\s*/\s*\S", re.IGNORECASE)
STRICT_NUMBER = re.compile(r"^Số:\s*(?P<number>\d*)/(?P<symbol>\S+)$")
PADDED_NUMBER = re.compile(r"^(0[1-9]|[1-9]\d+)$")
LOOSE_DATE = re.compile(r",\s*ngày\b.*\btháng\b.*\bnăm\b", re.IGNORECASE)
STRICT_DATE = re.compile(r"^(?P<place>[^,]+), ngày\s+(?P<day>\d*)\s*tháng\s+(?P<month>\d*)\s*năm\s+\d{4}$")
PADDED_DAY = re.compile(r"^(0[1-9]|[12]\d|3[01])$")
PADDED_MONTH = re.compile(r"^(0[12]|[3-9]|1[0-2])$")
NOT_ON_PAGE_ONE = {
    "number_line": N_("The number line is on page %(found_on)s; Annex I puts it on page 1."),
    "date_line": N_("The place-and-date line is on page %(found_on)s; Annex I puts it on page 1."),
    "type_line": N_("The type line (or V/v) is on page %(found_on)s; Annex I puts it on page 1."),
}


def not_on_page_one(element: str, page: int, x: float, top: float) -> list[Finding]:
    if page == 1:
        return []
    return [at(PAGE_ONE, RULE_PAGE_ONE, NOT_ON_PAGE_ONE[element], page=page, x=x, top=top, found_on=page)]


def _line_of(ctx: Context, pattern: re.Pattern[str], field_name: str) -> tuple[str, Segment | None, int, float,
                                                                                   float] | None:
    """The line's text, printed segment (if any), page and position: the form field's value first (it covers
    the printed line), then the printed line."""
    fld = ctx.field(field_name)
    if fld is not None:
        page = ctx.layout.pages[[p.number for p in ctx.layout.pages].index(fld.page)]
        printed = under_field(page, fld)
        if printed is not None and not pattern.search(printed.words):
            printed = None   # the field lies over something else: the draft's own line is not under it
        if fld.value.strip() or printed is not None:
            text = fld.value.strip() or (printed.text.strip() if printed is not None else "")
            return text, printed, fld.page, fld.x0, fld.top
    for segment in ctx.all_segments():
        if pattern.search(segment.words):
            return segment.text.strip(), segment, segment.page, segment.x0, segment.top
    if fld is not None:   # an empty field over no printed line: the line is there, showing nothing
        return "", None, fld.page, fld.x0, fld.top
    return None


def check_number_line(ctx: Context) -> list[Finding]:
    found = _line_of(ctx, LOOSE_NUMBER, NUMBER_FIELD)
    if found is None:
        return [at(NUMBER_LINE, RULE_NUMBER, N_("There is no number line (\"Số: …/%(symbol)s\")."), page=1,
                   symbol=ctx.expect.symbol or "…")]
    text, printed, page, x, top = found
    if printed is not None:
        ctx.remember("number_line", printed)
    findings = not_on_page_one("number_line", page, x, top)
    if not text:   # an empty field with no printed line under it: nothing shows the symbol
        return findings + [at(SYMBOL, RULE_SYMBOL, N_("The number line does not show the symbol (%(expected)s)."),
                              page=page, x=x, top=top, expected=ctx.expect.symbol or "…")]
    match = STRICT_NUMBER.match(" ".join(text.split(" ")).strip())
    if match is None:
        return findings + [at(NUMBER_LINE, RULE_NUMBER, N_("The number line reads \"%(text)s\"; it must read "
                                                             "\"Số:\" then the number, \"/\" and the symbol, as in "
                                                             "\"Số: 15/QĐ-UBND\"."), page=page, x=x, top=top,
                              text=" ".join(text.split()))]
    number = match.group("number")
    if number and not PADDED_NUMBER.match(number):
        findings.append(at(NUMBER_LINE, RULE_NUMBER, N_("The number %(number)s must be written with a leading "
                                                          "zero below 10 (01 … 09)."), page=page, x=x, top=top,
                           number=number))
    return findings + _symbol(ctx, match.group("symbol"), page, x, top)


def _symbol(ctx: Context, symbol: str, page: int, x: float, top: float) -> list[Finding]:
    """Annex III: type abbreviation + body ("QĐ-UBND"); a công văn: body + unit ("UBND-VP")."""
    kind = doctypes.get_type(ctx.expect.doc_type)
    abbreviations = {t.abbreviation for t in doctypes.DOCUMENT_TYPES if t.abbreviation}
    groups = symbol.split("-")
    if ctx.expect.symbol is not None:
        wrong = symbol != ctx.expect.symbol
    elif kind is None:
        wrong = False
    elif kind.abbreviation:
        wrong = len(groups) < 2 or groups[0] != kind.abbreviation
    else:
        wrong = len(groups) < 2 or groups[0] in abbreviations
    if not wrong:
        return []
    expected = ctx.expect.symbol or (f"{kind.abbreviation}-…" if kind is not None and kind.abbreviation else "…-…")
    return [at(SYMBOL, RULE_SYMBOL, N_("The symbol %(found)s does not match the document's type: it must be "
                                       "%(expected)s."), page=page, x=x, top=top, found=symbol, expected=expected)]


def check_date_line(ctx: Context) -> list[Finding]:
    found = _line_of(ctx, LOOSE_DATE, DATE_FIELD)
    if found is None:
        return [at(DATE_LINE, RULE_DATE, N_("There is no place-and-date line (\"%(place)s, ngày … tháng … năm "
                                            "…\")."), page=1, place=ctx.expect.place or "Địa danh")]
    text, printed, page, x, top = found
    findings = not_on_page_one("date_line", page, x, top)
    if printed is not None:
        ctx.remember("date_line", printed)
        if not printed.italic:
            findings.append(at(DATE_LINE, RULE_DATE, N_("The place-and-date line must be in italics."),
                               page=page, x=x, top=top))
    if not text:   # an empty field over no printed line: neither the place nor the year shows
        return findings + [at(DATE_LINE, RULE_DATE, N_("The place-and-date line is empty; a draft prints the place "
                                                       "and the year (\"%(place)s, ngày … tháng … năm …\")."),
                              page=page, x=x, top=top, place=ctx.expect.place or "Địa danh")]
    return findings + _date_text(ctx, text, page, x, top)


def _date_text(ctx: Context, text: str, page: int, x: float, top: float) -> list[Finding]:
    match = STRICT_DATE.match(text.strip())
    if match is None:
        return [at(DATE_LINE, RULE_DATE, N_("The place-and-date line reads \"%(text)s\"; it must read \"%(place)s, "
                                            "ngày dd tháng mm năm yyyy\"."), page=page, x=x, top=top,
                   text=" ".join(text.split()), place=ctx.expect.place or "Địa danh")]
    findings = []
    place = " ".join(match.group("place").split())
    if ctx.expect.place and place != ctx.expect.place:
        findings.append(at(DATE_LINE, RULE_DATE, N_("The place before the date is \"%(found)s\"; it must be "
                                                    "\"%(place)s\"."), page=page, x=x, top=top, found=place,
                           place=ctx.expect.place))
    day, month = match.group("day"), match.group("month")
    if (day and not PADDED_DAY.match(day)) or (month and not PADDED_MONTH.match(month)):
        findings.append(at(DATE_LINE, RULE_DATE, N_("Write days 1–9 and months 1–2 with a leading zero and "
                                                    "other months without one (\"ngày 05 tháng 01\", \"tháng 5\")."),
                           page=page, x=x, top=top))
    return findings

"""The type line or "V/v" (Annex I, II.5) and the end of the text: "Nơi nhận:" with its list ending
"- Lưu: VT, …", "- Như trên;" only with a "Kính gửi" line (II.9)."""

from __future__ import annotations

import re

from docflow import doctypes
from docflow.errors import N_
from docflow.formatcheck.context import Context, fold
from docflow.formatcheck.findings import RECIPIENTS, TYPE_LINE, Finding, at
from docflow.formatcheck.layout import Segment
from docflow.formatcheck.numbering import not_on_page_one

RULE_TYPE = "NĐ30 PL I, II.5"
RULE_RECIPIENTS = "R32 · NĐ30 PL I, II.9"
NOI_NHAN = re.compile(r"^Nơi nhận\s*:", re.IGNORECASE)
LUU = re.compile(r"^-\s*Lưu\s*:\s*VT\b")
KINH_GUI = re.compile(r"^Kính gửi\s*:", re.IGNORECASE)
NHU_TREN = re.compile(r"^-\s*Như trên\b", re.IGNORECASE)


def check_type_line(ctx: Context) -> list[Finding]:
    kind = doctypes.get_type(ctx.expect.doc_type)
    if kind is None:
        return []
    if kind.code == "cong_van":   # only the công văn carries "V/v" (II.5.b); a thư công has no abbreviation either
        found = next((s for s in ctx.all_segments() if s.words.startswith("V/v ")), None)
        if found is None:
            return [at(TYPE_LINE, RULE_TYPE, N_("A công văn carries its summary as \"V/v …\" under the number "
                                                "line; there is none."), page=1)]
        ctx.remember("vv_line", found, *_continued(ctx, found))
        return not_on_page_one("type_line", found.page, found.x0, found.top)
    title = fold(kind.name_vi).casefold()
    found = next((s for s in ctx.all_segments() if fold(s.text).casefold() == title), None)
    if found is None:
        return [at(TYPE_LINE, RULE_TYPE, N_("There is no type line (\"%(title)s\")."), page=1,
                   title=kind.name_vi.upper())]
    ctx.remember("type_line", found)
    findings = not_on_page_one("type_line", found.page, found.x0, found.top)
    if not found.words.isupper():
        findings.append(at(TYPE_LINE, RULE_TYPE, N_("The type line must be in capitals (\"%(title)s\")."),
                           page=found.page, x=found.x0, top=found.top, title=kind.name_vi.upper()))
    return findings


def _continued(ctx: Context, first: Segment) -> list[Segment]:
    """The lines a long "V/v …" wraps onto: each right under the one before, within the V/v's column (a line
    beside it, in the other column, is skipped; a gap of most of a line ends the V/v)."""
    lines, last = [], first
    for segment in sorted((s for s in ctx.all_segments() if s.page == first.page and s.top > first.top),
                          key=lambda s: s.top):
        if segment.top - last.bottom > 0.8 * last.size:
            break
        if first.x0 - 2 <= segment.x0 and segment.x1 <= first.x1 + 2:
            lines.append(segment)
            last = segment
    return lines


def check_recipients(ctx: Context) -> list[Finding]:
    segments = ctx.all_segments()
    heading = next((s for s in reversed(segments) if NOI_NHAN.match(s.words)), None)
    if heading is None:
        return [at(RECIPIENTS, RULE_RECIPIENTS, N_("\"Nơi nhận:\" is missing at the end of the text."),
                   page=ctx.layout.page_count)]
    ctx.remember("noi_nhan", heading)
    findings = []
    if heading.page != ctx.layout.page_count:
        findings.append(at(RECIPIENTS, RULE_RECIPIENTS, N_("\"Nơi nhận:\" must stand at the end of the text, on "
                                                            "the last page."), page=heading.page, x=heading.x0,
                           top=heading.top))
    items = _list_of(segments, heading)
    ctx.remember("recipient_list", *items)
    luu = [i for i, s in enumerate(items) if LUU.match(s.words)]
    if not luu:
        findings.append(at(RECIPIENTS, RULE_RECIPIENTS, N_("The list under \"Nơi nhận:\" must end with \"- Lưu: VT, "
                                                            "…\"; it is missing."), page=heading.page, x=heading.x0,
                           top=heading.bottom))
    elif luu[-1] != len(items) - 1:
        after = items[luu[-1] + 1]
        findings.append(at(RECIPIENTS, RULE_RECIPIENTS, N_("\"- Lưu: VT\" must be the last line of the list under "
                                                            "\"Nơi nhận:\"."), page=after.page, x=after.x0,
                           top=after.top))
    has_kinh_gui = any(KINH_GUI.match(s.words) for s in segments)
    for item in items:
        if NHU_TREN.match(item.words) and not has_kinh_gui:
            findings.append(at(RECIPIENTS, RULE_RECIPIENTS, N_("\"- Như trên;\" is written only under a \"Kính "
                                                                "gửi:\" line, and this document has none."),
                               page=item.page, x=item.x0, top=item.top))
    return findings


def _list_of(segments: list[Segment], heading: Segment) -> list[Segment]:
    """The lines under "Nơi nhận:" in its column: those starting at its left edge, top to bottom."""
    start = segments.index(heading)
    items = [s for s in segments[start + 1:]
             if abs(s.x0 - heading.x0) < 15 and s.words.startswith(("-", "+", "–"))
             and (s.page > heading.page or s.top > heading.top)]
    return sorted(items, key=lambda s: (s.page, s.top))

"""The top of page 1 (Annex I, II.1–II.2): the national title and motto with the rule under the motto as
long as the motto, and the issuing body in the left column."""

from __future__ import annotations

from docflow.errors import N_
from docflow.formatcheck.context import MOTTO_TEXT, NATIONAL_TITLE_TEXT, Context, fold, mm
from docflow.formatcheck.findings import ISSUING_BODY, MOTTO_RULE, NATIONAL_TITLE, Finding, at
from docflow.formatcheck.layout import Segment

RULE_TITLE = "NĐ30 PL I, II.1"
RULE_BODY = "NĐ30 PL I, II.2"
RULE_LENGTH_TOLERANCE = 1.5   # points, plus 1 % of the motto's width


def _find(ctx: Context, text: str) -> Segment | None:
    wanted = fold(text).casefold()
    return next((s for s in ctx.first.segments if fold(s.text).casefold() == wanted), None)


def check_title_and_motto(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    title = _find(ctx, NATIONAL_TITLE_TEXT)
    if title is None:
        findings.append(at(NATIONAL_TITLE, RULE_TITLE, N_("Page 1 lacks the national title \"%(text)s\"."),
                           page=1, text=NATIONAL_TITLE_TEXT))
    else:
        ctx.remember("national_title", title)
    motto = _find(ctx, MOTTO_TEXT)
    if motto is None:
        findings.append(at(NATIONAL_TITLE, RULE_TITLE, N_("Page 1 lacks the motto \"%(text)s\"."),
                           page=1, text=MOTTO_TEXT))
        return findings
    ctx.remember("motto", motto)
    return findings + _motto_rule(ctx, motto)


def _motto_rule(ctx: Context, motto: Segment) -> list[Finding]:
    """Annex I: a rule under the motto, as long as the motto line."""
    width = motto.x1 - motto.x0
    below = [r for r in ctx.first.rules
             if motto.bottom - 2 <= r.top <= motto.bottom + 14 and r.x1 > motto.x0 and r.x0 < motto.x1]
    if not below:
        return [at(MOTTO_RULE, RULE_TITLE, N_("There is no rule under the motto."), page=1, x=motto.x0,
                   top=motto.bottom)]
    rule = min(below, key=lambda r: abs(r.length - width))
    if abs(rule.length - width) > RULE_LENGTH_TOLERANCE + 0.01 * width:
        return [at(MOTTO_RULE, RULE_TITLE, N_("The rule under the motto is %(length)s mm long; the motto is "
                                              "%(motto)s mm: they must be the same length."),
                   page=1, x=rule.x0, top=rule.top, length=mm(rule.length), motto=mm(width))]
    return []


def check_issuing_body(ctx: Context) -> list[Finding]:
    """The body's lines in the left column of page 1, above the number line."""
    half = ctx.first.width / 2
    left = [s for s in ctx.first.segments if (s.x0 + s.x1) / 2 < half and s.top < ctx.first.height / 3]
    findings = []
    wanted = ctx.expect.issuing_body or ()
    for line in wanted:
        match = next((s for s in left if fold(s.text).casefold() == fold(line).casefold()), None)
        if match is None:
            findings.append(at(ISSUING_BODY, RULE_BODY, N_("The issuing body's line \"%(text)s\" is missing from "
                                                            "the left column of page 1."), page=1, text=line))
        else:
            ctx.remember("issuing_body", match)
    if not wanted:
        capitals = [s for s in left if s.words.isupper() and not s.words.startswith("SỐ")]
        if not capitals:
            findings.append(at(ISSUING_BODY, RULE_BODY, N_("The issuing body is missing from the left column of "
                                                            "page 1."), page=1))
        ctx.remember("issuing_body", *capitals[:2])
    return findings

"""The format check of a PDF against Decree 30's Annex I: every rule in turn over one reading of the page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from docflow.errors import N_
from docflow.formatcheck import ending, header, numbering, typesetting
from docflow.formatcheck.context import Context, Expectation
from docflow.formatcheck.findings import NO_TEXT, UNREADABLE, Finding, at
from docflow.formatcheck.layout import Layout, UnreadableLayout, read_layout

log = logging.getLogger(__name__)
RULE_TEXT = "R32 · NĐ30 PL I"
# Order matters: the sizes rule uses what the others recognised.
RULES: tuple[Callable[[Context], list[Finding]], ...] = (
    header.check_title_and_motto, header.check_issuing_body, numbering.check_number_line,
    numbering.check_date_line, ending.check_type_line, ending.check_recipients, typesetting.check_fonts,
    typesetting.check_margins, typesetting.check_sizes,
)


@dataclass(frozen=True)
class CheckResult:
    findings: tuple[Finding, ...]
    page_count: int

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}


def check_pdf(data: bytes, expect: Expectation) -> CheckResult:
    """Every Annex I finding on ``data``. Never raises for what the PDF holds: a file that cannot be read is
    one "unreadable" finding, a scan without text one "no text layer" finding."""
    try:
        layout = read_layout(data)
    except UnreadableLayout as exc:
        return CheckResult((at(UNREADABLE, RULE_TEXT, N_("The PDF cannot be read (%(reason)s), so its format "
                                                         "cannot be checked."), reason=str(exc)),), 0)
    blank = [p.number for p in layout.pages if not any(g.text.strip() for g in p.glyphs)]
    if not layout.pages or len(blank) == len(layout.pages):
        return CheckResult((at(NO_TEXT, RULE_TEXT, N_("The PDF has no text layer (a scan?), so its format cannot "
                                                      "be checked; upload the PDF made from the text."), page=1),),
                           layout.page_count)
    findings = [at(NO_TEXT, RULE_TEXT, N_("Page %(number)s has no text layer (a scan?)."), page=n, number=n)
                for n in blank[:1]]
    return CheckResult(tuple(findings + _run(layout, expect)), layout.page_count)


def _run(layout: Layout, expect: Expectation) -> list[Finding]:
    ctx = Context(layout=layout, expect=expect)
    findings: list[Finding] = []
    for rule in RULES:
        try:
            findings += rule(ctx)
        except Exception:  # a rule's slip on a strange page must not stop the check: say it could not tell
            log.exception("format rule %s failed", rule.__name__)
            findings.append(at(UNREADABLE, RULE_TEXT, N_("Part of the format check could not read this PDF.")))
    return findings

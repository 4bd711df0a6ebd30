"""What the format check reports: one finding per problem, with a stable code, the rule it breaks, an
English msgid (translated where shown) and where on the page it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docflow.errors import N_

# Stable codes: the ward's policy (blocking or warning) is kept per code.
NUMBER_LINE = "number_line"
SYMBOL = "symbol"
TYPE_LINE = "type_line"
DATE_LINE = "date_line"
RECIPIENTS = "recipients"
PAGE_ONE = "page_one"
NATIONAL_TITLE = "national_title"
ISSUING_BODY = "issuing_body"
NO_TEXT = "no_text"
UNREADABLE = "unreadable"
FONT = "font"
SIZE = "size"
MARGINS = "margins"
MOTTO_RULE = "motto_rule"
# issue 15 §2: the public verification footer (QR code, code, URL) of the document's own code, checked at issue
PUBLIC_FOOTER = "public_footer"

# Decree 30's defaults (issue 12, section 3): what makes the page wrong blocks, how it is typeset warns.
BLOCKING_BY_DEFAULT: tuple[str, ...] = (NUMBER_LINE, SYMBOL, TYPE_LINE, DATE_LINE, RECIPIENTS, PAGE_ONE,
                                        NATIONAL_TITLE, ISSUING_BODY, NO_TEXT, UNREADABLE, PUBLIC_FOOTER)
WARNING_BY_DEFAULT: tuple[str, ...] = (FONT, SIZE, MARGINS, MOTTO_RULE)
ALL_CODES: tuple[str, ...] = BLOCKING_BY_DEFAULT + WARNING_BY_DEFAULT

# What each code checks, as the policy screen names it.
CODE_LABELS: dict[str, str] = {
    NUMBER_LINE: N_("Number line (Số: …/…)"),
    SYMBOL: N_("Symbol matching the document type"),
    TYPE_LINE: N_("Type line, or V/v for a công văn"),
    DATE_LINE: N_("Place-and-date line"),
    RECIPIENTS: N_("Nơi nhận and Lưu: VT at the end"),
    PAGE_ONE: N_("Number, date and type lines on page 1"),
    NATIONAL_TITLE: N_("National title and motto"),
    ISSUING_BODY: N_("Issuing body"),
    NO_TEXT: N_("A text layer to check"),
    UNREADABLE: N_("A readable PDF"),
    FONT: N_("Times-metric font"),
    SIZE: N_("Type sizes and styles"),
    MARGINS: N_("A4 page and margins"),
    MOTTO_RULE: N_("Rule under the motto as long as the motto"),
    PUBLIC_FOOTER: N_("The document's own verification QR code, code and address (none when confidential)"),
}

MM = 72 / 25.4   # points per millimetre


@dataclass(frozen=True)
class Finding:
    """One problem: ``message`` is an English msgid with ``params``; ``page`` is 1-based (0: the whole file);
    ``x_mm``/``y_mm`` measure from the page's top-left corner."""
    code: str
    rule: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    page: int = 0
    x_mm: float = 0.0
    y_mm: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "rule": self.rule, "message": self.message, "params": dict(self.params),
                "page": self.page, "x_mm": self.x_mm, "y_mm": self.y_mm}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(code=str(data["code"]), rule=str(data["rule"]), message=str(data["message"]),
                   params=dict(data.get("params") or {}), page=int(data.get("page") or 0),
                   x_mm=float(data.get("x_mm") or 0), y_mm=float(data.get("y_mm") or 0))


def at(code: str, rule: str, message: str, *, page: int = 0, x: float = 0.0, top: float = 0.0,
       **params: Any) -> Finding:
    """A finding at ``x``/``top`` in points (as pdfplumber measures), kept in millimetres."""
    return Finding(code=code, rule=rule, message=message, params=params, page=page,
                   x_mm=round(x / MM, 1), y_mm=round(top / MM, 1))

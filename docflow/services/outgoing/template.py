"""The drafting template: an A4 draft laid out as Decree 30's Annex I lays out a document (margins, the
two-column header, the number and date lines with docflow's form fields lying over them, the type line or
"V/v", "Kính gửi", the text, "Nơi nhận" with the real recipients, the signer's empty signature field), in
Liberation Serif (Times New Roman's metrics). docflow fills it and signs it along the route."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from docflow import doctypes
from docflow.signing.pagelayout import (
    HEADER_BASELINES,
    HEADER_RULE_Y,
    LEFT_COLUMN,
    MARGIN_RIGHT,
    MARGIN_TOP,
    NUMBER_BASELINE,
    PAGE_HEIGHT,
    RECIPIENTS_TOP,
    RIGHT_COLUMN,
    SIGNER_BOX,
    TEXT_LEFT,
    TEXT_RIGHT,
)

if TYPE_CHECKING:
    from fpdf import FPDF

SIGNER_FIELD = "personal_1"
# The signer's block, right column above the footer's reserved room (Decree 30, Annex I).
SIGNER_BOX_TUPLE = SIGNER_BOX.as_box()
FAMILY = "LiberationSerif"
_STYLES = {"": "Regular", "B": "Bold", "I": "Italic", "BI": "BoldItalic"}
BLANK = "\u00a0" * 6   # the number and the day/month left blank, as on a paper draft
TEXT_PT = 14.0         # Annex I: the text 13-14 pt
LINE_PT = 19.0         # its line spacing (~1.35)
NUMBER_BASELINE_TOP = PAGE_HEIGHT - NUMBER_BASELINE


@dataclass(frozen=True)
class DraftDetails:
    """What the page says beyond type and trích yếu: the place, the issuing body's and drafting unit's
    abbreviations, the addressees ("Kính gửi"), the recipients, the copies kept, the year, the text."""
    place: str = ""                                  # "Tích Sơn"; "" derives it from the organisation
    body_code: str = "UBND"                          # the body part of the symbol
    unit: str = ""                                   # the drafting unit ("VP"): công văn symbol, "Lưu"
    kinh_gui: Sequence[str] = ()                     # "Kính gửi" (công văn, tờ trình, báo cáo upwards)
    internal_recipients: Sequence[str] = ()          # departments of the ward
    external_recipients: Sequence[str] = ()          # other bodies
    copies: int | None = None                        # "- Lưu: VT, VP (n)."
    year: int | None = None                          # the date line's year (None: this year)
    paragraphs: Sequence[str] = field(default_factory=tuple)   # the text ("" lines: a placeholder)


def draft_template_pdf(*, organisation_name: str, doc_type: str = "", summary: str = "",
                       number_fields: bool = True, details: DraftDetails | None = None) -> bytes:
    """An A4 draft with the Annex I page, the number and date fields (``so_ky_hieu``, ``ngay_ban_hanh``)
    lying over the blank number and date lines, and an empty ``personal_1`` signature field where the
    signer's block goes: what docflow fills and signs. ``number_fields=False`` leaves the fields out (as a
    draft made elsewhere would); ``ensure_fields`` later puts them at the same places.
    """
    # pyHanko and fpdf load at first use: the CLI imports the services at start-up.
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    from docflow.signing.sign import ensure_fields, open_incremental
    page = draft_page(organisation_name, doc_type=doc_type, summary=summary, details=details or DraftDetails())
    writer = open_incremental(ensure_fields(page) if number_fields else page)
    append_signature_field(writer, SigFieldSpec(SIGNER_FIELD, on_page=0, box=SIGNER_BOX_TUPLE))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def draft_page(organisation_name: str, *, doc_type: str, summary: str, details: DraftDetails) -> bytes:
    """The page itself, without form fields."""
    from fpdf import FPDF  # fpdf at first use (CLI start-up time)

    from docflow.signing.typefaces import FONT_DIR  # pyHanko at first use (CLI start-up time)
    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_margins(TEXT_LEFT, MARGIN_TOP, MARGIN_RIGHT)
    for style, name in _STYLES.items():
        pdf.add_font(FAMILY, style, str(FONT_DIR / f"LiberationSerif-{name}.ttf"))
    pdf.set_creator("docflow")
    pdf.add_page()
    kind = doctypes.get_type(doc_type)
    is_letter = kind is not None and kind.code == "cong_van"
    _header(pdf, organisation_name)
    _number_and_date(pdf, organisation_name, kind, details)
    y = NUMBER_BASELINE_TOP + 18
    if is_letter:
        y = _lines(pdf, _wrap(pdf, f"V/v {trich_yeu(kind, summary)}", LEFT_COLUMN[1] - LEFT_COLUMN[0], "", 12),
                   LEFT_COLUMN, y, "", 12, 14) + 14
    else:
        y = _title(pdf, kind, trich_yeu(kind, summary), y + 16)
    kinh_gui = _addressees(is_letter, details)
    if kinh_gui:
        y = _kinh_gui(pdf, kinh_gui, y + 8)
    _text(pdf, details.paragraphs, y + 10)
    _recipients(pdf, kinh_gui, details)
    return bytes(pdf.output())


def trich_yeu(kind: doctypes.DocumentType | None, summary: str) -> str:
    """The trích yếu as the page prints it: without the type's name the type line already shows
    ("Quyết định khen thưởng …" → "Khen thưởng …"), or for a công văn the "Về việc" that "V/v" stands for."""
    text = " ".join(summary.split())
    letter = kind is not None and kind.code == "cong_van"
    prefixes = ("v/v ", "về việc ") if letter else (kind.name_vi.lower() + " ",) if kind is not None else ()
    for prefix in prefixes:
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
            break
    if not text:
        return "…"
    return text if letter else text[0].upper() + text[1:]


def _top(y: float) -> float:
    """A PDF y (from the bottom) as fpdf's (from the top)."""
    return PAGE_HEIGHT - y


def _centred(pdf: FPDF, column: tuple[float, float], baseline: float, text: str, style: str,
             size: float) -> float:
    """Draw ``text`` centred in ``column`` on ``baseline`` (from the top); returns its width."""
    pdf.set_font(FAMILY, style, size)
    width = pdf.get_string_width(text)
    pdf.text((column[0] + column[1] - width) / 2, baseline, text)
    return width


def _rule(pdf: FPDF, column: tuple[float, float], y: float, length: float) -> None:
    middle = (column[0] + column[1]) / 2
    pdf.set_line_width(0.6)
    pdf.line(middle - length / 2, y, middle + length / 2, y)


def _header(pdf: FPDF, organisation_name: str) -> None:
    """The issuing body on the left, a rule under it 2/5 of its line; the national title and the motto on
    the right, with a rule exactly as long as the motto."""
    body, place = header_names(organisation_name)
    first, second = (_top(y) for y in HEADER_BASELINES)
    widths = [_centred(pdf, LEFT_COLUMN, first, body, "B", 13), _centred(pdf, LEFT_COLUMN, second, place, "B", 13)]
    _centred(pdf, RIGHT_COLUMN, first, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 12)
    motto = _centred(pdf, RIGHT_COLUMN, second, "Độc lập - Tự do - Hạnh phúc", "B", 13)
    _rule(pdf, LEFT_COLUMN, _top(HEADER_RULE_Y), 0.4 * max(widths))
    _rule(pdf, RIGHT_COLUMN, _top(HEADER_RULE_Y), motto)


def _number_and_date(pdf: FPDF, organisation_name: str, kind: doctypes.DocumentType | None,
                     details: DraftDetails) -> None:
    """The blank number line ("Số:      /QĐ-UBND") and the blank place-and-date line, where the fields lie."""
    # services/signatures knows the place name; imported here to keep the template's import light
    from docflow.services.signatures.appearance import place_name
    abbreviation = kind.abbreviation if kind is not None else ""
    symbol = f"{abbreviation}-{details.body_code}" if abbreviation else "-".join(
        p for p in (details.body_code, details.unit) if p)
    year = details.year or date.today().year
    place = details.place or place_name(organisation_name)
    _centred(pdf, LEFT_COLUMN, NUMBER_BASELINE_TOP, f"Số:{BLANK}/{symbol}", "", 13)
    _centred(pdf, RIGHT_COLUMN, NUMBER_BASELINE_TOP, f"{place}, ngày{BLANK}tháng{BLANK}năm {year}", "I", 13)


def _title(pdf: FPDF, kind: doctypes.DocumentType | None, summary: str, baseline: float) -> float:
    """The type line (bold caps 14) and the trích yếu under it (bold 14) with a short rule; returns the
    baseline of the last line."""
    whole = (TEXT_LEFT, TEXT_RIGHT)
    if kind is not None:
        _centred(pdf, whole, baseline, kind.name_vi.upper(), "B", 14)
        baseline += 18
    lines = _wrap(pdf, summary or "…", 0.8 * (TEXT_RIGHT - TEXT_LEFT), "B", 14)
    last = _lines(pdf, lines, whole, baseline, "B", 14, 18)
    _rule(pdf, whole, last + 6, min(0.4 * pdf.get_string_width(lines[0]), 120.0))
    return last + 6


def _addressees(is_letter: bool, details: DraftDetails) -> list[str]:
    """Who "Kính gửi" names: the caller's addressees, or for a công văn its recipients."""
    if details.kinh_gui:
        return list(details.kinh_gui)
    if is_letter:
        return [*details.external_recipients, *details.internal_recipients] or ["…"]
    return []


def _kinh_gui(pdf: FPDF, names: list[str], baseline: float) -> float:
    """"Kính gửi: X." on one line, or a dash per addressee under each other; returns the last baseline."""
    pdf.set_font(FAMILY, "", TEXT_PT)
    label = "Kính gửi: "
    x = TEXT_LEFT + 0.22 * (TEXT_RIGHT - TEXT_LEFT)
    label_width = pdf.get_string_width(label)
    pdf.text(x, baseline + LINE_PT, label)
    if len(names) == 1:
        pdf.text(x + label_width, baseline + LINE_PT, f"{names[0]}.")
        return baseline + LINE_PT
    for index, name in enumerate(names):
        end = ";" if index < len(names) - 1 else "."
        pdf.text(x + label_width, baseline + LINE_PT * (index + 1), f"- {name}{end}")
    return baseline + LINE_PT * len(names)


def _text(pdf: FPDF, paragraphs: Sequence[str], baseline: float) -> None:
    """The text, 14 pt, justified, first lines indented (the grounds in italics, lines in capitals centred in
    bold), down to the signature block at most."""
    width = TEXT_RIGHT - TEXT_LEFT
    floor = _top(RECIPIENTS_TOP) - 12
    for paragraph in paragraphs or ("[Nội dung văn bản]",):
        if _is_heading(paragraph):
            baseline += LINE_PT
            _centred(pdf, (TEXT_LEFT, TEXT_RIGHT), baseline, paragraph, "B", TEXT_PT)
            baseline += 4
            continue
        kind = "I" if paragraph.startswith(_GROUNDS) else ""
        lines = _wrap(pdf, paragraph, width - 36, kind, TEXT_PT, rest_width=width)
        for index, line in enumerate(lines):
            baseline += LINE_PT
            if baseline > floor:
                return
            x = TEXT_LEFT + (36 if index == 0 else 0)
            last = index == len(lines) - 1
            _justified(pdf, line, x, baseline, TEXT_RIGHT - x, last)
        baseline += 4


# the grounds of a decision ("Căn cứ …;", "Theo đề nghị …") are set in italics, as Annex I's samples do
_GROUNDS = ("Căn cứ ", "Theo đề nghị ", "Xét đề nghị ")


def _is_heading(paragraph: str) -> bool:
    """A line in capitals ("QUYẾT ĐỊNH:", "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG …") stands centred in bold."""
    return any(c.isalpha() for c in paragraph) and paragraph == paragraph.upper() and len(paragraph) < 80


def _justified(pdf: FPDF, line: str, x: float, baseline: float, width: float, last: bool) -> None:
    words = line.split(" ")
    if last or len(words) < 2:
        pdf.text(x, baseline, line)
        return
    gap = (width - sum(pdf.get_string_width(w) for w in words)) / (len(words) - 1)
    for word in words:
        pdf.text(x, baseline, word)
        x += pdf.get_string_width(word) + gap


def _recipients(pdf: FPDF, kinh_gui: list[str], details: DraftDetails) -> None:
    """"Nơi nhận:" (12 pt bold italic) and the list (11 pt): "- Như trên;" when there is a "Kính gửi",
    the recipients it does not name, then "- Lưu: VT, <unit> (n).", level with the signature block."""
    named = set(kinh_gui)
    lines = ["- Như trên;"] if kinh_gui else []
    lines += [f"- {r};" for r in (*details.internal_recipients, *details.external_recipients) if r not in named]
    keep = ", ".join(p for p in ("VT", details.unit) if p)
    lines.append(f"- Lưu: {keep} ({details.copies})." if details.copies else f"- Lưu: {keep}.")
    baseline = _top(RECIPIENTS_TOP) + 10
    pdf.set_font(FAMILY, "BI", 12)
    pdf.text(TEXT_LEFT, baseline, "Nơi nhận:")
    pdf.set_font(FAMILY, "", 11)
    room = LEFT_COLUMN[1] - LEFT_COLUMN[0]
    for line in lines:
        for part in _wrap(pdf, line, room, "", 11):
            baseline += 13
            pdf.text(TEXT_LEFT, baseline, part)


def _wrap(pdf: FPDF, text: str, width: float, style: str, size: float, rest_width: float | None = None) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (the later ones ``rest_width``) at spaces."""
    pdf.set_font(FAMILY, style, size)
    lines: list[str] = []
    current = ""
    for word in " ".join(text.split()).split(" "):
        candidate = f"{current} {word}" if current else word
        room = width if not lines else (rest_width or width)
        if current and pdf.get_string_width(candidate) > room:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current]


def _lines(pdf: FPDF, lines: list[str], column: tuple[float, float], baseline: float, style: str, size: float,
           leading: float) -> float:
    """Centred lines from ``baseline`` down; returns the last baseline."""
    for index, line in enumerate(lines):
        _centred(pdf, column, baseline + index * leading, line, style, size)
    return baseline + (len(lines) - 1) * leading


def header_names(organisation_name: str) -> tuple[str, str]:
    """"UBND phường Tích Sơn" → ("ỦY BAN NHÂN DÂN", "PHƯỜNG TÍCH SƠN")."""
    name = " ".join(organisation_name.split())
    for prefix in ("UBND ", "Ủy ban nhân dân ", "ỦY BAN NHÂN DÂN "):
        if name.startswith(prefix):
            return "ỦY BAN NHÂN DÂN", name[len(prefix):].upper()
    return "ỦY BAN NHÂN DÂN", name.upper()

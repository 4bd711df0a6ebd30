"""Where Decree 30's fields go on a converted draft, read from the page's text positions (pdfplumber): the
number field exactly over the blank number line ("Số:      /QĐ-UBND"), the date field exactly over the
blank place-and-date line ("Tích Sơn, ngày      tháng      năm 2026"), both on page 1, and the signer's
signature field over the empty signature block right of "Nơi nhận:" on the page that carries it."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from docflow.errors import N_, ValidationError

SAME_LINE = 3.0          # points between the tops of words on one line
WORD_GAP = 10.0          # a gap wider than this (points) ends the place name left of "ngày"
PAD = 2.0                # the field covers its line with this margin (points)
BLOCK_HEIGHT = 150.0     # the signature block: three prefix/post lines, the signature and the name
RIGHT_MARGIN = 45.0      # 15 mm right margin, less a little

MSG_NO_NUMBER = N_("The draft has no blank number line on its first page (\"Số:      /%(symbol)s\"). Start "
                   "from the drafting template, or type the line with the number left blank.")
MSG_NUMBER_TYPED = N_("The number line of the draft already holds a number (%(line)s). Leave the number blank: "
                      "docflow takes it from the register at issue.")
MSG_NO_DATE = N_("The draft has no blank place-and-date line on its first page (\"…, ngày      tháng      năm "
                 "…\"). Start from the drafting template, or type the line with the day and month left blank.")
MSG_DATE_TYPED = N_("The date line of the draft already holds a date (%(line)s). Leave the day and month blank: "
                    "docflow writes the issue date at issue.")
MSG_NO_RECIPIENTS = N_("The draft has no \"Nơi nhận:\" block, beside which the signer's block goes. Start from "
                       "the drafting template.")
MSG_BLOCK_TYPED = N_("The signature block right of \"Nơi nhận:\" holds text (%(text)s). Leave it empty: docflow "
                     "draws the signing prefix, post, signature and name from the delegation register.")


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF user space (lower left, upper right), on a page counted from 0."""
    page: int
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Places:
    number: Box
    date: Box
    signature: Box


@dataclass(frozen=True)
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def find_places(pdf: bytes) -> Places:
    """The three fields' rectangles on the converted draft. Raises ValidationError naming what is missing or
    already filled in."""
    import pdfplumber  # pdfplumber at first use (the CLI imports the services at start-up)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        pages = [(_words(page), float(page.width), float(page.height)) for page in document.pages]
    words, width, height = pages[0]
    return Places(number=_number_box(words, height), date=_date_box(words, height),
                  signature=_signature_box(pages))


def _words(page: Any) -> list[_Word]:
    return [_Word(unicodedata.normalize("NFC", w["text"]), float(w["x0"]), float(w["x1"]), float(w["top"]),
                  float(w["bottom"])) for w in page.extract_words(x_tolerance=1.5, keep_blank_chars=False)]


def _row(words: Sequence[_Word], anchor: _Word) -> list[_Word]:
    return sorted((w for w in words if abs(w.top - anchor.top) <= SAME_LINE), key=lambda w: w.x0)


def _box(page: int, line: Sequence[_Word], height: float) -> Box:
    top, bottom = min(w.top for w in line), max(w.bottom for w in line)
    return Box(page, line[0].x0 - PAD, height - bottom - PAD, line[-1].x1 + PAD, height - top + PAD)


def _number_box(words: Sequence[_Word], height: float) -> Box:
    for anchor in (w for w in words if re.fullmatch(r"Số\s*:?", w.text) and w.top < height / 2):
        row = [w for w in _row(words, anchor) if w.x0 >= anchor.x0]
        line: list[_Word] = []
        for word in row:
            line.append(word)
            if "/" in word.text:
                break
        else:
            continue
        text = " ".join(w.text for w in line)
        if re.search(r"\d", text.split("/")[0]):
            raise ValidationError(MSG_NUMBER_TYPED, field="file", line=text)
        return _box(0, line, height)
    raise ValidationError(MSG_NO_NUMBER, field="file", symbol="QĐ-UBND")


def _date_box(words: Sequence[_Word], height: float) -> Box:
    for anchor in (w for w in words if w.text == "ngày" and w.top < height / 2):
        row = _row(words, anchor)
        at = row.index(anchor)
        after = [w.text for w in row[at:]]
        if "tháng" not in after or "năm" not in after:
            continue
        year_at = at + after.index("năm") + 1
        start = at
        while start > 0 and row[start].x0 - row[start - 1].x1 < WORD_GAP:
            start -= 1
        line = row[start:year_at + 1]
        between = " ".join(after[1:after.index("năm")])
        if re.search(r"\d", between):
            raise ValidationError(MSG_DATE_TYPED, field="file", line=" ".join(w.text for w in line))
        return _box(0, line, height)
    raise ValidationError(MSG_NO_DATE, field="file")


def _signature_box(pages: Sequence[tuple[list[_Word], float, float]]) -> Box:
    """Right of the last "Nơi nhận:", from its top down BLOCK_HEIGHT, to the right margin; it must be empty."""
    for number in range(len(pages) - 1, -1, -1):
        words, width, height = pages[number]
        anchors = [w for w in words if w.text == "Nơi" and any(n.text.startswith("nhận") for n in _row(words, w))]
        if not anchors:
            continue
        anchor = anchors[-1]
        left_side = [w for w in words if anchor.top - SAME_LINE <= w.top < anchor.top + BLOCK_HEIGHT
                     and w.x0 < width / 2]
        x0 = max(width / 2, max((w.x1 for w in left_side), default=0.0) + 6)
        box = Box(number, x0, max(height - anchor.top - BLOCK_HEIGHT, 20.0), width - RIGHT_MARGIN,
                  height - anchor.top + 4)
        inside = [w.text for w in words if w.x1 > box.x0 and height - w.bottom < box.y1 and height - w.top > box.y0]
        if inside:
            raise ValidationError(MSG_BLOCK_TYPED, field="file", text=" ".join(inside)[:80])
        return box
    raise ValidationError(MSG_NO_RECIPIENTS, field="file")

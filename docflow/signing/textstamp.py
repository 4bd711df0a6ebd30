"""The organisation's signature as Decree 30's text stamp (Annex I, II.8.b and Part II.I; rules R29, R45).

An attachment issued as a file of its own, and an electronic copy (sao y, sao lục, trích sao), carry the
ward's signature with no seal image: text only, at the top right of page 1, in Times New Roman-metric type
(Liberation Serif) 10 pt, black. For an attachment the text is the parent document's number and symbol and
the signing time; for a copy, the form of copy, the copying body and the time. The time is written as the
decree asks: date and hh:mm:ss in Vietnam time, ISO 8601 (``2026-12-06T10:15:30+07:00``).

This is the ordinary signing session (sign.py: PAdES, timestamp, validation data, the lock of
``LOCKING_KINDS``) with one appearance of its own; it knows bytes only, no database and no Flask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import FieldMDPAction, FieldMDPSpec, MDPPerm, SigFieldSpec

from docflow.errors import N_, SigningError
from docflow.signing.appearance import Appearance, Appearances, Placement
from docflow.signing.base import PadesLevel, SignatureKind
from docflow.signing.geometry import page_box, page_count
from docflow.signing.sign import KeyLike, SignRequest, SigningContext, SigningSession
from docflow.signing.stamp import AppearanceTemplate, Rect, TemplateStampStyle, TextLine
from docflow.signing.typefaces import FontFace, FontLibrary, text_width

# Decree 30 asks for Vietnam time whatever the server's zone; Vietnam has no daylight saving.
VIETNAM = timezone(timedelta(hours=7))
STAMP_SIZE = 10.0
STAMP_LINE = 12.0
# right margin of Annex I (15-20 mm) and a gap under the top edge, inside its 20-25 mm top margin
RIGHT_MARGIN = 15 * 72 / 25.4
TOP_GAP = 14.0
_PADDING = 2.0
# Liberation Serif (Times New Roman's metrics), bundled; FontLibrary embeds it at 1000 units per em
_FACE = FontFace.SERIF


def stamp_time(moment: datetime) -> str:
    """``moment`` as the stamp prints it: ISO 8601 to the second in Vietnam time (+07:00)."""
    if moment.tzinfo is None:
        raise ValueError("the signing time must be timezone-aware")
    return moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()


def attachment_lines(number_symbol: str, moment: datetime) -> tuple[str, ...]:
    """An attachment's stamp (R29): the parent document's number and symbol, then the signing time."""
    return (number_symbol, stamp_time(moment))


def copy_lines(form: str, body: str, moment: datetime) -> tuple[str, ...]:
    """A copy's stamp (R45): the form of copy (SAO Y, SAO LỤC, TRÍCH SAO), the copying body, the time."""
    return (form, body, stamp_time(moment))


@dataclass(frozen=True)
class TextStampAppearance(Appearance):
    """The text stamp: its lines, top to bottom."""
    lines: tuple[str, ...] = ()


class TextStampAppearances(Appearances):
    """Appearances that draw a TextStampAppearance as text only at the top right of page 1."""

    def placement(self, writer: IncrementalPdfFileWriter, kind: SignatureKind, appearance: Appearance | None,
                  field_name: str, now: datetime) -> Placement:
        """The text stamp's field and look; any other appearance as Appearances places it."""
        if not isinstance(appearance, TextStampAppearance):
            return super().placement(writer, kind, appearance, field_name, now)
        if kind is not SignatureKind.ORGANISATION_TEXT:
            raise ValueError("the text stamp is the organisation's text-only signature")
        rect = stamp_rect(writer, self.fonts, appearance.lines)
        template = stamp_template(self.fonts, appearance.lines, rect.width, rect.height)
        # the organisation's signature locks the file, as the seal does
        lock: dict[str, Any] = {"field_mdp_spec": FieldMDPSpec(FieldMDPAction.ALL),
                                "doc_mdp_update_value": MDPPerm.NO_CHANGES}
        spec = SigFieldSpec(field_name, on_page=0, box=rect.as_box(), **lock)
        return Placement(spec, TemplateStampStyle(template=template))


def stamp_rect(writer: IncrementalPdfFileWriter, fonts: FontLibrary, lines: Sequence[str]) -> Rect:
    """Top right of page 1, as wide as the longest line and as tall as the lines. Raises SigningError."""
    if page_count(writer) < 1:
        raise SigningError(N_("The document has no page %(page)d."), page=1)
    media = page_box(writer, 0)
    width = max((text_width(fonts, _FACE, line, STAMP_SIZE) for line in lines), default=0.0) + 2 * _PADDING
    height = len(lines) * STAMP_LINE + 2 * _PADDING
    x1, y1 = media.x1 - RIGHT_MARGIN, media.y1 - TOP_GAP
    return Rect(x1 - width, y1 - height, x1, y1)


def stamp_template(fonts: FontLibrary, lines: Sequence[str], width: float, height: float) -> AppearanceTemplate:
    """The lines in Liberation Serif 10 pt, black (the default fill), centred, no border and no image."""
    top = height - _PADDING - STAMP_SIZE
    placed = [(TextLine(line, _FACE, STAMP_SIZE), top - i * STAMP_LINE) for i, line in enumerate(lines)]
    return AppearanceTemplate.render(fonts, width, height, placed)


class TextStampSession(SigningSession):
    """A signing session whose organisation text signature is the text stamp (one key, many files)."""

    def __init__(self, key: KeyLike, context: SigningContext, fonts: FontLibrary | None = None) -> None:
        super().__init__(key, context, fonts or FontLibrary())
        self.appearances = TextStampAppearances(self.fonts)

    def stamp(self, data: bytes, lines: Sequence[str], *, level: PadesLevel, reason: str | None = None,
              location: str | None = None) -> bytes:
        """Sign ``data`` with the text stamp showing ``lines``. Raises UnreadablePdfError, SigningError."""
        if not lines or not all(line.strip() for line in lines):
            raise ValueError("the text stamp needs its lines")
        request = SignRequest(kind=SignatureKind.ORGANISATION_TEXT, level=level, reason=reason, location=location,
                              appearance=TextStampAppearance(lines=tuple(lines), page=0))
        return self.sign(data, request)


def sign_text_stamp(data: bytes, key: KeyLike, lines: Sequence[str], context: SigningContext, *,
                    level: PadesLevel, reason: str | None = None, location: str | None = None) -> bytes:
    """Sign ``data`` once with the organisation's text stamp showing ``lines`` and return the new PDF.

    Raises UnreadablePdfError for a broken or encrypted PDF, SigningError as sign_pdf does.
    """
    return TextStampSession(key, context).stamp(data, lines, level=level, reason=reason, location=location)


__all__ = ["VIETNAM", "TextStampAppearance", "TextStampSession", "attachment_lines",
           "copy_lines", "sign_text_stamp", "stamp_rect", "stamp_time"]

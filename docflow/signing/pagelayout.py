"""Where Decree 30's Annex I puts things on the first page of an A4 document, in PDF points (origin at the
bottom left): the margins, the two header columns, the number line and the place-and-date line (and the
form fields lying over them), the signature block, "Nơi nhận" and the room left in the footer.

The drafting template draws the page from these numbers and ``ensure_fields`` places the number and date
fields with them, so a field always lies exactly over its blank line.
"""

from __future__ import annotations

from docflow.signing.stamp import MM, Rect
from docflow.signing.typefaces import FIELD_SIZE

PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89            # A4
# Annex I: top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm.
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20 * MM, 20 * MM, 30 * MM, 15 * MM
TEXT_LEFT, TEXT_RIGHT = MARGIN_LEFT, PAGE_WIDTH - MARGIN_RIGHT
TEXT_TOP, TEXT_BOTTOM = PAGE_HEIGHT - MARGIN_TOP, MARGIN_BOTTOM

# The header is two columns: the issuing body on the left, the national title and motto on the right.
LEFT_COLUMN = (TEXT_LEFT, TEXT_LEFT + 185.0)
RIGHT_COLUMN = (LEFT_COLUMN[1], TEXT_RIGHT)

# Baselines of the header's two lines, of the rules under them, and of the number and date line.
HEADER_BASELINES = (TEXT_TOP - 14.0, TEXT_TOP - 29.0)
HEADER_RULE_Y = TEXT_TOP - 35.0
NUMBER_BASELINE = TEXT_TOP - 56.0

# The number and date fields: 13 pt text on the line's baseline, over a white background that covers the
# blank line printed under it. docflow.signing.fields draws a 13 pt value's baseline FIELD_DESCENT above
# the rectangle's bottom.
FIELD_HEIGHT = 20.0
FIELD_DESCENT = (FIELD_HEIGHT - FIELD_SIZE * 0.7) / 2


def field_rect(column: tuple[float, float], baseline: float) -> Rect:
    """The rectangle of a field that prints its text on ``baseline`` across ``column``."""
    return Rect(column[0], baseline - FIELD_DESCENT, column[1], baseline - FIELD_DESCENT + FIELD_HEIGHT)


NUMBER_FIELD_RECT = field_rect(LEFT_COLUMN, NUMBER_BASELINE)
DATE_FIELD_RECT = field_rect(RIGHT_COLUMN, NUMBER_BASELINE)

# Room kept free above the bottom margin for the verification code and QR a later issue prints.
FOOTER_RESERVE = 70.0
# The signature block (right column): room for three authority lines (TM. / KT. / post), the signature
# image and the name; "Nơi nhận" starts level with its first line in the left column.
SIGNER_BOX = Rect(RIGHT_COLUMN[0] + 10.0, TEXT_BOTTOM + FOOTER_RESERVE, TEXT_RIGHT - 10.0,
                  TEXT_BOTTOM + FOOTER_RESERVE + 170.0)
RECIPIENTS_TOP = SIGNER_BOX.y1

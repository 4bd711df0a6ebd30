"""The personal signature block (Decree 30 Art. 13, Annex I PL I.II.7; R25-R27): up to three authority and
post lines in 13 pt bold capitals, the signer's image centred between the post line and the name, sized
to the template's signer box."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from docflow.services.outgoing.template import SIGNER_BOX_TUPLE as SIGNER_BOX
from docflow.signing.appearance import (
    BLOCK_FACE,
    BLOCK_SIZE,
    LEADING,
    MAX_HEADER_LINES,
    Appearance,
    block_size,
    fits,
    header_lines,
)
from docflow.signing.base import PadesLevel, SignatureKind
from docflow.signing.sign import SignRequest, SigningContext, sign_pdf
from docflow.signing.stamp import FontLibrary, Rect
from docflow.signing.typefaces import text_width
from tests.signing.test_stamp import blue_signature_png, count, crop, is_blue, is_ink, needs_poppler, render, text_of
from tests.testpki import LivePKI, tiny_pdf

BLOCK = ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
WIDTH = SIGNER_BOX[2] - SIGNER_BOX[0]
HEIGHT = SIGNER_BOX[3] - SIGNER_BOX[1]


def _appearance(**extra: object) -> Appearance:
    return Appearance(collective_line=BLOCK[0], mode_line=BLOCK[1], post=BLOCK[2], full_name="Lê Thị Thu Hà",
                      **extra)  # type: ignore[arg-type]


def test_art13_the_collective_block_has_three_lines_above_the_image_in_order():
    assert header_lines(_appearance()) == list(BLOCK)
    assert header_lines(Appearance(mode_line="TM. ỦY BAN NHÂN DÂN", post="CHỦ TỊCH")) == \
        ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert len(header_lines(Appearance(collective_line="A", mode_line="B", post="C"))) == MAX_HEADER_LINES


def test_annex1_the_block_lines_fit_the_signer_box_at_13_pt_bold():
    fonts = FontLibrary()
    assert BLOCK_SIZE == 13 and BLOCK_FACE.name == "SERIF_BOLD"
    for line in (*BLOCK, "TUQ. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG", "Nguyễn Thị Phương Thảo"):
        assert fits(fonts, line, WIDTH), line
    # a post longer than the box is shrunk to its width when drawn (stamp), never cut
    assert not fits(fonts, "CHÁNH VĂN PHÒNG HĐND VÀ UBND PHƯỜNG TÍCH SƠN", WIDTH)
    # three header lines, the name and a two-line image fit the box's height at full size
    assert block_size(HEIGHT) == BLOCK_SIZE
    # a smaller box keeps the proportions: the type shrinks with it
    needed = (MAX_HEADER_LINES + 1 + 2) * BLOCK_SIZE * LEADING
    assert HEIGHT >= needed
    assert block_size(HEIGHT / 2) == pytest.approx(BLOCK_SIZE * (HEIGHT / 2) / needed)
    assert text_width(fonts, BLOCK_FACE, BLOCK[0], BLOCK_SIZE) < WIDTH


@needs_poppler
def test_r27_the_image_is_centred_between_the_post_line_and_the_name(test_pki: LivePKI, tmp_path: Path) -> None:
    box = tuple(float(v) for v in SIGNER_BOX)
    data = sign_pdf(tiny_pdf(), test_pki.simple_signer("chutich"),
                    SignRequest(SignatureKind.PERSONAL, PadesLevel.B_B,
                                _appearance(signature_image=blue_signature_png(), box=box)),  # type: ignore[arg-type]
                    SigningContext())
    text = unicodedata.normalize("NFC", text_of(data, tmp_path))
    positions = [text.index(line) for line in (*BLOCK, "Lê Thị Thu Hà")]
    assert positions == sorted(positions)   # top down: TM., KT., post, then the name
    scale = 4.0
    page = render(data, tmp_path, dpi=round(72 * scale))
    x0, y0, x1, y1 = box
    line = BLOCK_SIZE * LEADING
    post_bottom = y1 - BLOCK_SIZE * 1.05 - 2 * line - 3     # under the third header line's baseline
    name_top = y0 + BLOCK_SIZE * 1.35                       # above the name's capitals
    between = Rect(x0, name_top, x1, post_bottom)
    blue_between = count(crop(page, between, 842, scale), is_blue)
    blue_total = count(crop(page, Rect(x0, y0, x1, y1), 842, scale), is_blue)
    assert blue_total > 100 and blue_between >= 0.95 * blue_total
    # centred horizontally in the block
    strip = crop(page, between, 842, scale, inset=0)
    columns = [x for x in range(strip.width) if any(is_blue(strip.getpixel((x, y))) for y in range(strip.height))]  # type: ignore[arg-type]
    centre = x0 + (columns[0] + columns[-1]) / 2 / scale
    assert centre == pytest.approx((x0 + x1) / 2, abs=4)
    # the three header lines are ink in the top of the block, above the image
    header = crop(page, Rect(x0, post_bottom, x1, y1), 842, scale)
    assert count(header, is_ink) > 500

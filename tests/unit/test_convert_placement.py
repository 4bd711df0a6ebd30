"""Where the fields go on a converted draft, and the drafts refused because the number, the date or the
signature block is already typed in (Decree 30, Art. 15 and Annex I: the number and date come from the
register at issue; the signer's block from the delegation register). Pages made with fpdf, no LibreOffice."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from docflow.convert.placement import (
    MSG_BLOCK_TYPED,
    MSG_DATE_TYPED,
    MSG_NO_DATE,
    MSG_NO_NUMBER,
    MSG_NO_RECIPIENTS,
    MSG_NUMBER_TYPED,
    find_places,
)
from docflow.errors import ValidationError

FONTS = [Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
         *sorted((Path(__file__).resolve().parents[2] / "docflow" / "signing" / "fonts").glob("*Regular.ttf"))]
FONT = next((f for f in FONTS if f.is_file()), None)
pytestmark = pytest.mark.skipif(FONT is None, reason="no Vietnamese TrueType font to draw the test pages with")

NUMBER = (35, 40, "Số:      /QĐ-UBND")
DATE = (110, 40, "Thử Nghiệm, ngày      tháng      năm 2026")
RECIPIENTS = [(30, 200, "Nơi nhận:"), (30, 206, "- Lưu: VT, VP.")]


def _page(*lines: tuple[float, float, str], pages: int = 1) -> bytes:
    pdf = FPDF(format="A4", unit="mm")
    pdf.add_font("Serif", "", str(FONT))
    pdf.set_font("Serif", size=13)
    for _ in range(pages - 1):
        pdf.add_page()
        pdf.text(30, 40, "Trang trước")
    pdf.add_page()
    for x, y, text in lines:
        pdf.text(x, y, text)
    return bytes(pdf.output())


def test_fields_go_over_the_number_line_the_date_line_and_right_of_noi_nhan() -> None:
    places = find_places(_page(NUMBER, DATE, *RECIPIENTS))
    mm = 72 / 25.4
    assert places.number.page == places.date.page == 0
    assert abs(places.number.x0 - (35 * mm - 2)) < 0.5 and places.number.x1 < 110 * mm
    assert abs(places.date.x0 - (110 * mm - 2)) < 0.5
    assert places.number.y0 < (297 - 40) * mm < places.number.y1
    assert places.date.y0 < (297 - 40) * mm < places.date.y1
    assert places.signature.x0 >= 105 * mm - 1 and places.signature.y1 > (297 - 200) * mm


def test_the_signature_block_is_looked_for_on_the_page_with_noi_nhan() -> None:
    pdf = FPDF(format="A4", unit="mm")
    pdf.add_font("Serif", "", str(FONT))
    pdf.set_font("Serif", size=13)
    pdf.add_page()
    for x, y, text in (NUMBER, DATE):
        pdf.text(x, y, text)
    pdf.add_page()
    for x, y, text in RECIPIENTS:
        pdf.text(x, y, text)
    places = find_places(bytes(pdf.output()))
    assert places.signature.page == 1 and places.number.page == 0


@pytest.mark.parametrize(("lines", "message"), [
    ((DATE, *RECIPIENTS), MSG_NO_NUMBER),
    ((NUMBER, *RECIPIENTS), MSG_NO_DATE),
    ((NUMBER, DATE), MSG_NO_RECIPIENTS),
])
def test_annex1_a_draft_without_its_lines_is_refused_with_what_is_missing(lines: tuple[tuple[float, float, str], ...],
                                                                         message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        find_places(_page(*lines))
    assert caught.value.message == message and caught.value.field == "file"


def test_r12_a_draft_with_its_number_typed_in_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        find_places(_page((35, 40, "Số: 15/QĐ-UBND"), DATE, *RECIPIENTS))
    assert caught.value.message == MSG_NUMBER_TYPED and "15" in caught.value.params["line"]


def test_r12_a_draft_with_its_date_typed_in_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        find_places(_page(NUMBER, (110, 40, "Thử Nghiệm, ngày 05 tháng 12 năm 2026"), *RECIPIENTS))
    assert caught.value.message == MSG_DATE_TYPED


def test_r26_a_typed_signature_block_is_refused_docflow_draws_it_from_the_delegation_register() -> None:
    with pytest.raises(ValidationError) as caught:
        find_places(_page(NUMBER, DATE, *RECIPIENTS, (130, 200, "TM. ỦY BAN NHÂN DÂN"), (140, 206, "CHỦ TỊCH")))
    assert caught.value.message == MSG_BLOCK_TYPED and "CHỦ TỊCH" in caught.value.params["text"]

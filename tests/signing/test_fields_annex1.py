"""Where ``ensure_fields`` puts the number and date fields of a PDF made without them: at Annex I's places,
over the blank number and date lines; under the header of a page that has other text there."""

from __future__ import annotations

import io

from pyhanko.pdf_utils.reader import PdfFileReader

from docflow.services.outgoing.template import draft_template_pdf
from docflow.signing.base import DATE_FIELD, NUMBER_FIELD
from docflow.signing.fields import ensure_fields
from docflow.signing.geometry import page_baselines
from docflow.signing.incremental import open_incremental
from docflow.signing.pagelayout import DATE_FIELD_RECT, NUMBER_FIELD_RECT
from docflow.signing.stamp import Rect
from tests.testpki import tiny_pdf


def _rects(data: bytes) -> dict[str, Rect]:
    reader = PdfFileReader(io.BytesIO(data))
    return {str(ref.get_object()["/T"]): Rect(*(float(v) for v in ref.get_object()["/Rect"]))
            for ref in reader.root["/AcroForm"]["/Fields"] if ref.get_object().get("/FT") == "/Tx"}


def test_annex1_fields_added_to_a_draft_made_without_them_lie_over_its_blank_lines() -> None:
    bare = draft_template_pdf(organisation_name="UBND phường Tích Sơn", doc_type="quyet_dinh", summary="Về việc x",
                              number_fields=False)
    with_fields = draft_template_pdf(organisation_name="UBND phường Tích Sơn", doc_type="quyet_dinh",
                                     summary="Về việc x")

    for data in (ensure_fields(bare), with_fields):
        rects = _rects(data)
        assert rects[NUMBER_FIELD] == NUMBER_FIELD_RECT and rects[DATE_FIELD] == DATE_FIELD_RECT


def test_annex1_fields_go_under_the_header_of_a_page_with_other_text_on_their_line() -> None:
    data = tiny_pdf()
    rects = _rects(ensure_fields(data))
    header = [y for y in page_baselines(open_incremental(data), 0) or [] if y > 842 - 140]

    # the page's header text reaches into the number line's band: the fields keep their Annex I columns
    # and go under that text, which their white ground would otherwise hide
    assert header and min(header) < NUMBER_FIELD_RECT.y1 + 2
    for name, annex in ((NUMBER_FIELD, NUMBER_FIELD_RECT), (DATE_FIELD, DATE_FIELD_RECT)):
        assert (rects[name].x0, rects[name].x1) == (annex.x0, annex.x1)
        assert rects[name].y1 < min(header)

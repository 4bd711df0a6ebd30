"""The organisation's signature as Decree 30's text stamp (R29 attachments, R45 copies), signed with the live
test PKI and read back by docflow's verifier, pyHanko's difference analysis, poppler's pdftotext/pdftoppm and
pdfsig."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields

from docflow.signing.base import PadesLevel
from docflow.signing.sign import SigningContext
from docflow.signing.stamp import Rect
from docflow.signing.textstamp import (
    attachment_lines,
    copy_lines,
    sign_text_stamp,
    stamp_time,
)
from docflow.signing.verify import TrustSettings, verify_pdf
from tests.signing.test_stamp import count, crop, is_ink, is_red, needs_poppler, render, text_of
from tests.testpki import LivePKI, PdfSig, tiny_pdf

SIGNED_AT = datetime(2026, 12, 6, 3, 15, 30, tzinfo=timezone.utc)


def context(pki: LivePKI) -> SigningContext:
    return SigningContext(timestamper=pki.timestamper(), validation_context=pki.validation_context())


@pytest.fixture(scope="module")
def stamped(test_pki: LivePKI) -> bytes:
    return sign_text_stamp(tiny_pdf(), test_pki.simple_signer("organisation"),
                           attachment_lines("07/QĐ-UBND", SIGNED_AT), context(test_pki), level=PadesLevel.B_LT)


def _widget(data: bytes) -> generic.DictionaryObject:
    reader = PdfFileReader(io.BytesIO(data))
    [(name, _, ref)] = list(fields.enumerate_sig_fields(reader))
    assert name == "organisation_text"
    return ref.get_object()


def _template_content(widget: generic.DictionaryObject) -> tuple[bytes, generic.DictionaryObject]:
    """The pre-rendered template inside the widget's appearance: its content and resources."""
    outer = widget["/AP"]["/N"]
    template = outer["/Resources"]["/XObject"]["/Tpl"].get_object()
    return template.data, template["/Resources"]


def test_r29_the_stamp_time_is_iso_8601_to_the_second_in_vietnam_time() -> None:
    assert stamp_time(SIGNED_AT) == "2026-12-06T10:15:30+07:00"
    assert stamp_time(datetime(2026, 12, 31, 20, 0, 1, 999, tzinfo=timezone.utc)) == "2027-01-01T03:00:01+07:00"
    assert attachment_lines("07/QĐ-UBND", SIGNED_AT) == ("07/QĐ-UBND", "2026-12-06T10:15:30+07:00")
    with pytest.raises(ValueError):
        stamp_time(datetime(2026, 12, 6, 10, 15, 30))


def test_r45_a_copy_stamp_names_the_form_the_copying_body_and_the_time() -> None:
    assert copy_lines("SAO Y", "UBND phường Tích Sơn", SIGNED_AT) == (
        "SAO Y", "UBND phường Tích Sơn", "2026-12-06T10:15:30+07:00")


def test_r29_the_stamp_is_text_only_liberation_serif_10_pt_black_with_no_border(stamped: bytes) -> None:
    content, resources = _template_content(_widget(stamped))
    fonts = [f.get_object() for f in resources["/Font"].values()]

    assert "/XObject" not in resources  # no image
    assert all("LiberationSerif" in str(f["/BaseFont"]) for f in fonts) and fonts
    sizes = {round(float(size) * float(scale), 2)
             for size, scale in re.findall(rb"/F\d+ ([\d.]+) Tf ([\d.]+) 0 0 [\d.]+", content)}
    assert sizes == {10.0}
    # no colour is set, so the text is painted in the default black; no stroke or fill besides the text
    assert not re.search(rb"\b(rg|RG|k|K|sc|scn|SC|SCN|re)\b", content)
    assert content.count(b"BT") == 2  # number and symbol, time


def test_r29_the_stamp_s_glyph_widths_are_times_metrics_in_thousandths_of_an_em(stamped: bytes) -> None:
    _, resources = _template_content(_widget(stamped))
    [font] = [f.get_object() for f in resources["/Font"].values()]
    widths = [float(w) for entry in font["/DescendantFonts"][0].get_object()["/W"] if isinstance(entry, list)
              for w in entry]

    # Times New Roman (and Liberation Serif) set digits at half an em; "Q" at 0.722 em is the widest here
    assert 500.0 in widths and max(widths) <= 1000


@needs_poppler
def test_r29_the_stamp_s_lines_are_set_at_their_natural_width(stamped: bytes, tmp_path: Path) -> None:
    from PIL import ImageOps
    widget = Rect(*(float(v) for v in _widget(stamped)["/Rect"]))
    page = render(stamped, tmp_path, dpi=144)
    first_line = crop(page, Rect(widget.x0, widget.y1 - 14, widget.x1, widget.y1), 842, scale=2, inset=0)
    box = ImageOps.invert(first_line.convert("L")).point(lambda v: 255 if v > 60 else 0).getbbox()

    assert box is not None
    inked = (box[2] - box[0]) / 2   # points
    # "07/QĐ-UBND" at 10 pt Times is about 62 pt wide, the time line (the box's width) about 125 pt
    assert 50 < inked < 75 and 110 < widget.width < 145


def test_r29_the_stamp_sits_top_right_on_page_1(stamped: bytes) -> None:
    widget = _widget(stamped)
    rect = Rect(*(float(v) for v in widget["/Rect"]))
    page = PdfFileReader(io.BytesIO(stamped)).root["/Pages"]["/Kids"][0].get_object()

    assert widget["/P"].get_object() == page
    assert rect.x1 == pytest.approx(595 - 15 * 72 / 25.4, abs=1)   # at Annex I's right margin
    assert rect.y1 > 842 - 20 * 72 / 25.4 and rect.y0 > 842 - 25 * 72 / 25.4  # within the top margin
    assert rect.x0 > 595 / 2


@needs_poppler
def test_r29_the_stamp_prints_the_number_and_the_time_in_black(stamped: bytes, tmp_path: Path) -> None:
    widget = Rect(*(float(v) for v in _widget(stamped)["/Rect"]))
    text = unicodedata.normalize("NFC", text_of(stamped, tmp_path))
    page = render(stamped, tmp_path, dpi=144)
    region = crop(page, widget, 842, scale=2)

    assert "07/QĐ-UBND" in text and "2026-12-06T10:15:30+07:00" in text
    assert count(region, is_ink) > 100
    assert count(region, is_red) == 0


def test_r29_the_stamp_locks_the_file_and_verifies_with_docflow(stamped: bytes, test_pki: LivePKI) -> None:
    result = verify_pdf(stamped, TrustSettings(roots=(test_pki.root,)))

    assert result.valid, result
    assert _widget(stamped)["/Lock"]["/P"] == 1


def test_r29_pdfsig_reads_the_stamped_attachment_as_valid(stamped: bytes, pdfsig: PdfSig, tmp_path: Path) -> None:
    path = tmp_path / "attachment.pdf"
    path.write_bytes(stamped)

    result = pdfsig(path)

    assert result.returncode == 0, result.stderr
    assert "Signature Validation: Signature is Valid." in result.stdout
    assert "Total document signed" in result.stdout

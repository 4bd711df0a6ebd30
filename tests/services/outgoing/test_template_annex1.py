"""The drafting template against Decree 30's Annex I, read back with pdfplumber: the face, sizes and styles of
each line, the margins, the rules under the body and the motto, the number and date lines with the fields
lying over them, the type line or "V/v", "Kính gửi" and "Nơi nhận"; and the filled fields of an issued page."""

from __future__ import annotations

import io
import unicodedata
from typing import Any

import pdfplumber
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from docflow.services.outgoing.template import DraftDetails, draft_template_pdf, trich_yeu
from docflow import doctypes
from docflow.signing.base import DATE_FIELD, NUMBER_FIELD
from docflow.signing.fields import fill_fields
from docflow.signing.pagelayout import FOOTER_RESERVE, SIGNER_BOX, TEXT_BOTTOM, TEXT_LEFT, TEXT_RIGHT
from docflow.signing.stamp import MM

ORGANISATION = "UBND phường Tích Sơn"
DETAILS = DraftDetails(unit="VP", internal_recipients=("Văn phòng HĐND và UBND phường", "Bộ phận Văn hóa - Xã hội"),
                       external_recipients=("Sở Tư pháp tỉnh Bắc Ninh",), copies=3, year=2026,
                       paragraphs=("Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
                                   "QUYẾT ĐỊNH:",
                                   "Điều 1. Thành lập tổ công tác chuyển đổi số của phường, gồm các thành viên có "
                                   "tên trong danh sách kèm theo Quyết định này."))


def _page(doc_type: str, summary: str = "Về việc thành lập tổ công tác chuyển đổi số",
          details: DraftDetails = DETAILS) -> bytes:
    return draft_template_pdf(organisation_name=ORGANISATION, doc_type=doc_type, summary=summary, details=details)


@pytest.fixture(scope="module")
def decision() -> bytes:
    return _page("quyet_dinh")


@pytest.fixture(scope="module")
def letter() -> bytes:
    return _page("cong_van", "Về việc tăng cường quản lý trật tự xây dựng")


def lines_of(data: bytes) -> list[dict[str, Any]]:
    """The text lines of page 1, each with its chars, text NFC-normalised."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        found = page.extract_text_lines(return_chars=True)
    for line in found:
        line["text"] = unicodedata.normalize("NFC", line["text"])
    return found


def line(data: bytes, start: str) -> dict[str, Any]:
    matches = [item for item in lines_of(data) if start in item["text"]]
    assert matches, start
    return matches[0]


def chars_of(item: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """The chars of ``text`` inside a line (the line may hold both header columns)."""
    chars = item["chars"]
    joined = unicodedata.normalize("NFC", "".join(c["text"] for c in chars))
    start = joined.index(text.replace(" ", ""))
    return chars[start:start + len(text.replace(" ", ""))]


def style(chars: list[dict[str, Any]]) -> set[tuple[str, float]]:
    return {(c["fontname"].split("+")[-1], round(c["size"], 1)) for c in chars}


def width(chars: list[dict[str, Any]]) -> float:
    return max(c["x1"] for c in chars) - min(c["x0"] for c in chars)


def test_r32_the_page_is_a4_in_black_liberation_serif(decision: bytes, letter: bytes) -> None:
    for data in (decision, letter):
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            page = pdf.pages[0]
            assert (round(page.width), round(page.height)) == (595, 842)
            assert page.chars
            assert {c["fontname"].split("+")[-1].removesuffix("Bold").removesuffix("Italic").removesuffix("Bold")
                    for c in page.chars} == {"LiberationSerif"}
            assert {tuple(c["non_stroking_color"]) for c in page.chars} <= {(0,), (0, 0, 0)}


def test_r32_no_character_stands_in_the_margins(decision: bytes, letter: bytes) -> None:
    # top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm
    for data in (decision, letter):
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            page = pdf.pages[0]
            assert min(c["x0"] for c in page.chars) >= 30 * MM - 0.5
            assert max(c["x1"] for c in page.chars) <= page.width - 15 * MM + 0.5
            assert min(c["top"] for c in page.chars) >= 20 * MM - 0.5
            assert max(c["bottom"] for c in page.chars) <= page.height - 20 * MM + 0.5


def test_annex1_header_lines_are_bold_caps_in_their_sizes(decision: bytes) -> None:
    first, second = line(decision, "ỦY BAN NHÂN DÂN"), line(decision, "PHƯỜNG TÍCH SƠN")

    assert style(chars_of(first, "ỦY BAN NHÂN DÂN")) == {("LiberationSerifBold", 13.0)}
    assert style(chars_of(second, "PHƯỜNG TÍCH SƠN")) == {("LiberationSerifBold", 13.0)}
    assert style(chars_of(first, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")) == {("LiberationSerifBold", 12.0)}
    assert style(chars_of(second, "Độc lập - Tự do - Hạnh phúc")) == {("LiberationSerifBold", 13.0)}


def test_annex1_the_rule_under_the_motto_is_as_long_as_the_motto(decision: bytes) -> None:
    motto = chars_of(line(decision, "Độc lập"), "Độc lập - Tự do - Hạnh phúc")
    left, right, bottom = min(c["x0"] for c in motto), max(c["x1"] for c in motto), max(c["bottom"] for c in motto)
    with pdfplumber.open(io.BytesIO(decision)) as pdf:
        rules = [r for r in pdf.pages[0].lines if bottom < r["top"] < bottom + 8 and r["x0"] > left - 20]

    [rule] = [r for r in rules if r["x1"] > (left + right) / 2]
    assert rule["x1"] - rule["x0"] == pytest.approx(right - left, abs=1)
    assert (rule["x0"] + rule["x1"]) / 2 == pytest.approx((left + right) / 2, abs=1)


def test_annex1_the_rule_under_the_issuing_body_is_a_third_to_a_half_of_its_line(decision: bytes) -> None:
    body = chars_of(line(decision, "PHƯỜNG TÍCH SƠN"), "PHƯỜNG TÍCH SƠN")
    bottom = max(c["bottom"] for c in body)
    with pdfplumber.open(io.BytesIO(decision)) as pdf:
        [rule] = [r for r in pdf.pages[0].lines if bottom < r["top"] < bottom + 8 and r["x1"] < 300]

    assert width(body) / 3 <= rule["x1"] - rule["x0"] <= width(body) / 2


def test_annex1_the_draft_shows_a_blank_number_line_and_a_blank_italic_date_line(decision: bytes) -> None:
    item = line(decision, "Số:")
    number = chars_of(item, "Số:")
    date_line = [c for c in item["chars"] if c["x0"] > 280]
    text = unicodedata.normalize("NFC", "".join(c["text"] for c in item["chars"]))

    assert style(number) == {("LiberationSerif", 13.0)} and "/QĐ-UBND" in text
    assert unicodedata.normalize("NFC", "".join(c["text"] for c in date_line)) == "TíchSơn,ngàythángnăm2026"
    assert style(date_line) == {("LiberationSerifItalic", 13.0)}
    # the blank: the number is left out between "Số:" and "/QĐ-UBND"
    slash = next(c for c in item["chars"] if c["text"] == "/")
    assert slash["x0"] - max(c["x1"] for c in number) > 15


def test_annex1_the_number_and_date_fields_lie_over_their_lines(decision: bytes) -> None:
    item = line(decision, "Số:")
    with pdfplumber.open(io.BytesIO(decision)) as pdf:
        page = pdf.pages[0]
        fields = {a["title"]: a for a in page.annots}
    number_chars = [c for c in item["chars"] if c["x1"] < 280]
    date_chars = [c for c in item["chars"] if c["x0"] > 280]

    for name, chars in ((NUMBER_FIELD, number_chars), (DATE_FIELD, date_chars)):
        field = fields[name]
        assert field["x0"] <= min(c["x0"] for c in chars) and max(c["x1"] for c in chars) <= field["x1"]
        assert field["top"] <= min(c["top"] for c in chars) and max(c["bottom"] for c in chars) <= field["bottom"]


def test_annex1_a_decision_has_its_type_line_and_trich_yeu_in_bold_and_no_kinh_gui(decision: bytes) -> None:
    title, summary = line(decision, "QUYẾT ĐỊNH"), line(decision, "thành lập tổ công tác")
    texts = [item["text"] for item in lines_of(decision)]

    assert style(title["chars"]) == {("LiberationSerifBold", 14.0)}
    assert style(summary["chars"]) == {("LiberationSerifBold", 14.0)}
    assert summary["top"] > title["top"] > line(decision, "Số:")["top"]
    assert not any("Kính gửi" in t or "Như trên" in t or "V/v" in t for t in texts)


def test_annex1_the_grounds_are_italic_and_a_line_in_capitals_stands_centred_in_bold(decision: bytes) -> None:
    grounds = line(decision, "Căn cứ Luật")
    [heading] = [item for item in lines_of(decision) if item["text"] == "QUYẾT ĐỊNH:"]
    article = line(decision, "Điều 1.")

    assert style(grounds["chars"]) == {("LiberationSerifItalic", 14.0)}
    assert style(heading["chars"]) == {("LiberationSerifBold", 14.0)}
    assert (heading["x0"] + heading["x1"]) / 2 == pytest.approx((TEXT_LEFT + TEXT_RIGHT) / 2, abs=1)
    assert style(article["chars"]) == {("LiberationSerif", 14.0)} and grounds["top"] < heading["top"] < article["top"]


def test_annex1_a_cong_van_has_v_v_under_the_number_and_kinh_gui_but_no_type_line(letter: bytes) -> None:
    number, subject = line(letter, "Số:"), line(letter, "V/v")
    texts = [item["text"] for item in lines_of(letter)]

    assert subject["text"].startswith("V/v tăng cường quản lý")
    assert {size for _, size in style(subject["chars"])} <= {12.0, 13.0}
    assert number["top"] < subject["top"] < number["top"] + 30 and subject["x1"] < 280
    assert "/UBND-VP" in number["text"]
    assert not any(t.strip() in ("CÔNG VĂN",) for t in texts)
    assert any(t.startswith("Kính gửi:") for t in texts)


def test_r32_noi_nhan_lists_the_real_recipients_and_the_copy_kept(decision: bytes, letter: bytes) -> None:
    decision_lines = [item["text"] for item in lines_of(decision)]
    start = decision_lines.index("Nơi nhận:")
    heading = line(decision, "Nơi nhận:")

    assert style(heading["chars"]) == {("LiberationSerifBoldItalic", 12.0)}
    assert decision_lines[start + 1:start + 5] == ["- Văn phòng HĐND và UBND phường;", "- Bộ phận Văn hóa - Xã hội;",
                                                   "- Sở Tư pháp tỉnh Bắc Ninh;", "- Lưu: VT, VP (3)."]
    assert style(line(decision, "- Lưu: VT")["chars"]) == {("LiberationSerif", 11.0)}
    letter_lines = [item["text"] for item in lines_of(letter)]
    assert letter_lines[letter_lines.index("Nơi nhận:") + 1:] == ["- Như trên;", "- Lưu: VT, VP (3)."]


def test_annex1_noi_nhan_stands_after_the_text_level_with_the_signature_block(decision: bytes) -> None:
    heading, text = line(decision, "Nơi nhận:"), line(decision, "Điều 1.")
    with pdfplumber.open(io.BytesIO(decision)) as pdf:
        height = pdf.pages[0].height

    assert heading["top"] > text["bottom"]
    assert heading["top"] == pytest.approx(height - SIGNER_BOX.y1, abs=3)


def test_annex1_the_signature_block_has_room_for_three_authority_lines_and_the_footer_is_kept_free(
        decision: bytes) -> None:
    with pdfplumber.open(io.BytesIO(decision)) as pdf:
        page = pdf.pages[0]
        [signer] = [a for a in page.annots if a["title"] == "personal_1"]
        lowest = max(c["bottom"] for c in page.chars)

    # three 13-14 pt lines (TM. / KT. / post), the signature image and the name
    assert signer["height"] >= 3 * 16 + 60 + 16
    assert signer["x0"] >= page.width / 2 - 40
    assert lowest < page.height - TEXT_BOTTOM - FOOTER_RESERVE


def test_annex1_the_type_name_or_ve_viec_is_not_repeated_in_the_trich_yeu() -> None:
    decision, letter = doctypes.get_type("quyet_dinh"), doctypes.get_type("cong_van")

    assert trich_yeu(decision, "Quyết định khen thưởng các tổ dân phố") == "Khen thưởng các tổ dân phố"
    assert trich_yeu(decision, "Về việc thành lập tổ công tác") == "Về việc thành lập tổ công tác"
    assert trich_yeu(letter, "Về việc tăng cường quản lý") == "tăng cường quản lý"
    assert trich_yeu(letter, "") == "…"


def _filled_appearance(data: bytes, name: str) -> tuple[bytes, str]:
    reader = PdfFileReader(io.BytesIO(data))
    for ref in reader.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field["/T"] == name:
            stream = field["/AP"]["/N"]["/Filled"]
            font = stream["/Resources"]["/Font"]["/F0"]
            return stream.data, str(font["/BaseFont"])
    raise AssertionError(name)


def test_annex1_filled_fields_print_13_pt_the_date_italic_on_a_white_ground(decision: bytes) -> None:
    filled = fill_fields(decision, {NUMBER_FIELD: "Số: 07/QĐ-UBND", DATE_FIELD: "Tích Sơn, ngày 05 tháng 5 năm 2026"})
    number, number_font = _filled_appearance(filled, NUMBER_FIELD)
    date_stream, date_font = _filled_appearance(filled, DATE_FIELD)

    assert "LiberationSerif" in number_font and "Italic" not in number_font
    assert "LiberationSerif-Italic" in date_font
    for stream in (number, date_stream):
        assert b"1 g 0 0 " in stream and b" re f 0 g" in stream      # opaque white, then black text
        assert b"/F0 13 Tf 1.0000 0 0 1.0000" in stream               # 13 pt, not shrunk

"""The Annex I format check on real PDFs (fpdf2 and Liberation Serif, tests/annex1_pages.py): a page made to
the contract gives no finding; each defect, one at a time, gives its finding with the right code; any PDF,
however broken, gives findings and never an exception."""

from __future__ import annotations

import pytest

from docflow.formatcheck import ALL_CODES, BLOCKING_BY_DEFAULT, WARNING_BY_DEFAULT, Expectation, check_pdf
from docflow.formatcheck.block import printed_block
from tests.annex1_pages import CONG_VAN, annex1_pdf, scanned_pdf, with_fields_over_lines, with_number_and_date_fields

BODY = ("ỦY BAN NHÂN DÂN", "PHƯỜNG TÍCH SƠN")
DECISION = Expectation(doc_type="quyet_dinh", symbol="QĐ-UBND", issuing_body=BODY, place="Tích Sơn")
LETTER = Expectation(doc_type="cong_van", symbol="UBND-VP", issuing_body=BODY, place="Tích Sơn")


def codes(data: bytes, expect: Expectation = DECISION) -> list[str]:
    return [f.code for f in check_pdf(data, expect).findings]


def test_annex1_a_page_made_to_the_contract_gives_no_finding() -> None:
    assert check_pdf(annex1_pdf(), DECISION).findings == ()
    assert check_pdf(annex1_pdf(CONG_VAN), LETTER).findings == ()


def test_annex1_an_issued_page_with_number_and_date_filled_gives_no_finding() -> None:
    issued = annex1_pdf(number_line="Số: 15/QĐ-UBND", date_line="Tích Sơn, ngày 05 tháng 12 năm 2026")
    assert codes(issued) == []
    assert codes(annex1_pdf(date_line="Tích Sơn, ngày 15 tháng 02 năm 2026")) == []


def test_annex1_the_number_and_date_fields_over_the_blank_lines_count_as_those_lines() -> None:
    assert codes(with_fields_over_lines(annex1_pdf())) == []
    filled = with_fields_over_lines(annex1_pdf(), number="Số: 07/QĐ-UBND",
                                    date="Tích Sơn, ngày 05 tháng 5 năm 2026")
    assert codes(filled) == []
    wrong = with_fields_over_lines(annex1_pdf(), number="Số: 07/TB-UBND", date="Tích Sơn, ngày 5 tháng 5 năm 2026")
    assert codes(wrong) == ["symbol", "date_line"]
    only_fields = with_fields_over_lines(annex1_pdf(number_line=None, date_line=None), number="Số: 07/QĐ-UBND",
                                         date="Tích Sơn, ngày 05 tháng 5 năm 2026")
    assert codes(only_fields) == []


def test_annex1_a_v_v_that_runs_onto_a_second_line_is_read_as_the_v_v() -> None:
    wrapped = annex1_pdf(CONG_VAN, summary="V/v tăng cường quản lý trật tự xây", summary_more="dựng")
    assert codes(wrapped, LETTER) == []


def test_annex1_a_signed_and_issued_page_is_read_not_unreadable(test_pki) -> None:
    from pyhanko.sign import fields

    from tests.signing import attacks
    filled = with_fields_over_lines(annex1_pdf(), number="Số: 07/QĐ-UBND", date="Tích Sơn, ngày 05 tháng 5 năm 2026")
    signed = attacks.sign(filled, test_pki.simple_signer("chutich"), field="personal_1", box=(340, 150, 540, 260))
    # the organisation's signature locks the fields and the document: its /Reference points back at the
    # catalogue, a loop that pdfplumber's annotation reader followed until Python's recursion limit
    sealed = attacks.sign(signed, test_pki.simple_signer("organisation"), field="organisation",
                          box=(300, 150, 400, 250), field_lock=fields.FieldMDPSpec(fields.FieldMDPAction.ALL),
                          docmdp=fields.MDPPerm.NO_CHANGES)
    assert codes(sealed) == []


def test_r9_a_missing_number_line_is_found() -> None:
    assert codes(annex1_pdf(number_line=None)) == ["number_line"]


def test_r9_so_without_its_colon_is_found() -> None:
    findings = check_pdf(annex1_pdf(number_line="Số      /QĐ-UBND"), DECISION).findings
    assert [f.code for f in findings] == ["number_line"]
    assert findings[0].page == 1 and 30 < findings[0].x_mm < 100 and 30 < findings[0].y_mm < 45


def test_r9_a_number_below_ten_without_its_leading_zero_is_found() -> None:
    assert codes(annex1_pdf(number_line="Số: 5/QĐ-UBND")) == ["number_line"]


def test_r8_a_symbol_of_another_type_is_found() -> None:
    assert codes(annex1_pdf(number_line="Số:      /TB-UBND")) == ["symbol"]
    # without the caller's symbol the type alone decides (Annex III)
    assert codes(annex1_pdf(number_line="Số:      /TB-UBND"), Expectation(doc_type="quyet_dinh")) == ["symbol"]
    assert codes(annex1_pdf(number_line="Số:      /QĐ-UBND"), Expectation(doc_type="quyet_dinh")) == []


def test_r8_a_cong_van_symbol_is_body_and_unit_without_a_type_abbreviation() -> None:
    assert codes(annex1_pdf(CONG_VAN, number_line="Số:      /CV-UBND"), LETTER) == ["symbol"]
    assert codes(annex1_pdf(CONG_VAN, number_line="Số:      /QĐ-UBND"), Expectation(doc_type="cong_van")) == \
        ["symbol"]


def test_annex1_a_missing_type_line_is_found() -> None:
    assert codes(annex1_pdf(type_line=None)) == ["type_line"]


def test_annex1_a_cong_van_without_v_v_is_found() -> None:
    assert "type_line" in codes(annex1_pdf(CONG_VAN, summary="Về việc tổ chức tiêm chủng"), LETTER)


def test_r32_a_missing_date_line_is_found() -> None:
    assert codes(annex1_pdf(date_line=None)) == ["date_line"]


def test_r32_an_upright_date_line_is_found() -> None:
    assert "date_line" in codes(annex1_pdf(date_style=""))


def test_r32_months_three_to_twelve_have_no_leading_zero() -> None:
    assert codes(annex1_pdf(date_line="Tích Sơn, ngày 05 tháng 05 năm 2026")) == ["date_line"]
    assert codes(annex1_pdf(date_line="Tích Sơn, ngày 5 tháng 12 năm 2026")) == ["date_line"]


def test_r32_a_missing_noi_nhan_is_found() -> None:
    assert "recipients" in codes(annex1_pdf(noi_nhan=None))


def test_r32_a_missing_luu_vt_is_found() -> None:
    assert codes(annex1_pdf(luu=None)) == ["recipients"]


def test_r32_nhu_tren_only_under_a_kinh_gui_line() -> None:
    assert codes(annex1_pdf(recipients=("- Như trên;", "- Văn phòng;"))) == ["recipients"]
    assert codes(annex1_pdf(CONG_VAN), LETTER) == []


def test_r32_a_font_without_times_metrics_is_found() -> None:
    found = codes(annex1_pdf(font="LiberationSans"))
    assert found and set(found) == {"font"}


def test_r32_a_body_text_of_the_wrong_size_is_found() -> None:
    assert set(codes(annex1_pdf(body_size=11))) == {"size"}
    assert set(codes(annex1_pdf(number_size=12))) == {"size"}


def test_r32_text_in_the_margin_is_found() -> None:
    findings = check_pdf(annex1_pdf(margin_text=True), DECISION).findings
    assert [f.code for f in findings] == ["margins"]
    assert findings[0].x_mm < 30


def test_annex1_a_motto_rule_shorter_than_the_motto_is_found() -> None:
    assert codes(annex1_pdf(motto_rule_ratio=0.6)) == ["motto_rule"]
    assert codes(annex1_pdf(motto_rule_ratio=1.002)) == []


def test_annex1_the_number_date_and_type_lines_on_page_2_are_found() -> None:
    findings = check_pdf(annex1_pdf(first_page_header_only=True), DECISION).findings
    assert [f.code for f in findings] == ["page_one", "page_one", "page_one"]
    assert {f.page for f in findings} == {2}


def test_annex1_a_scanned_page_gives_one_no_text_finding() -> None:
    assert codes(scanned_pdf()) == ["no_text"]


def test_annex1_empty_fields_over_no_printed_line_show_neither_symbol_nor_place() -> None:
    # today's template puts its empty fields where nothing is printed: the draft shows no symbol, no place
    found = codes(with_number_and_date_fields(annex1_pdf(number_line=None, date_line=None)))
    assert "symbol" in found and "date_line" in found


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
                                  b"not a pdf at all" * 100, annex1_pdf()[: len(annex1_pdf()) // 2],
                                  b"%PDF-1.4\n" + b"\x00\xff" * 5000])
def test_annex1_any_pdf_gives_findings_never_an_exception(data: bytes) -> None:
    findings = check_pdf(data, DECISION).findings
    assert findings and {f.code for f in findings} <= set(ALL_CODES)


def test_annex1_every_code_is_either_blocking_or_warning_by_default() -> None:
    assert set(BLOCKING_BY_DEFAULT) | set(WARNING_BY_DEFAULT) == set(ALL_CODES)
    assert not set(BLOCKING_BY_DEFAULT) & set(WARNING_BY_DEFAULT)
    assert {"font", "size", "margins", "motto_rule"} == set(WARNING_BY_DEFAULT)


def test_r25_the_printed_signature_block_is_read() -> None:
    block = printed_block(annex1_pdf(block=("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")))
    assert block is not None
    assert block.prefixes == ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH") and block.post == "PHÓ CHỦ TỊCH"
    assert printed_block(annex1_pdf(block=None)) is None

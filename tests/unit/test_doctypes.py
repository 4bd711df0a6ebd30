"""Document types and abbreviations exactly as Decree 30, Art. 7 (rule R6) and Annex III (rule R7); the
symbol of a type without an abbreviation (rule R8)."""

from __future__ import annotations

from docflow import doctypes
from docflow.services.registers import number_symbol

R6_TYPES = ["Nghị quyết", "Quyết định", "Chỉ thị", "Quy chế", "Quy định", "Thông cáo", "Thông báo", "Hướng dẫn",
            "Chương trình", "Kế hoạch", "Phương án", "Đề án", "Dự án", "Báo cáo", "Biên bản", "Tờ trình",
            "Hợp đồng", "Công văn", "Công điện", "Bản ghi nhớ", "Bản thỏa thuận", "Giấy ủy quyền", "Giấy mời",
            "Giấy giới thiệu", "Giấy nghỉ phép", "Phiếu gửi", "Phiếu chuyển", "Phiếu báo", "Thư công"]
R7_ABBREVIATIONS = ["NQ", "QĐ", "CT", "QC", "QyĐ", "TC", "TB", "HD", "CTr", "KH", "PA", "ĐA", "DA", "BC", "BB",
                    "TTr", "HĐ", "CĐ", "BGN", "BTT", "GUQ", "GM", "GGT", "GNP", "PG", "PC", "PB"]


def test_r6_the_29_administrative_types_and_no_other():
    assert sorted(t.name_vi for t in doctypes.DOCUMENT_TYPES) == sorted(R6_TYPES)
    assert len({t.code for t in doctypes.DOCUMENT_TYPES}) == 29


def test_r7_the_annex_iii_abbreviations_case_sensitive_each_for_one_type():
    given = [t.abbreviation for t in doctypes.DOCUMENT_TYPES if t.abbreviation]
    assert sorted(given) == sorted(R7_ABBREVIATIONS) and len(set(given)) == len(given)
    by_name = {t.name_vi: t.abbreviation for t in doctypes.DOCUMENT_TYPES}
    assert (by_name["Quy định"], by_name["Chương trình"], by_name["Tờ trình"]) == ("QyĐ", "CTr", "TTr")
    assert by_name["Thông cáo"] == "TC"


def test_r7_thu_cong_and_cong_van_have_no_abbreviation():
    assert doctypes.BY_CODE["thu_cong"].abbreviation == "" and doctypes.BY_CODE["cong_van"].abbreviation == ""


def test_r8_a_thu_cong_is_numbered_like_a_cong_van_body_and_unit():
    assert number_symbol(5, doc_type="thu_cong", body="UBND", unit="VP") == "05/UBND-VP"
    assert number_symbol(5, doc_type="cong_van", body="UBND", unit="VP") == "05/UBND-VP"
    assert number_symbol(15, doc_type="thong_cao", body="UBND") == "15/TC-UBND"
    assert number_symbol(3, doc_type="quy_dinh", body="UBND") == "03/QyĐ-UBND"

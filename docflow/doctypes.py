"""Document types of Decree 30/2020/NĐ-CP, Art. 7 (the 29 administrative types, rule R6), with their
abbreviations from Annex III (rule R7, case-sensitive: "QyĐ", "CTr", "TTr").

Two types have no abbreviation in Annex III: công văn and thư công. "TC" is thông cáo's alone. Rule R8 (Annex I,
II.3.b) forms a symbol from the type's abbreviation and the issuing body, and, where a type has none (công văn),
from the issuing body and the drafting unit; a thư công is therefore numbered like a công văn: "05/UBND-VP".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentType:
    code: str          # stored in documents.doc_type
    name_vi: str
    name_en: str
    abbreviation: str  # "" for công văn and thư công: the symbol is body + unit (UBND-VP)


DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    DocumentType("nghi_quyet", "Nghị quyết", "Resolution", "NQ"),
    DocumentType("quyet_dinh", "Quyết định", "Decision", "QĐ"),
    DocumentType("chi_thi", "Chỉ thị", "Directive", "CT"),
    DocumentType("quy_che", "Quy chế", "Regulation", "QC"),
    DocumentType("quy_dinh", "Quy định", "Rules", "QyĐ"),
    DocumentType("thong_cao", "Thông cáo", "Communiqué", "TC"),
    DocumentType("thong_bao", "Thông báo", "Notice", "TB"),
    DocumentType("huong_dan", "Hướng dẫn", "Guidance", "HD"),
    DocumentType("chuong_trinh", "Chương trình", "Programme", "CTr"),
    DocumentType("ke_hoach", "Kế hoạch", "Plan", "KH"),
    DocumentType("phuong_an", "Phương án", "Scheme", "PA"),
    DocumentType("de_an", "Đề án", "Project proposal", "ĐA"),
    DocumentType("du_an", "Dự án", "Project", "DA"),
    DocumentType("bao_cao", "Báo cáo", "Report", "BC"),
    DocumentType("bien_ban", "Biên bản", "Minutes", "BB"),
    DocumentType("to_trinh", "Tờ trình", "Submission", "TTr"),
    DocumentType("hop_dong", "Hợp đồng", "Contract", "HĐ"),
    DocumentType("cong_dien", "Công điện", "Official telegram", "CĐ"),
    DocumentType("ban_ghi_nho", "Bản ghi nhớ", "Memorandum of understanding", "BGN"),
    DocumentType("ban_thoa_thuan", "Bản thỏa thuận", "Agreement", "BTT"),
    DocumentType("giay_uy_quyen", "Giấy ủy quyền", "Power of attorney", "GUQ"),
    DocumentType("giay_moi", "Giấy mời", "Invitation", "GM"),
    DocumentType("giay_gioi_thieu", "Giấy giới thiệu", "Letter of introduction", "GGT"),
    DocumentType("giay_nghi_phep", "Giấy nghỉ phép", "Leave permit", "GNP"),
    DocumentType("phieu_gui", "Phiếu gửi", "Dispatch slip", "PG"),
    DocumentType("phieu_chuyen", "Phiếu chuyển", "Transfer slip", "PC"),
    DocumentType("phieu_bao", "Phiếu báo", "Advice slip", "PB"),
    DocumentType("thu_cong", "Thư công", "Official letter", ""),
    DocumentType("cong_van", "Công văn", "Official dispatch", ""),
)

BY_CODE: dict[str, DocumentType] = {t.code: t for t in DOCUMENT_TYPES}


def get_type(code: str) -> DocumentType | None:
    return BY_CODE.get(code)

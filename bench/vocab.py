"""Vocabulary and weights for plausible ward documents: kinds, types, statuses, Vietnamese subjects."""

from __future__ import annotations

import random

from docflow.doctypes import BY_CODE
from docflow.models import Confidentiality, DocumentKind, DocumentStatus, Urgency

KINDS: tuple[tuple[DocumentKind, float], ...] = (
    (DocumentKind.INCOMING, 55), (DocumentKind.OUTGOING, 30), (DocumentKind.INTERNAL, 15))

DEPARTMENT_WEIGHTS: tuple[tuple[str, float], ...] = (("VP", 30), ("ĐC", 20), ("TP", 20), ("VHXH", 15), ("TCKT", 15))

OFFICIAL_OF = {"VP": "chuyenvien.vp", "ĐC": "chuyenvien.dc", "TP": "chuyenvien.tp", "VHXH": "chuyenvien.vh",
               "TCKT": "chuyenvien.tc"}

DOC_TYPES: dict[DocumentKind, tuple[tuple[str, float], ...]] = {
    DocumentKind.INCOMING: (("cong_van", 45), ("quyet_dinh", 12), ("thong_bao", 10), ("ke_hoach", 8),
                            ("giay_moi", 8), ("huong_dan", 6), ("bao_cao", 4), ("chi_thi", 3),
                            ("nghi_quyet", 2), ("cong_dien", 2)),
    DocumentKind.OUTGOING: (("cong_van", 35), ("quyet_dinh", 20), ("bao_cao", 12), ("thong_bao", 10),
                            ("to_trinh", 8), ("ke_hoach", 8), ("giay_moi", 4), ("giay_gioi_thieu", 3)),
    DocumentKind.INTERNAL: (("to_trinh", 30), ("bien_ban", 25), ("bao_cao", 20), ("ke_hoach", 15),
                            ("giay_nghi_phep", 10)),
}

STATUSES: dict[DocumentKind, tuple[tuple[DocumentStatus, float], ...]] = {
    DocumentKind.INCOMING: ((DocumentStatus.REGISTERED, 25), (DocumentStatus.IN_PROGRESS, 30),
                            (DocumentStatus.COMPLETED, 45)),
    DocumentKind.OUTGOING: ((DocumentStatus.DRAFT, 8), (DocumentStatus.IN_REVIEW, 8),
                            (DocumentStatus.AWAITING_SIGNATURE, 5), (DocumentStatus.SIGNED, 4),
                            (DocumentStatus.ISSUED, 70), (DocumentStatus.RECALLED, 2), (DocumentStatus.REPLACED, 3)),
    DocumentKind.INTERNAL: ((DocumentStatus.IN_PROGRESS, 30), (DocumentStatus.COMPLETED, 65),
                            (DocumentStatus.REPLACED, 5)),
}

URGENCY: tuple[tuple[Urgency, float], ...] = (
    (Urgency.NORMAL, 85), (Urgency.URGENT, 10), (Urgency.VERY_URGENT, 4), (Urgency.EXPRESS, 1))

# About 2 % of documents are classified.
CONFIDENTIALITY: tuple[tuple[Confidentiality, float], ...] = (
    (Confidentiality.NORMAL, 98.0), (Confidentiality.CONFIDENTIAL, 1.4), (Confidentiality.SECRET, 0.5),
    (Confidentiality.TOP_SECRET, 0.1))

OWN_BODY = ("UBND phường Tích Sơn", "UBND")

EXTERNAL_BODIES = (
    ("UBND thành phố Vĩnh Yên", "UBND"), ("UBND tỉnh Vĩnh Phúc", "UBND"),
    ("Sở Tài nguyên và Môi trường tỉnh Vĩnh Phúc", "STNMT"), ("Sở Tư pháp tỉnh Vĩnh Phúc", "STP"),
    ("Phòng Tài chính – Kế hoạch thành phố Vĩnh Yên", "TCKH"), ("Công an thành phố Vĩnh Yên", "CAVY"),
    ("Phòng Văn hóa và Thông tin thành phố Vĩnh Yên", "VHTT"), ("Chi cục Thuế khu vực Vĩnh Yên", "CCT"),
    ("Bảo hiểm xã hội thành phố Vĩnh Yên", "BHXH"), ("Phòng Giáo dục và Đào tạo thành phố Vĩnh Yên", "GDĐT"),
    ("Ban Chỉ huy Quân sự thành phố Vĩnh Yên", "BCHQS"), ("Thành ủy Vĩnh Yên", "TU"),
)

ACTIONS = ("Về việc", "V/v", "Về việc triển khai", "Về việc tăng cường", "Về việc hướng dẫn", "Về việc báo cáo",
           "Về việc phê duyệt", "Về việc tổ chức", "Về việc kiểm tra", "Về việc rà soát")

TOPICS = (
    "công tác quản lý đất đai", "cấp giấy chứng nhận quyền sử dụng đất", "đăng ký hộ tịch trực tuyến",
    "chứng thực bản sao từ bản chính", "phòng chống dịch bệnh mùa đông xuân", "phòng cháy chữa cháy khu dân cư",
    "xây dựng nông thôn mới nâng cao", "chỉnh trang đô thị và vệ sinh môi trường", "thu ngân sách nhà nước",
    "quyết toán kinh phí năm", "chi trả trợ cấp xã hội hằng tháng", "tuyển chọn công dân nhập ngũ",
    "bầu cử đại biểu Hội đồng nhân dân", "cải cách hành chính và chuyển đổi số", "giải quyết đơn thư khiếu nại",
    "cấp phép xây dựng nhà ở riêng lẻ", "thống kê dân số và nhà ở", "an toàn giao thông dịp lễ Tết",
    "tổ chức Ngày hội Đại đoàn kết toàn dân tộc", "phổ biến giáo dục pháp luật", "quản lý trật tự xây dựng",
    "giải phóng mặt bằng dự án đường vành đai", "hỗ trợ người có công với cách mạng", "kiểm kê đất đai định kỳ",
    "bảo hiểm y tế học sinh sinh viên", "phòng chống thiên tai và tìm kiếm cứu nạn", "lễ hội truyền thống",
    "đánh giá xếp loại cán bộ công chức", "sáp nhập tổ dân phố", "ứng dụng VNeID trong giải quyết thủ tục",
)

TAILS = ("trên địa bàn phường", "năm 2024", "năm 2025", "quý I", "quý II", "quý III", "quý IV",
         "6 tháng đầu năm", "đợt 1", "đợt 2", "giai đoạn 2021–2025", "tại tổ dân phố số 3", "")

# Search terms for `q=`: common, rarer, a number-and-symbol fragment and one that matches nothing.
SEARCH_TERMS = ("đất đai", "hộ tịch", "ngân sách", "VNeID", "QĐ-UBND", "phòng cháy", "khiếu nại",
                "không có văn bản nào như thế")


def summary(rng: random.Random) -> str:
    """A trích yếu such as 'Về việc tăng cường công tác quản lý đất đai trên địa bàn phường'."""
    text = f"{rng.choice(ACTIONS)} {rng.choice(TOPICS)} {rng.choice(TAILS)}".strip()
    if rng.random() < 0.3:
        text += f"; {rng.choice(TOPICS)}"
    return text


def number_symbol(rng: random.Random, kind: DocumentKind, doc_type: str, dept_code: str, body: str) -> str | None:
    """'15/QĐ-UBND', '231/UBND-VP' (công văn) or None for some internal papers."""
    if kind is DocumentKind.INTERNAL and rng.random() < 0.3:
        return None
    number = rng.randint(1, 1500)
    abbreviation = BY_CODE[doc_type].abbreviation
    if not abbreviation:
        return f"{number}/{body}-{dept_code}" if body == "UBND" else f"{number}/{body}"
    return f"{number}/{abbreviation}-{body}"

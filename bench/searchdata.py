"""Vietnamese page texts and opinions for the search benchmark, generated fast.

A few thousand administrative sentences are made once from templates (bench/vocab.py's topics and bodies,
places, figures, names); a page is five to nine of them. Each sentence is folded once, so a page's
folded text is the join of its sentences' (textsearch.fold collapses spaces the same way) and generating a
million pages costs no folding at all. A rare name appears on about one page in 5,000."""

from __future__ import annotations

import random

from bench import vocab
from docflow import textsearch

PLACES = ("tổ dân phố số 1", "tổ dân phố số 3", "tổ dân phố Đồng Tâm", "khu đô thị Chùa Hà", "đường Nguyễn Tất Thành",
          "ngõ 12 phố Lê Xoay", "khu tái định cư Đầm Vạc", "chợ Vĩnh Yên", "trường Tiểu học Tích Sơn",
          "nhà văn hóa khu phố 2")
OPENINGS = ("Căn cứ {law}, Ủy ban nhân dân phường thông báo", "Thực hiện chỉ đạo của {body} về {topic}",
            "Để triển khai kịp thời {topic} {tail}", "Theo báo cáo của {place}", "Qua kiểm tra thực địa tại {place}",
            "Ủy ban nhân dân phường đề nghị các tổ dân phố", "Đề nghị các bộ phận chuyên môn phối hợp thực hiện",
            "Kết quả rà soát cho thấy", "Trong {tail}, phường đã tiếp nhận {n} hồ sơ về {topic}",
            "Về {topic}, {body} có ý kiến", "Tại cuộc họp giao ban ngày {day}/{month}, lãnh đạo phường yêu cầu",
            "Hội nghị sơ kết {topic} ghi nhận", "Nhằm nâng cao chất lượng {topic}", "Ông {name} trình bày",
            "Bà {name}, cán bộ {job}, cho biết", "Theo số liệu thống kê đến tháng {month}",
            "Căn cứ đề nghị của Trưởng {place}", "Xét đơn của hộ ông {name} tại {place}",
            "Thường trực Ủy ban nhân dân phường chỉ đạo")
MIDDLES = ("tiếp tục tăng cường {topic} {tail}", "hoàn thành {topic} trước ngày {day}/{month}/2026",
           "báo cáo kết quả {topic} về Văn phòng Ủy ban nhân dân phường", "với tổng kinh phí {n} triệu đồng",
           "bảo đảm đúng quy định của pháp luật và tiến độ đề ra", "có {n} trường hợp chưa hoàn thiện thủ tục",
           "giao công chức {job} chủ trì, phối hợp với {place}", "tổ chức kiểm tra thực địa và lập biên bản",
           "niêm yết công khai tại trụ sở và trên cổng thông tin điện tử của phường",
           "đôn đốc các hộ gia đình chấp hành nghiêm quy định", "lập danh sách {n} hộ đủ điều kiện hỗ trợ",
           "tuyên truyền trên hệ thống loa truyền thanh cơ sở", "xử lý dứt điểm các trường hợp vi phạm",
           "tổng hợp ý kiến của nhân dân gửi {body}", "phấn đấu đạt {n}% kế hoạch được giao",
           "bố trí cán bộ trực tiếp nhận hồ sơ vào ngày thứ Bảy", "rà soát, cập nhật cơ sở dữ liệu dân cư",
           "khen thưởng {n} tập thể, cá nhân có thành tích xuất sắc", "đề xuất phương án bồi thường, hỗ trợ",
           "thành lập tổ công tác liên ngành do {name} làm tổ trưởng")
LAWS = ("Luật Đất đai năm 2024", "Nghị định số 30/2020/NĐ-CP", "Luật Tổ chức chính quyền địa phương",
        "Luật Hộ tịch năm 2014", "Nghị định số 45/2020/NĐ-CP", "Quyết định số 15/QĐ-UBND")
NAMES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Giang",
         "Đặng Văn Hùng", "Bùi Thị Lan", "Đỗ Văn Minh", "Ngô Thị Nga", "Dương Văn Phúc", "Lý Thị Quyên")
JOBS = ("Địa chính – Xây dựng", "Tư pháp – Hộ tịch", "Văn hóa – Xã hội", "Tài chính – Kế toán", "Văn phòng – Thống kê")
RARE = "Khổng Minh Triết"
OPINIONS = ("Đề nghị bộ phận Địa chính kiểm tra thực địa trước khi trả lời công dân.",
            "Đồng ý với đề xuất, giao Văn phòng tổng hợp báo cáo.", "Cần làm rõ nguồn kinh phí trước khi trình ký.",
            "Đã phối hợp với tổ dân phố xác minh, đề nghị giải quyết theo quy định.",
            "Bổ sung danh sách hộ gia đình bị ảnh hưởng bởi dự án giải phóng mặt bằng.")


def _sentence(rng: random.Random) -> str:
    fill = {"law": rng.choice(LAWS), "body": rng.choice(vocab.EXTERNAL_BODIES)[0], "topic": rng.choice(vocab.TOPICS),
            "tail": rng.choice(vocab.TAILS) or "năm 2026", "place": rng.choice(PLACES), "n": rng.randint(2, 480),
            "day": rng.randint(1, 28), "month": rng.randint(1, 12), "job": rng.choice(JOBS),
            "name": rng.choice(NAMES)}
    return (rng.choice(OPENINGS) + ", " + rng.choice(MIDDLES) + "; " + rng.choice(MIDDLES) + ".").format(**fill)


class Pages:
    """Page bodies with their folded texts, from a fixed pool of sentences."""

    def __init__(self, rng: random.Random, pool: int = 20_000) -> None:
        self.rng = rng
        sentences = list(dict.fromkeys(_sentence(rng) for _ in range(pool)))
        sentences = [s[:1].upper() + s[1:] for s in sentences]
        self.pool = [(s, textsearch.fold(s)) for s in sentences]
        rare = f"Hộ ông {RARE} đề nghị cấp giấy chứng nhận quyền sử dụng đất."
        self.rare = (rare, textsearch.fold(rare))

    def page(self) -> tuple[str, str]:
        chosen = self.rng.sample(self.pool, self.rng.randint(5, 9))
        if self.rng.random() < 1 / 5000:
            chosen.append(self.rare)
        return " ".join(s for s, _ in chosen), " ".join(f for _, f in chosen)

    def opinion(self) -> tuple[str, str]:
        text = self.rng.choice(OPINIONS)
        return text, textsearch.fold(text)

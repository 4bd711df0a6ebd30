"""The README.txt of an archive transfer package: what is in it and how to verify it, in Vietnamese first (the
archive's language), then in English."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

REASONS_VI = {"open": "đang mở, cố ý không nộp lần này (--only-closed)", "never_opened": "chưa được mở, không có văn bản",
              "destroyed": "đã hủy theo quyết định"}
REASONS_EN = {"open": "still open, left out on purpose (--only-closed)", "never_opened": "never opened, no documents",
              "destroyed": "destroyed by decision"}

TEMPLATE = """\
GÓI NỘP LƯU HỒ SƠ ĐIỆN TỬ — {organisation} — NĂM {year}
Mã định danh cơ quan (OrganId): {organ_id}
Lập lúc {created_at} (UTC) bởi {actor}.

Hồ sơ nộp lưu ({files} hồ sơ, {documents} văn bản): {included}
Hồ sơ không có trong gói:
{left_out_vi}

Gói gồm:
  metadata.xml                     siêu dữ liệu hồ sơ và văn bản theo chuẩn (Nghị định 30/2020, Phụ lục VI;
                                   tên trường và độ dài R57: FileCode, Title, Maintenance, DocOrdinal, ...)
  schema/r57.xsd                   lược đồ XSD mà metadata.xml tuân theo (bản của docflow)
  documents/<mã>/v<N>.pdf          văn bản đã ký số đúng như đã lưu (bản ban hành hoặc bản đăng ký đến,
                                   và bản gia hạn hiệu lực chữ ký B-LTA mới nhất nếu có), không chuyển đổi
  documents/<mã>/verification.*    báo cáo kiểm tra chữ ký số (JSON và bản in HTML)
  documents/<mã>/signature-chain.json, register-entry.json   chuỗi ký đối chiếu hồ sơ; dòng sổ đăng ký
  audit/events.jsonl               nhật ký kiểm toán của các văn bản và hồ sơ, đến điểm kiểm tra đã ký số
  certificates/, crls/             chứng thư số của người ký, chuỗi CA và danh sách thu hồi (CRL)
  manifest.json                    mã SHA-256 của mọi tệp khác (trừ nhật ký, tự chứng minh bằng điểm kiểm tra)
  manifest.json.p7s                chữ ký số của UBND trên manifest.json (CMS tách rời), mã băm của manifest
                                   cũng được ghi trong sự kiện "records.transferred" của nhật ký

Cách kiểm tra (không cần cơ sở dữ liệu, chỉ cần cài docflow):
  docflow archive verify GOI.zip --trust-root CA.pem
  (CA.pem: chứng thư gốc của UBND lấy từ nguồn tin cậy, KHÔNG lấy từ trong gói)
  Kết quả 0: hợp lệ; 1: có vấn đề (nêu rõ tệp); 2: không đọc được gói.
  Cũng kiểm tra được bằng OpenSSL: openssl cms -verify -binary -inform DER -in manifest.json.p7s
  -content manifest.json -CAfile CA.pem -purpose any, rồi so mã SHA-256 từng tệp với manifest.json.

----------------------------------------------------------------------------------------------------
ARCHIVE TRANSFER PACKAGE — {organisation} — YEAR {year}
Organ identifier (OrganId): {organ_id}
Made at {created_at} (UTC) by {actor}.

Files transferred ({files} files, {documents} documents): {included}
Files not in the package:
{left_out_en}

Inside: metadata.xml (R57 metadata of the files and documents), schema/r57.xsd (the schema it follows),
documents/<id>/v<N>.pdf (the signed PDFs exactly as stored: the issued or registered version and its latest
B-LTA renewal, never converted), each document's verification report and chain check, audit/events.jsonl (the
audit events of the documents and files up to signed checkpoints), certificates/ and crls/, manifest.json (the
SHA-256 of every other file) and manifest.json.p7s (the ward's detached CMS signature of the manifest, whose
SHA-256 is also in the log's "records.transferred" event).

To verify (no database needed, only docflow installed):
  docflow archive verify PACKAGE.zip --trust-root CA.pem
  (CA.pem: the ward's root certificate from a trusted source, NOT from inside the package)
  Exit 0: valid; 1: a problem (the file is named); 2: the package cannot be read.
"""


def readme(*, year: int, organisation: str, organ_id: str, now: datetime, actor: str, included: Sequence[str],
           documents: int, left_out: Sequence[tuple[str, str]]) -> bytes:
    def listing(reasons: dict[str, str], none: str) -> str:
        return "\n".join(f"  {code}: {reasons[why]}" for code, why in left_out) or f"  {none}"

    return TEMPLATE.format(year=year, organisation=organisation, organ_id=organ_id,
                           created_at=now.strftime("%Y-%m-%d %H:%M"), actor=actor, files=len(included),
                           documents=documents, included=", ".join(included),
                           left_out_vi=listing(REASONS_VI, "(không có)"),
                           left_out_en=listing(REASONS_EN, "(none)")).encode("utf-8")

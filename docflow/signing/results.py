"""What verification answers: the vocabulary of a report (problem codes, coverage, modification level,
revocation source), the frozen result values and their English and Vietnamese messages.

The words are StrEnums, so each value is also the plain string stored in verification reports, printed by
``docflow verify --json`` and looked up by the templates: those strings are a stable interface.
Nothing here imports pyHanko.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from docflow.errors import N_
from docflow.signing import pdfsafety


class ProblemCode(StrEnum):
    UNSIGNED = "unsigned"
    TRAILING_BYTES = "trailing_bytes"
    MALFORMED_SIGNATURE = "malformed_signature"
    BYTE_RANGE_INVALID = "byte_range_invalid"
    PARTIAL_COVERAGE = "partial_coverage"
    NOT_INTACT = "not_intact"
    UNTRUSTED_CHAIN = "untrusted_chain"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REVOKED = "revoked"
    # Not a problem (it never makes a signature invalid, so it is never in ``problems``): the code of
    # the note shown for a report whose ``revoked`` is None.
    REVOCATION_UNKNOWN = "revocation_unknown"
    KEY_USAGE = "key_usage"
    WEAK_DIGEST = "weak_digest"
    TIMESTAMP_INVALID = "timestamp_invalid"
    SEED_VALUE = "seed_value"
    DISALLOWED_MODIFICATION = "disallowed_modification"


class Coverage(StrEnum):
    """How much of the file a signature's byte range covers."""
    WHOLE_FILE = "whole_file"
    WHOLE_REVISION = "whole_revision"
    PARTIAL = "partial"


class ModificationLevel(StrEnum):
    """What changed in the revisions after a signature (DSS and timestamp-only updates count as none)."""
    NONE = "none"
    FORM_FILLING = "form_filling"
    ANNOTATIONS = "annotations"
    OTHER = "other"


class RevocationSource(StrEnum):
    """Where the revocation data that speaks about the signer's certificate came from."""
    EMBEDDED = "embedded"
    FETCHED = "fetched"
    NONE = "none"


class Verdict(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    UNSIGNED = "unsigned"


MSG_ENCRYPTED = N_("The PDF is password-protected; docflow cannot check its signatures.")
MSG_TOO_SLOW = N_("Checking the PDF took longer than %(seconds)s seconds.")

# code -> English msgid; placeholders are filled from Problem.params.
MESSAGES: Mapping[str, str] = MappingProxyType({
    ProblemCode.UNSIGNED: N_("The document has no signatures."),
    ProblemCode.TRAILING_BYTES: N_("%(count)s bytes after the end of the last revision are not a complete "
                                   "incremental update."),
    ProblemCode.MALFORMED_SIGNATURE: N_("The signature in field %(field)s cannot be read (missing or "
                                        "malformed ByteRange, Contents or signature data)."),
    ProblemCode.BYTE_RANGE_INVALID: N_("The signed byte range of this signature is not standard: %(detail)s."),
    ProblemCode.PARTIAL_COVERAGE: N_("The signature covers only part of the revision it belongs to."),
    ProblemCode.NOT_INTACT: N_("The signed content was altered, or the signature value does not match it."),
    ProblemCode.UNTRUSTED_CHAIN: N_("The signer's certificate does not chain to a trusted root certificate."),
    ProblemCode.EXPIRED: N_("The signer's certificate expired on %(not_after)s, and no trusted timestamp "
                            "proves the signature was made before that."),
    ProblemCode.NOT_YET_VALID: N_("The signer's certificate is valid only from %(not_before)s."),
    ProblemCode.REVOKED: N_("The signer's certificate was revoked on %(date)s (%(reason)s)."),
    ProblemCode.REVOCATION_UNKNOWN: N_("The revocation status of the signer's certificate could not be "
                                       "checked."),
    ProblemCode.KEY_USAGE: N_("The signer's certificate is not meant for signing (key usage: %(usage)s)."),
    ProblemCode.WEAK_DIGEST: N_("The signature uses a weak algorithm: %(algorithm)s."),
    ProblemCode.TIMESTAMP_INVALID: N_("The signature's timestamp is not valid or not trusted."),
    ProblemCode.SEED_VALUE: N_("The signature does not meet the constraints of its signature field."),
    ProblemCode.DISALLOWED_MODIFICATION: N_("The document was changed after this signature beyond what the "
                                            "signature allows (%(level)s)."),
})

_VI_BY_CODE: Mapping[ProblemCode, str] = {
    ProblemCode.UNSIGNED: "Tài liệu không có chữ ký số nào.",
    ProblemCode.TRAILING_BYTES: "Có %(count)s byte sau phần kết thúc của phiên bản cuối cùng không "
                                "phải là một bản cập nhật gia tăng hoàn chỉnh.",
    ProblemCode.MALFORMED_SIGNATURE: "Không đọc được chữ ký trong trường %(field)s (thiếu hoặc sai "
                                     "ByteRange, Contents hoặc dữ liệu chữ ký).",
    ProblemCode.BYTE_RANGE_INVALID: "Vùng dữ liệu được ký của chữ ký này không đúng chuẩn: %(detail)s.",
    ProblemCode.PARTIAL_COVERAGE: "Chữ ký chỉ bao phủ một phần phiên bản tài liệu mà nó thuộc về.",
    ProblemCode.NOT_INTACT: "Nội dung đã ký bị thay đổi, hoặc giá trị chữ ký không khớp với nội dung.",
    ProblemCode.UNTRUSTED_CHAIN: "Chứng thư số của người ký không dẫn tới chứng thư gốc tin cậy nào.",
    ProblemCode.EXPIRED: "Chứng thư số của người ký đã hết hạn vào %(not_after)s và không có dấu thời "
                         "gian tin cậy chứng minh chữ ký được tạo trước thời điểm đó.",
    ProblemCode.NOT_YET_VALID: "Chứng thư số của người ký chỉ có hiệu lực từ %(not_before)s.",
    ProblemCode.REVOKED: "Chứng thư số của người ký đã bị thu hồi vào %(date)s (%(reason)s).",
    ProblemCode.REVOCATION_UNKNOWN: "Không kiểm tra được tình trạng thu hồi của chứng thư số người ký.",
    ProblemCode.KEY_USAGE: "Chứng thư số của người ký không dùng để ký (mục đích sử dụng khóa: "
                           "%(usage)s).",
    ProblemCode.WEAK_DIGEST: "Chữ ký dùng thuật toán yếu: %(algorithm)s.",
    ProblemCode.TIMESTAMP_INVALID: "Dấu thời gian của chữ ký không hợp lệ hoặc không tin cậy.",
    ProblemCode.SEED_VALUE: "Chữ ký không đáp ứng các ràng buộc của trường chữ ký.",
    ProblemCode.DISALLOWED_MODIFICATION: "Tài liệu đã bị thay đổi sau chữ ký này vượt quá mức chữ ký "
                                         "cho phép (%(level)s).",
}

# English msgid -> Vietnamese, for every message a verification can show.
message_vi: Mapping[str, str] = MappingProxyType({
    **{MESSAGES[code]: text for code, text in _VI_BY_CODE.items()},
    pdfsafety.MSG_EMPTY: "Tệp rỗng.",
    pdfsafety.MSG_NOT_PDF: "Tệp không phải là tài liệu PDF.",
    pdfsafety.MSG_DAMAGED: "Tệp PDF bị hỏng hoặc không đọc được.",
    pdfsafety.MSG_TOO_DEEP: "Tệp PDF lồng các đối tượng quá sâu để đọc an toàn.",
    MSG_ENCRYPTED: "Tệp PDF được đặt mật khẩu; docflow không kiểm tra được chữ ký.",
    MSG_TOO_SLOW: "Việc kiểm tra tệp PDF mất quá %(seconds)s giây.",
})

# Problems that say the signer's certificate cannot be relied on (as opposed to the document's bytes).
TRUST_CODES = frozenset({ProblemCode.UNTRUSTED_CHAIN, ProblemCode.EXPIRED, ProblemCode.NOT_YET_VALID,
                         ProblemCode.REVOKED, ProblemCode.KEY_USAGE, ProblemCode.WEAK_DIGEST})


def translate(message: str, params: Mapping[str, str], lang: str = "en") -> str:
    """Render a msgid of verification in ``lang`` ("en" or "vi"). Raises nothing."""
    template = message_vi.get(message, message) if lang == "vi" else message
    return template % dict(params) if params else template


@dataclass(frozen=True)
class Problem:
    code: ProblemCode
    message: str
    params: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, code: ProblemCode | str, **params: object) -> Problem:
        """The problem ``code`` with its standard message. Raises KeyError for an unknown code."""
        message = MESSAGES[code]
        return cls(ProblemCode(code), message, MappingProxyType({k: str(v) for k, v in params.items()}))

    def text(self, lang: str = "en") -> str:
        return translate(self.message, self.params, lang)


@dataclass(frozen=True)
class SignatureReport:
    field: str
    signer: str
    signer_common_name: str
    certificate_sha256: str
    serial: str
    issuer: str
    signing_time: datetime | None
    timestamp_time: datetime | None
    intact: bool
    trusted: bool
    revoked: bool | None
    revocation_source: RevocationSource
    key_usage_ok: bool
    digest_algorithm: str
    signature_algorithm: str
    coverage: Coverage
    modification_level: ModificationLevel
    pades_level: str | None
    is_timestamp: bool
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted and not self.problems

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        return {
            "field": self.field,
            "signer": self.signer,
            "signing_time": iso(self.signing_time),
            "timestamp_time": iso(self.timestamp_time),
            "intact": self.intact,
            "trusted": self.trusted,
            "revoked": self.revoked,
            "coverage": self.coverage,
            "modification_level": self.modification_level,
            "pades_level": self.pades_level,
            "problems": [{"code": p.code, "message": p.text(lang)} for p in self.problems],
        }


@dataclass(frozen=True)
class VerificationResult:
    valid: bool
    signatures: tuple[SignatureReport, ...]
    errors: tuple[Problem, ...]
    sha256: str

    @property
    def verdict(self) -> Verdict:
        if self.valid:
            return Verdict.VALID
        if not any(not s.is_timestamp for s in self.signatures):
            return Verdict.UNSIGNED
        return Verdict.INVALID

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        """The object ``docflow verify --json`` prints. Raises nothing."""
        return {
            "valid": self.valid,
            "signatures": [s.to_json(lang) for s in self.signatures],
            "errors": [{"code": p.code, "message": p.text(lang)} for p in self.errors],
        }


def malformed_report(name: str) -> SignatureReport:
    """The report of a signature whose dictionary or CMS data cannot be read."""
    return SignatureReport(
        field=name, signer="", signer_common_name="", certificate_sha256="", serial="", issuer="",
        signing_time=None, timestamp_time=None, intact=False, trusted=False, revoked=None,
        revocation_source=RevocationSource.NONE, key_usage_ok=False, digest_algorithm="",
        signature_algorithm="", coverage=Coverage.PARTIAL, modification_level=ModificationLevel.OTHER,
        pades_level=None, is_timestamp=False, problems=(Problem.of(ProblemCode.MALFORMED_SIGNATURE, field=name),))


def iso(moment: datetime | None) -> str | None:
    """``moment`` in UTC as ISO 8601 to the second (how reports print times). Raises nothing."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")

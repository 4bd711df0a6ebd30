"""`docflow verify FILE.pdf`: check a PDF's signatures from the command line.

Imports neither Flask nor SQLAlchemy nor the app factory (the command must start as fast as a bare
pyHanko script): the trust roots come from the configuration file through ``docflow.config.load``.
Exit status: 0 valid, 1 not valid (unsigned included), 2 unreadable or not a PDF. With ``--issued ISSUED.pdf``
the file must also be those issued bytes or a B-LTA renewal of them (exit 1 otherwise).
"""

from __future__ import annotations

import gettext
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from docflow import config
from docflow.config import Settings
from docflow.errors import ConfigurationError, UnreadablePdfError
from docflow.paths import TRANSLATIONS_DIR
from docflow.signing.verify import (
    Problem,
    SignatureReport,
    TrustSettings,
    VerificationResult,
    translate,
    verify_pdf,
)

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "signature": "Signature", "timestamp": "Document timestamp", "signer": "Signer",
        "signed_at": "Signing time (claimed)", "timestamp_at": "Timestamp", "intact": "Intact",
        "trusted": "Trusted", "revoked": "Revoked", "coverage": "Covers", "changes": "Changes after it",
        "level": "PAdES level", "yes": "yes", "no": "no", "unknown": "unknown", "none": "none",
        "whole_file": "the whole file", "whole_revision": "its whole revision", "partial": "only part",
        "form_filling": "form filling", "annotations": "annotations", "other": "other changes",
        "problem": "Problem", "note": "Note",
        "valid": "VALID: every signature is intact and trusted, and nothing changed beyond what each allows.",
        "invalid": "NOT VALID", "unsigned": "NOT VALID: the document is not signed.",
        "unreadable": "Unreadable PDF",
        "issued_same": "ISSUED BYTES: the file is exactly the issued document.",
        "issued_renewal": "ISSUED BYTES: the issued document with its signatures' validity renewed (B-LTA) on",
        "issued_not": "NOT THE ISSUED BYTES",
    },
    "vi": {
        "signature": "Chữ ký", "timestamp": "Dấu thời gian tài liệu", "signer": "Người ký",
        "signed_at": "Thời điểm ký (tự khai)", "timestamp_at": "Dấu thời gian", "intact": "Toàn vẹn",
        "trusted": "Tin cậy", "revoked": "Bị thu hồi", "coverage": "Phạm vi ký",
        "changes": "Thay đổi sau khi ký", "level": "Mức PAdES", "yes": "có", "no": "không",
        "unknown": "không rõ", "none": "không có", "whole_file": "toàn bộ tệp",
        "whole_revision": "toàn bộ phiên bản của nó", "partial": "chỉ một phần",
        "form_filling": "điền biểu mẫu", "annotations": "chú thích", "other": "thay đổi khác",
        "problem": "Lỗi", "note": "Lưu ý",
        "valid": "HỢP LỆ: mọi chữ ký còn toàn vẹn, tin cậy và không có thay đổi vượt quá mức cho phép.",
        "invalid": "KHÔNG HỢP LỆ", "unsigned": "KHÔNG HỢP LỆ: tài liệu chưa được ký.",
        "unreadable": "Không đọc được tệp PDF",
        "issued_same": "ĐÚNG BẢN ĐÃ BAN HÀNH: tệp trùng khớp với văn bản đã ban hành.",
        "issued_renewal": "ĐÚNG BẢN ĐÃ BAN HÀNH: văn bản đã ban hành được gia hạn hiệu lực chữ ký (B-LTA) ngày",
        "issued_not": "KHÔNG PHẢI BẢN ĐÃ BAN HÀNH",
    },
}


@click.command("verify")
@click.argument("pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--trust-root", "trust_roots", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="a trusted root CA certificate (PEM or DER); repeat for more. "
                   "Default: the configured roots.")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object instead of a report")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None,
              help="language of the report (default: app.default_locale)")
@click.option("--issued", "issued_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the document as issued: FILE must be exactly it, or it with only validation data and "
                   "document timestamps appended (a B-LTA renewal)")
def verify(pdf: Path, trust_roots: tuple[Path, ...], as_json: bool, lang: str | None,
           issued_path: Path | None) -> None:
    """Check the signatures of FILE.pdf: exit 0 valid, 1 not valid, 2 unreadable."""
    # pyHanko logs every rejected certificate with a traceback; the report says it better.
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    try:
        settings = _settings()
        trust = _trust(settings, trust_roots)
    except ConfigurationError as exc:
        _fail(str(exc), EXIT_UNREADABLE)
    language: str = lang or settings.app.default_locale
    labels = _LABELS[language]
    try:
        data = pdf.read_bytes()
    except OSError as exc:
        _fail(f"{labels['unreadable']}: {pdf}: {exc.strerror}", EXIT_UNREADABLE)
    try:
        result = verify_pdf(data, trust)
    except UnreadablePdfError as exc:
        _fail(f"{labels['unreadable']}: {pdf}: {translate(exc.message, _str_params(exc.params), language)}",
              EXIT_UNREADABLE)
    issued = _issued(issued_path, data, labels, language) if issued_path is not None else None
    if as_json:
        out = result.to_json(language)
        if issued is not None:
            out["issued"] = {"accepted": issued[0], "text": issued[1]}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        click.echo(_human(result, labels, language) + (f"\n{issued[1]}" if issued is not None else ""))
    sys.exit(EXIT_VALID if result.valid and (issued is None or issued[0]) else EXIT_INVALID)


def _issued(path: Path, data: bytes, labels: dict[str, str], lang: str) -> tuple[bool, str]:
    """Whether ``data`` is the issued file at ``path`` or a renewal of it, and the line that says so."""
    try:
        issued = path.read_bytes()
    except OSError as exc:
        _fail(f"{labels['unreadable']}: {path}: {exc.strerror}", EXIT_UNREADABLE)
    if data == issued:
        return True, labels["issued_same"]
    # pyHanko's difference analysis loads only when asked: the command must start fast.
    from docflow.signing.renewal import check_renewal
    check = check_renewal(issued, data)
    if check.ok:
        return True, f"{labels['issued_renewal']} " + ", ".join(t.isoformat(timespec="seconds") for t in check.timestamps)
    reasons = "; ".join(_catalogued(p.message, dict(p.params), lang) for p in check.problems)
    return False, f"{labels['issued_not']}: {reasons}"


def _catalogued(message: str, params: dict[str, str], lang: str) -> str:
    """A msgid from docflow's compiled catalogue (no Flask, no database)."""
    text = message
    if lang == "vi":
        text = gettext.translation("messages", str(TRANSLATIONS_DIR), languages=["vi"], fallback=True).gettext(message)
    try:
        return text % params if params else text
    except (KeyError, ValueError, TypeError):
        return text


def _settings() -> Settings:
    return config.load(os.environ.get("DOCFLOW_CONFIG"))


def _trust(settings: Settings, explicit: tuple[Path, ...]) -> TrustSettings:
    """The roots given on the command line, or else the configured ones (plus the development root)."""
    roots = list(explicit)
    if not roots:
        roots = list(settings.signing.trust_roots)
        if settings.signing.ca == "development":
            dev_root = settings.app.keys_dir / "ca" / "root.pem"
            if dev_root.exists():
                roots.append(dev_root)
    return TrustSettings.from_pem_files(roots, allow_fetching=settings.signing.fetch_revocation,
                                        time_limit_seconds=float(settings.signing.verify_time_limit_seconds))


def _human(result: VerificationResult, labels: dict[str, str], lang: str) -> str:
    lines: list[str] = []
    for number, report in enumerate(result.signatures, start=1):
        lines += _human_signature(number, report, labels, lang)
    for problem in result.errors:
        lines.append(f"{labels['problem']}: {problem.text(lang)}")
    if result.valid:
        lines.append(labels["valid"])
    elif not any(not s.is_timestamp for s in result.signatures):
        lines.append(labels["unsigned"])
    else:
        lines.append(labels["invalid"])
    return "\n".join(lines)


def _human_signature(number: int, report: SignatureReport, labels: dict[str, str], lang: str) -> list[str]:
    def yes_no(value: bool | None) -> str:
        return labels["unknown"] if value is None else labels["yes" if value else "no"]

    def when(value: Any) -> str:
        return value.isoformat(timespec="seconds") if value is not None else labels["none"]

    title = labels["timestamp" if report.is_timestamp else "signature"]
    lines = [f"{title} {number} ({report.field}): {report.signer or '?'}",
             f"  {labels['signed_at']}: {when(report.signing_time)}",
             f"  {labels['timestamp_at']}: {when(report.timestamp_time)}",
             f"  {labels['intact']}: {yes_no(report.intact)}   {labels['trusted']}: {yes_no(report.trusted)}"
             f"   {labels['revoked']}: {yes_no(report.revoked)}",
             f"  {labels['coverage']}: {labels[report.coverage]}   "
             f"{labels['changes']}: {labels[report.modification_level]}"
             + (f"   {labels['level']}: {report.pades_level}" if report.pades_level else "")]
    for problem in report.problems:
        lines.append(f"  {labels['problem']}: {problem.text(lang)}")
    if report.revoked is None and report.trusted:
        lines.append(f"  {labels['note']}: {Problem.of('revocation_unknown').text(lang)}")
    return lines


def _str_params(params: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in params.items()}


def _fail(message: str, code: int) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)

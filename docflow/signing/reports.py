"""pyHanko's validation statuses turned into docflow's words: problems, coverage, modification level and
the report of one signature. Pure functions of a status; the validation itself is in validation.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from asn1crypto import x509 as asn1_x509
from pyhanko.sign.diff_analysis import ModificationLevel as PdfModificationLevel
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import DocumentTimestampStatus, PdfSignatureStatus, SignatureCoverageLevel

from docflow.signing.results import (
    TRUST_CODES,
    Coverage,
    ModificationLevel,
    Problem,
    ProblemCode,
    RevocationSource,
    SignatureReport,
)

AnyStatus: TypeAlias = PdfSignatureStatus | DocumentTimestampStatus

WEAK_DIGESTS = frozenset({"md2", "md5", "sha1"})
SIGNING_KEY_USAGES = frozenset({"digital_signature", "non_repudiation"})


@dataclass(frozen=True)
class Findings:
    """What the checks concluded about one signature, beside what its status says itself."""
    intact: bool
    trusted: bool
    revoked: bool | None
    source: RevocationSource
    key_usage_ok: bool
    signing_time: datetime | None
    timestamp_time: datetime | None
    level: ModificationLevel
    pades: str | None
    is_timestamp: bool
    problems: list[Problem]


def integrity_problems(intact: bool, defect: str | None, coverage: SignatureCoverageLevel | None) -> list[Problem]:
    """not_intact, byte_range_invalid or partial_coverage, as they apply. Raises nothing."""
    problems: list[Problem] = []
    if not intact:
        problems.append(Problem.of(ProblemCode.NOT_INTACT))
    if defect is not None:
        problems.append(Problem.of(ProblemCode.BYTE_RANGE_INVALID, detail=defect))
    elif coverage is None or coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        problems.append(Problem.of(ProblemCode.PARTIAL_COVERAGE))
    return problems


def key_usage_ok(cert: asn1_x509.Certificate) -> bool:
    """The certificate has a key usage extension with digitalSignature or nonRepudiation."""
    usage = cert.key_usage_value
    return usage is not None and bool(set(usage.native) & SIGNING_KEY_USAGES)


def weak_algorithms(status: AnyStatus) -> list[str]:
    """MD5/SHA-1 in the signature's digest or mechanism, or in the signature of a chain certificate."""
    weak = []
    if status.md_algorithm.lower() in WEAK_DIGESTS:
        weak.append(status.md_algorithm)
    mechanism = status.pkcs7_signature_mechanism.lower()
    if any(mechanism.startswith(d) or f"_{d}" in mechanism or f"with{d}" in mechanism
           for d in WEAK_DIGESTS):
        weak.append(status.pkcs7_signature_mechanism)
    path = status.validation_path
    certs: Sequence[asn1_x509.Certificate] = [status.signing_cert]
    if path is not None:
        certs = [c for c in path.iter_certs(include_root=False) if isinstance(c, asn1_x509.Certificate)]
    for cert in certs:
        hash_algo = cert.hash_algo
        if hash_algo in WEAK_DIGESTS:
            weak.append(f"{hash_algo} ({cert.subject.native.get('common_name', '?')})")
    return weak


def modification_level(status: AnyStatus) -> ModificationLevel:
    """pyHanko's ModificationLevel as our word; DSS/timestamp-only (LTA) updates count as none."""
    level = status.modification_level
    if level is None or level in (PdfModificationLevel.NONE, PdfModificationLevel.LTA_UPDATES):
        return ModificationLevel.NONE
    if level == PdfModificationLevel.FORM_FILLING:
        return ModificationLevel.FORM_FILLING
    if level == PdfModificationLevel.ANNOTATIONS:
        return ModificationLevel.ANNOTATIONS
    return ModificationLevel.OTHER


def coverage(status: AnyStatus) -> Coverage:
    """pyHanko's SignatureCoverageLevel as our word."""
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return Coverage.WHOLE_FILE
    if status.coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        return Coverage.WHOLE_REVISION
    return Coverage.PARTIAL


def timestamp_ok(status: PdfSignatureStatus) -> bool:
    """No signature timestamp, or one that is intact, valid and trusted."""
    tst = status.timestamp_validity
    return tst is None or (tst.intact and tst.valid and tst.trusted)


def report(emb: EmbeddedPdfSignature, status: AnyStatus, findings: Findings) -> SignatureReport:
    """The report of one signature: the certificate's details from ``status``, the verdict from
    ``findings`` (a trust problem among them makes the signature untrusted)."""
    cert = status.signing_cert
    problems = findings.problems
    return SignatureReport(
        field=emb.field_name, signer=cert.subject.human_friendly,
        signer_common_name=str(cert.subject.native.get("common_name", "")),
        certificate_sha256=cert.sha256.hex(), serial=format(cert.serial_number, "x"),
        issuer=cert.issuer.human_friendly, signing_time=findings.signing_time,
        timestamp_time=findings.timestamp_time, intact=findings.intact,
        trusted=findings.trusted and not any(p.code in TRUST_CODES for p in problems),
        revoked=findings.revoked, revocation_source=findings.source, key_usage_ok=findings.key_usage_ok,
        digest_algorithm=status.md_algorithm, signature_algorithm=status.pkcs7_signature_mechanism,
        coverage=coverage(status), modification_level=findings.level, pades_level=findings.pades,
        is_timestamp=findings.is_timestamp, problems=tuple(problems))

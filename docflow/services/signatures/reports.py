"""Verification of stored versions and uploaded files, with the report kept by the file's SHA-256 and the
trust configuration it was made under (so a report is computed once and shown many times)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import metrics
from docflow.config import Settings
from docflow.errors import UnreadablePdfError
from docflow.models import Certificate, Document, DocumentVersion, User, VerificationReport, utc_now
from docflow.services import documents as doc_service
from docflow.services import keys
from docflow.storage import DocumentStore

if TYPE_CHECKING:
    from docflow.signing.verify import TrustSettings, VerificationResult


def trust_settings(settings: Settings) -> TrustSettings:
    """The roots and options verification uses, from the configuration."""
    # pyHanko takes seconds to import: only a verification pays for it, not the CLI's start.
    from docflow.signing.verify import TrustSettings
    return TrustSettings.from_pem_bytes(keys.root_certificates_pem(settings),
                                        allow_fetching=settings.signing.fetch_revocation,
                                        time_limit_seconds=float(settings.signing.verify_time_limit_seconds))


def trust_key(settings: Settings) -> str:
    """A digest naming the trust configuration, so a cached report is reused only under the same one."""
    digest = hashlib.sha256()
    for root in sorted(keys.root_certificates_pem(settings)):
        digest.update(hashlib.sha256(root).digest())
    digest.update(b"fetch" if settings.signing.fetch_revocation else b"embedded")
    return digest.hexdigest()


VERIFIED_AHEAD = "docflow.verified_ahead"


def verify_ahead(session: Session, *, settings: Settings, data: bytes, sha256: str | None = None,
                 now: datetime | None = None) -> None:
    """Verify ``data`` before the transaction that keeps its report begins, so that pyHanko's work (up to
    signing.verify_time_limit_seconds) holds no database lock; verify_bytes in that transaction then
    takes the result from the session. Reads only; raises nothing (an unreadable file is answered there).
    """
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    if cached_report(session, settings=settings, sha256=sha256) is not None:
        return
    remember_outcome(session, settings=settings, sha256=sha256, outcome=verify_outcome(settings, data, now=now))


def verify_outcome(settings: Settings, data: bytes, *, now: datetime | None = None
                   ) -> VerificationResult | UnreadablePdfError:
    """pyHanko's verdict on ``data``, with no session at all: for work that must hold no transaction meanwhile
    (a renewal run verifies the bytes it made, then keeps the report with the version in one short one)."""
    # pyHanko takes seconds to import: only a verification pays for it, not the CLI's start.
    try:
        return _verify_counted(data, settings, now or utc_now())
    except UnreadablePdfError as exc:
        return exc


def _verify_counted(data: bytes, settings: Settings, now: datetime) -> VerificationResult:
    """pyHanko's verdict on ``data``, counted for /metrics by outcome (every verification docflow runs for a
    stored or uploaded PDF comes here; cached reports are not counted again). Raises UnreadablePdfError."""
    # pyHanko takes seconds to import: only a verification pays for it, not the CLI's start.
    from docflow.signing.verify import verify_pdf
    try:
        result = verify_pdf(data, trust_settings(settings), now=now)
    except UnreadablePdfError:
        metrics.count_verification("unreadable")
        raise
    metrics.count_verification("valid" if result.valid else "invalid")
    return result


def remember_outcome(session: Session, *, settings: Settings, sha256: str,
                     outcome: VerificationResult | UnreadablePdfError) -> None:
    """Hand a verdict reached ahead to verify_bytes in ``session``'s next transaction."""
    session.info.setdefault(VERIFIED_AHEAD, {})[(sha256, trust_key(settings))] = outcome


def verify_upload_ahead(session: Session, *, settings: Settings, store: DocumentStore,
                        upload: doc_service.UploadedFile) -> None:
    """verify_ahead for a received upload that carries signatures (keep_report_if_signed's case)."""
    if upload.stored is not None and looks_signed(store, upload.stored.sha256):
        verify_ahead(session, settings=settings, data=store.read(upload.stored.sha256), sha256=upload.stored.sha256)


def verify_bytes(session: Session, *, settings: Settings, data: bytes, sha256: str | None = None,
                 now: datetime | None = None) -> dict[str, Any]:
    """The verification report of a PDF as a JSON-ready dict, cached by SHA-256 and trust configuration.

    Raises UnreadablePdfError. Flushes a new report row when it was not cached.
    """
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    key = trust_key(settings)
    cached = cached_report(session, settings=settings, sha256=sha256)
    if cached is not None:
        return cached
    now = now or utc_now()
    ahead = session.info.get(VERIFIED_AHEAD, {}).pop((sha256, key), None)
    if isinstance(ahead, UnreadablePdfError):
        raise ahead
    result = ahead if ahead is not None else _verify_counted(data, settings, now)
    report: dict[str, Any] = report_dict(result)
    _map_signers(session, report)
    session.add(VerificationReport(sha256=sha256, trust_key=key, valid=bool(report["valid"]),
                                   report_json=json.dumps(report, ensure_ascii=False), verified_at=now))
    session.flush()
    report["verified_at"] = now.isoformat()
    return report


def _map_signers(session: Session, report: dict[str, Any]) -> None:
    """Name the docflow user (or the ward) behind each signature whose certificate docflow knows."""
    digests = [s["certificate_sha256"] for s in report["signatures"] if s.get("certificate_sha256")]
    known = {c.sha256: c for c in session.execute(select(Certificate).where(Certificate.sha256.in_(digests))).scalars()}
    for sig in report["signatures"]:
        cert = known.get(sig.get("certificate_sha256", ""))
        if cert is None:
            sig["docflow_user"] = None
        elif cert.holder is not None:
            sig["docflow_user"] = {"username": cert.holder.username, "full_name": cert.holder.full_name,
                                   "post": cert.holder.post, "certificate": cert.kind.value}
        else:
            sig["docflow_user"] = {"username": None, "full_name": cert.subject, "post": "",
                                   "certificate": cert.kind.value}


def report_dict(result: VerificationResult) -> dict[str, Any]:
    """The kept form of a result: the command-line JSON plus msgids and params for translation."""
    out: dict[str, Any] = result.to_json(lang="en")
    out["sha256"] = result.sha256
    for kept, sig in zip(out["signatures"], result.signatures, strict=True):
        kept.update(signer_common_name=sig.signer_common_name, certificate_sha256=sig.certificate_sha256,
                    serial=sig.serial, issuer=sig.issuer, key_usage_ok=sig.key_usage_ok,
                    digest_algorithm=sig.digest_algorithm, signature_algorithm=sig.signature_algorithm,
                    revocation_source=sig.revocation_source, is_timestamp=sig.is_timestamp)
    out["msgids"] = {
        "errors": [{"code": p.code, "message": p.message, "params": dict(p.params)} for p in result.errors],
        "signatures": [[{"code": p.code, "message": p.message, "params": dict(p.params)} for p in s.problems]
                       for s in result.signatures],
    }
    return out


def cached_report(session: Session, *, settings: Settings, sha256: str) -> dict[str, Any] | None:
    """The kept report of a PDF under the current trust configuration, or None."""
    row = session.execute(select(VerificationReport).where(
        VerificationReport.sha256 == sha256, VerificationReport.trust_key == trust_key(settings))).scalar_one_or_none()
    if row is None:
        return None
    report: dict[str, Any] = json.loads(row.report_json)
    report["verified_at"] = row.verified_at.isoformat()
    return report


def current_report(session: Session, *, settings: Settings, document: Document) -> dict[str, Any] | None:
    """The kept report of the document's current version, or None when it was never verified. Reads only."""
    current = document.current_version
    return cached_report(session, settings=settings, sha256=current.sha256) if current is not None else None


def verify_version(session: Session, *, settings: Settings, store: DocumentStore, actor: User,
                   document_id: int, version_number: int | None) -> dict[str, Any]:
    """Verify a stored version the actor may see. Raises NotFoundError, PermissionDeniedError. Flushes."""
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id)
    version = doc_service.version_of(document, version_number)
    return verify_bytes(session, settings=settings, data=store.read(version.sha256), sha256=version.sha256)


def looks_signed(store: DocumentStore, sha256: str) -> bool:
    """Whether a stored file carries a signature, without parsing it."""
    # A signature's /Contents must sit literally in the file for its ByteRange gap to exist, so a signed
    # PDF always contains the bytes "/ByteRange" outside any compressed stream.
    tail = b""
    with store.open(sha256) as fh:
        while chunk := fh.read(1 << 20):
            if b"/ByteRange" in tail + chunk:
                return True
            tail = chunk[-16:]
    return False


def keep_report_if_signed(session: Session, *, settings: Settings, store: DocumentStore,
                          version: DocumentVersion) -> dict[str, Any] | None:
    """Verify a newly stored version at once when it carries signatures, and keep the report with it.

    A PDF docflow can store but the verifier cannot read gets no report (the panel offers to verify).
    Flushes.
    """
    if not looks_signed(store, version.sha256):
        return None
    try:
        return verify_bytes(session, settings=settings, data=store.read(version.sha256), sha256=version.sha256)
    except UnreadablePdfError:
        return None

"""Verification runs are audited (issue 5): who checked which file's signatures, and what they found. The same
record says who may read a file's kept report again by its SHA-256 (issue 10)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_, NotFoundError
from docflow.models import AuditEvent, Document, DocumentVersion, Role, User
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.signatures.reports import cached_report

HEX = frozenset("0123456789abcdef")


def record_verification(session: Session, *, actor: User, report: dict[str, Any], document_id: int | None = None,
                        version: int | None = None, issued: dict[str, Any] | None = None) -> None:
    """Audit one verification someone asked for (a document's version, or an uploaded file), with what the
    "are these the issued bytes?" check answered for an upload (``issued``). Flushes."""
    details: dict[str, Any] = {"sha256": report.get("sha256"), "valid": bool(report.get("valid")), "version": version,
                               "signatures": len(report.get("signatures", []))}
    if issued is not None:
        details["issued"] = issued
    if document_id is not None:
        audit.record(session, action=AuditAction.DOCUMENT_VERIFIED, actor=actor, object_type="document",
                     object_id=document_id, details=details)
    else:
        audit.record(session, action=AuditAction.DOCUMENT_VERIFIED, actor=actor, object_type="file",
                     object_id=str(report.get("sha256", "")), details=details)


def report_by_digest(session: Session, *, actor: User, settings: Settings, sha256: str) -> dict[str, Any]:
    """The kept report of the file whose SHA-256 is ``sha256``, for whoever holds those bytes: a reader of a
    document with a version of that digest, or someone who verified that file on the verify page. A report
    names signers and times, and digests are visible in the audit log, so anyone else gets NotFoundError,
    exactly as for a digest never verified (a 403 would confirm the file exists). Reads only."""
    if actor.role is Role.ADMIN or len(sha256) != 64 or not set(sha256) <= HEX \
            or not (_verified_by(session, actor, sha256) or _readable_version(session, actor, sha256)):
        raise NotFoundError(N_("No verification report is kept for this file."))
    report = cached_report(session, settings=settings, sha256=sha256)
    if report is None:
        raise NotFoundError(N_("No verification report is kept for this file."))
    return report


def _verified_by(session: Session, actor: User, sha256: str) -> bool:
    return session.execute(select(AuditEvent.seq).where(
        AuditEvent.object_type == "file", AuditEvent.object_id == sha256,
        AuditEvent.action == str(AuditAction.DOCUMENT_VERIFIED), AuditEvent.actor_id == actor.id).limit(1)).first() \
        is not None


def _readable_version(session: Session, actor: User, sha256: str) -> bool:
    documents = session.execute(select(Document).join(DocumentVersion, DocumentVersion.document_id == Document.id)
                                .where(DocumentVersion.sha256 == sha256)).scalars()
    return any(policy.can_view(actor, document) for document in documents)

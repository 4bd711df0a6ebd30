"""Verification runs are audited (issue 5): who checked which file's signatures, and what they found."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from docflow.models import User
from docflow.services import audit
from docflow.services.audit import AuditAction


def record_verification(session: Session, *, actor: User, report: dict[str, Any], document_id: int | None = None,
                        version: int | None = None) -> None:
    """Audit one verification someone asked for (a document's version, or an uploaded file). Flushes."""
    details = {"sha256": report.get("sha256"), "valid": bool(report.get("valid")), "version": version,
               "signatures": len(report.get("signatures", []))}
    if document_id is not None:
        audit.record(session, action=AuditAction.DOCUMENT_VERIFIED, actor=actor, object_type="document",
                     object_id=document_id, details=details)
    else:
        audit.record(session, action=AuditAction.DOCUMENT_VERIFIED, actor=actor, object_type="file",
                     object_id=str(report.get("sha256", "")), details=details)

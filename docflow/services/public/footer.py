"""The verification footer as a step of the signing path: before the first signature on an outgoing
document that is not confidential, docflow draws the QR code, the public code and the page's URL on page 1
as a new version (kind "footer", an incremental update, audited), so that every signature covers it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.models import Document, DocumentVersion, User, VersionKind
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.public.codes import ensure_code, may_have_code, public_url
from docflow.storage import DocumentStore


def ensure_footer(session: Session, *, settings: Settings, store: DocumentStore, actor: User, document: Document,
                  data: bytes, now: datetime) -> tuple[DocumentVersion, bytes] | None:
    """Add the footer to the current version (whose stored bytes are ``data``) as a new version, when the
    document should carry one and does not: returns that version and its bytes, or None when nothing was
    added (confidential, not outgoing, already there, or already signed: a footer after a signature would
    break it). Raises UnreadablePdfError, SigningError. Flushes."""
    # pyHanko takes seconds to import: only a signature pays for it, not the CLI's start.
    from docflow.signing.footer import add_footer, read_footers
    current = document.current_version
    if current is None or not may_have_code(document) or b"/ByteRange" in data:
        return None
    code = ensure_code(session, document, now=now).code
    if any(mark.code == code for mark in read_footers(data)):
        return None
    url = public_url(settings, code)
    footed = add_footer(data, url=url, code=code)
    version = DocumentVersion(document=document, number=current.number + 1, parent_id=current.id,
                              sha256=store.put_bytes(footed), size=len(footed), page_count=current.page_count,
                              active_content=current.active_content, original_filename=None, note="",
                              kind=VersionKind.FOOTER, created_at=now, created_by_id=actor.id)
    session.add(version)
    document.updated_at = now
    session.flush()
    audit.record(session, action=AuditAction.PUBLIC_FOOTER_ADDED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"version": version.number, "sha256": version.sha256, "size": version.size,
                          "parent_sha256": current.sha256})
    return version, footed

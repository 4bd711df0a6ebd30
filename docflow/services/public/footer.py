"""The verification footer on the signing path: before the first signature on an outgoing document that is
not confidential, docflow draws the QR code, the public code and the page's URL on page 1 as an incremental
update, and the signature is made on those bytes, so that it (and every later one) covers the footer.

The footer is a revision inside the first signature's version, as the empty number and date fields a
signature adds are (signatures/appearance.prepare_fields), not a version of its own: every version the
signer and the reviewers were shown, and every expected-version check, stays what it was. The audit row
keeps the SHA-256 of the footer's revision, which the signed version begins with byte for byte."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.models import Document, DocumentVersion, User
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.public.codes import ensure_code, may_have_code, public_url


def footer_due(document: Document, data: bytes) -> bool:
    """Whether the bytes about to be signed first need the footer: an outgoing document that is not
    confidential, never signed yet (a footer after a signature would break it)."""
    return may_have_code(document) and b"/ByteRange" not in data


def add_footer_for(session: Session, *, settings: Settings, document: Document, data: bytes,
                   now: datetime) -> bytes | None:
    """``data`` with the footer of the document's public code (made now if it has none), or None when no
    footer is due or the bytes carry this document's footer already. Raises UnreadablePdfError,
    SigningError. Flushes (the code)."""
    # pyHanko takes seconds to import: only a signature pays for it, not the CLI's start.
    from docflow.signing.footer import add_footer, read_footers
    if not footer_due(document, data):
        return None
    code = ensure_code(session, document, now=now).code
    if any(mark.code == code for mark in read_footers(data)):
        return None
    return add_footer(data, url=public_url(settings, code), code=code)


def record_footer(session: Session, *, actor: User, document: Document, version: DocumentVersion, footed: bytes,
                  now: datetime) -> None:
    """Audit the footer drawn into ``version`` (the first signature's): the SHA-256 of its revision, which
    ``version`` extends. Flushes."""
    audit.record(session, action=AuditAction.PUBLIC_FOOTER_ADDED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"signed_version": version.number, "footer_sha256": hashlib.sha256(footed).hexdigest(),
                          "footer_size": len(footed)})

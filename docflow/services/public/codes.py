"""Public verification codes: 16 characters of Crockford's base32 from ``secrets`` (80 bits), one per
outgoing document that is not confidential, made the first time it is needed (the footer, before the first
signature). A confidential document never gets one, so its public page cannot exist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_, InvalidTransitionError
from docflow.models import Document, DocumentKind, PublicCode
from docflow.services import randomcodes

# The codes themselves (80 bits, Crockford's base32) are the petitions' receipt codes' too.
ALPHABET, LENGTH = randomcodes.ALPHABET, randomcodes.LENGTH
new_code, normalise = randomcodes.new_code, randomcodes.normalise


def public_url(settings: Settings, code: str) -> str:
    """The address the QR code and the footer's text give for ``code``."""
    return f"{settings.app.public_url.rstrip('/')}/v/{code}"


def may_have_code(document: Document) -> bool:
    """Only the ward's own outgoing documents that are not confidential are verified in public."""
    return document.kind is DocumentKind.OUTGOING and not document.is_confidential


def find_code(session: Session, document: Document) -> PublicCode | None:
    """The document's code, if it has one. Reads only."""
    return session.execute(select(PublicCode).where(PublicCode.document_id == document.id)).scalar_one_or_none()


def ensure_code(session: Session, document: Document, *, now: datetime) -> PublicCode:
    """The document's code, made now if it has none. Raises InvalidTransitionError for a document that may
    not have one (confidential, or not the ward's outgoing document). Flushes."""
    if not may_have_code(document):
        raise InvalidTransitionError(N_("A confidential document is never verified in public."))
    existing = find_code(session, document)
    if existing is not None:
        return existing
    code = new_code()
    # 80 bits: a collision is astronomically unlikely, but the column is unique all the same
    while session.execute(select(PublicCode.id).where(PublicCode.code == code)).first() is not None:
        code = new_code()
    row = PublicCode(organisation_id=document.organisation_id, document_id=document.id, code=code, created_at=now)
    session.add(row)
    session.flush()
    return row


def document_by_code(session: Session, text: str) -> Document | None:
    """The document whose public code ``text`` is (as typed or scanned); None for anything else, including a
    document that became confidential since (it is then no longer shown). Reads only."""
    # A text that cannot be a code is looked up all the same (as a value no code has), so that it is answered
    # through the same query as a well-formed code nobody has: the answer's time tells a guesser nothing.
    code = normalise(text) or "-" * LENGTH
    row = session.execute(select(PublicCode).where(PublicCode.code == code)).scalar_one_or_none()
    if row is None or not may_have_code(row.document):
        return None
    return row.document

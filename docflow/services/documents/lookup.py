"""Reading one document by id, with or without a row lock, and with the actor's access checked."""

from __future__ import annotations

from sqlalchemy.orm import Session, selectinload, undefer

from docflow import policy
from docflow.errors import N_, NotFoundError, PermissionDeniedError
from docflow.models import Document, DocumentVersion, User


def get_document(session: Session, document_id: int, *, lock: bool = False) -> Document:
    """The document or NotFoundError. ``lock`` takes a row lock (SELECT … FOR UPDATE) and reloads it,
    so concurrent changes to one document queue up instead of overwriting each other."""
    document = session.get(Document, document_id, with_for_update=lock or None, populate_existing=lock,
                           options=[selectinload(Document.versions).selectinload(DocumentVersion.created_by),
                                    selectinload(Document.created_by), selectinload(Document.department),
                                    # the page shows the direction's deadline: read in the same query
                                    *([] if lock else [undefer(Document.handling_deadline)])])
    if document is None:
        raise NotFoundError(N_("Document not found."))
    return document


def get_document_for(session: Session, *, actor: User, document_id: int, lock: bool = False) -> Document:
    """The document if ``actor`` may see it. Raises NotFoundError or PermissionDeniedError."""
    document = get_document(session, document_id, lock=lock)
    if not policy.can_view(actor, document):
        raise PermissionDeniedError(N_("You do not have access to this document."))
    return document

"""A document's signature chain checked against docflow's own records (issue 5).

The PDF says who signed and whether the bytes are intact; docflow's records say who was *meant* to sign:
the routing step each signature closed, the delegation register on the day it was made, the register
entry of the number, and the audit trail's SHA-256 of every stored version. ``check_document`` puts the
two side by side as a timeline of steps, each with a verdict, and an overall verdict.

Messages are English msgids with parameters (translated where shown, ``render`` for Vietnamese offline).
The steps come from chain_versions (audit events and stored versions), chain_signatures (with
chain_entitlement) and chain_number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import UnreadablePdfError
from docflow.models import Document, User
from docflow.services import audit
from docflow.services import documents as doc_service
from docflow.services.audit import AuditAction
from docflow.services.signatures.chain_entitlement import entitlement_at, role_and_post_at
from docflow.services.signatures.chain_findings import ChainCheck, ChainStep, Finding, render
from docflow.services.signatures.chain_number import number_steps, pdf_fields
from docflow.services.signatures.chain_signatures import TIME_TOLERANCE, signature_steps
from docflow.services.signatures.chain_versions import (
    HASH_EVENTS,
    UPLOAD_EVENTS,
    event_steps,
    extends,
    stored_sha256,
    version_steps,
)
from docflow.services.signatures.records import recorded_signatures
from docflow.services.signatures.reports import verify_bytes
from docflow.storage import BlobMissingError, DocumentStore

__all__ = ["HASH_EVENTS", "TIME_TOLERANCE", "UPLOAD_EVENTS", "ChainCheck", "ChainStep", "Finding", "build_check",
           "check_document", "entitlement_at", "extends", "pdf_fields", "render", "role_and_post_at",
           "stored_sha256"]


def check_document(session: Session, *, settings: Settings, store: DocumentStore, actor: User, document_id: int,
                   now: datetime | None = None) -> ChainCheck:
    """Check a document's versions, signatures and number against docflow's records, and audit the run
    (SIGNATURE_CHAIN_CHECKED). Raises NotFoundError, PermissionDeniedError. Flushes."""
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id)
    result = build_check(session, settings=settings, store=store, document=document)
    audit.record(session, action=AuditAction.SIGNATURE_CHAIN_CHECKED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"verdict": "ok" if result.ok else "problem", "problems": result.problem_count,
                          "steps": len(result.steps)})
    return result


def build_check(session: Session, *, settings: Settings, store: DocumentStore, document: Document) -> ChainCheck:
    """The check itself, for a document already authorised. Flushes a kept verification report only."""
    events = audit.events_for(session, object_type="document", object_id=document.id)
    records = recorded_signatures(session, document)
    steps = [*event_steps(events), *version_steps(store, document, events, records, settings.app.zone)]
    report = _pdf_report(session, settings, store, document)
    steps.extend(signature_steps(session, settings, store, document, report, records))
    steps.extend(number_steps(session, store, document, events))
    return ChainCheck(document_id=document.id, number_symbol=document.number_symbol, steps=tuple(steps),
                      pdf_report=report)


def _pdf_report(session: Session, settings: Settings, store: DocumentStore,
                document: Document) -> dict[str, Any] | None:
    current = document.current_version
    if current is None:
        return None
    try:
        data = store.read(current.sha256)
        # Keyed by the bytes' real digest, so replaced bytes are verified afresh, never from the cache.
        return verify_bytes(session, settings=settings, data=data)
    except (BlobMissingError, UnreadablePdfError):
        return None

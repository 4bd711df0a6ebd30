"""docflow's record of each signature it makes: which step made which version, from which bytes to which
(the SHA-256 before and after), with which certificate; and the audit event that says so."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.models import Certificate, Document, DocumentVersion, Signature, User
from docflow.models.routing import RoutingStep
from docflow.services import audit
from docflow.services import documents as doc_service
from docflow.services.audit import AuditAction
from docflow.signing.base import PadesLevel, SignatureKind


def recorded_signatures(session: Session, document: Document) -> list[Signature]:
    """The signatures docflow made on ``document``, oldest first. Reads only."""
    return list(session.execute(select(Signature).where(Signature.document_id == document.id)
                                .order_by(Signature.id)).scalars())


def signatures_of(session: Session, *, actor: User, document_id: int) -> list[Signature]:
    """docflow's record of the signatures on a document, oldest first. Raises NotFound/PermissionDenied."""
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id)
    return recorded_signatures(session, document)


def record_signature(session: Session, *, version: DocumentVersion, parent: DocumentVersion, kind: SignatureKind,
                     field_name: str, level: PadesLevel, mode_line: str, actor: User, certificate: Certificate,
                     step: RoutingStep | None) -> Signature:
    """Keep the signature that turned ``parent`` into ``version`` at ``step``, and audit it
    (DOCUMENT_SIGNED, with the certificate's serial and digest). Flushes."""
    signature = Signature(document_id=version.document_id, version_id=version.id, kind=kind, field_name=field_name,
                          signer_id=actor.id, certificate_id=certificate.id, level=level.value, mode_line=mode_line,
                          signed_at=version.created_at, step_id=step.id if step is not None else None,
                          before_sha256=parent.sha256, after_sha256=version.sha256)
    session.add(signature)
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_SIGNED, actor=actor, object_type="document",
                 object_id=version.document_id, now=version.created_at,
                 details={"version": version.number, "sha256": version.sha256, "parent_sha256": parent.sha256,
                          "kind": kind.value, "field": field_name, "level": level.value,
                          "certificate_serial": certificate.serial, "certificate_sha256": certificate.sha256})
    return signature

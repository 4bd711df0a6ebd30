"""At issue, the clerk's organisation signature on each attachment file as Decree 30's text stamp (R29):
top right of page 1, no image, the parent document's number and symbol and the signing time. Each signed
file is recorded on its attachment (the issue step, the certificate, the SHA-256 before and after) and
audited, as docflow records the document's own signatures."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.errors import N_, InvalidTransitionError
from docflow.models import Attachment, Certificate, Document, User, utc_now
from docflow.models.routing import RoutingStep
from docflow.services import audit
from docflow.services.attachments.files import attachments_of
from docflow.services.audit import AuditAction
from docflow.services.signatures.context import open_text_stamp
from docflow.signing.base import PadesLevel, SignatureKind
from docflow.storage import DocumentStore

KIND = SignatureKind.ORGANISATION_TEXT


def sign_attachments(session: Session, *, settings: Settings, store: DocumentStore, actor: User,
                     document: Document, pin: str, step: RoutingStep | None,
                     now: datetime | None = None) -> list[Attachment]:
    """Sign every attachment of ``document`` (numbered, being issued by ``actor`` at ``step``) with the text
    stamp: the number and symbol and the signing time. Nothing to do without attachments (the key is not
    opened). Raises PermissionDeniedError, InvalidTransitionError, WrongPinError, CertificateError,
    SigningError. Flushes; the caller commits, and a failure leaves the whole issue undone."""
    # pyHanko takes seconds to import: only a signature pays for it, not the CLI's start.
    from docflow.signing.textstamp import attachment_lines
    now = now or utc_now()
    attachments = attachments_of(session, document)
    if not attachments:
        return []
    policy.require_signature(actor, KIND, document, via=policy.Via.ATTACHMENT)
    if not document.number_symbol:
        raise InvalidTransitionError(N_("The attachments are signed with the document's number, and it has none."))
    with open_text_stamp(session, settings=settings, actor=actor, pin=pin, now=now) as (certificate, level, stamp):
        for attachment in attachments:
            data = _unsigned(store, attachment)
            signed = stamp.stamp(data, attachment_lines(document.number_symbol, now), level=level,
                                 reason="Issued", location=settings.app.organisation_name)
            _record(session, attachment, signed=store.put_bytes(signed), actor=actor, certificate=certificate,
                    level=level, step=step, now=now)
    return attachments


def _unsigned(store: DocumentStore, attachment: Attachment) -> bytes:
    """The stored file as docflow recorded it, not yet signed. Raises InvalidTransitionError."""
    if attachment.signed_sha256 is not None:
        raise InvalidTransitionError(N_("This attachment is already signed."))
    data = store.read(attachment.sha256)
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise InvalidTransitionError(N_("The stored file of an attachment is not the one docflow recorded; "
                                        "it cannot be signed. Ask the auditor to check it."))
    return data


def _record(session: Session, attachment: Attachment, *, signed: str, actor: User, certificate: Certificate,
            level: PadesLevel, step: RoutingStep | None, now: datetime) -> None:
    attachment.signed_sha256, attachment.signed_at, attachment.signed_by_id = signed, now, actor.id
    attachment.certificate_id, attachment.level = certificate.id, level.value
    attachment.step_id = step.id if step is not None else None
    session.flush()
    audit.record(session, action=AuditAction.ATTACHMENT_SIGNED, actor=actor, object_type="document",
                 object_id=attachment.document_id, now=now,
                 details={"attachment_id": attachment.id, "kind": KIND.value, "level": level.value,
                          "parent_sha256": attachment.sha256, "sha256": signed,
                          "step_id": attachment.step_id, "certificate_serial": certificate.serial,
                          "certificate_sha256": certificate.sha256})

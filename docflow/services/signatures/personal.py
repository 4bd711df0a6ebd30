"""A person's signatures: the initial (ký nháy) of a reviewer, and the personal signature of the one
entitled to sign the document that day (its mode line from the delegation register)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.models import User, utc_now
from docflow.models.routing import RoutingStep
from docflow.services import documents as doc_service
from docflow.services.signatures.appearance import signing_authority
from docflow.services.signatures.apply import Occasion, SignOutcome, admit, apply_signature, read_current
from docflow.services.signatures.context import OpenedKey, local_today
from docflow.services.signatures.reports import verify_bytes
from docflow.signing.base import SignatureKind
from docflow.storage import DocumentStore


def sign_initial(session: Session, *, settings: Settings, store: DocumentStore, actor: User, document_id: int,
                 pin: str, expected_version: int | None, reason: str = "", now: datetime | None = None,
                 step: RoutingStep | None = None, opened: OpenedKey | None = None) -> SignOutcome:
    """Initial the current version as a new version, for ``step`` (a review step; None outside a route).

    Raises PermissionDeniedError, ConflictError (the version changed meanwhile), InvalidTransitionError,
    WrongPinError, CertificateError, SigningError. Flushes; the caller commits.
    """
    occasion = Occasion(settings=settings, store=store, actor=actor, now=now or utc_now(), step=step,
                        reason=reason, pin=pin, opened=opened)
    return make_initial(session, occasion, document_id=document_id, expected_version=expected_version)


def sign_personal(session: Session, *, settings: Settings, store: DocumentStore, actor: User, document_id: int,
                  pin: str, expected_version: int | None, reason: str = "", now: datetime | None = None,
                  step: RoutingStep | None = None, opened: OpenedKey | None = None) -> SignOutcome:
    """Sign the current version personally as a new version, for ``step`` (the sign step; None outside a
    route), under the signer's entitlement that day; the report of the signed file is kept at once.

    Raises PermissionDeniedError (not entitled that day included), ConflictError, InvalidTransitionError,
    WrongPinError, CertificateError, SigningError. Flushes; the caller commits.
    """
    occasion = Occasion(settings=settings, store=store, actor=actor, now=now or utc_now(), step=step,
                        reason=reason, pin=pin, opened=opened)
    return make_personal(session, occasion, document_id=document_id, expected_version=expected_version)


def make_initial(session: Session, occasion: Occasion, *, document_id: int,
                 expected_version: int | None) -> SignOutcome:
    """sign_initial for an occasion already gathered."""
    document = doc_service.get_document_for(session, actor=occasion.actor, document_id=document_id, lock=True)
    admit(occasion, SignatureKind.INITIAL, document)
    prepared = read_current(session, store=occasion.store, document=document, expected_version=expected_version)
    return apply_signature(session, occasion, prepared, SignatureKind.INITIAL)


def make_personal(session: Session, occasion: Occasion, *, document_id: int,
                  expected_version: int | None) -> SignOutcome:
    """sign_personal for an occasion already gathered."""
    settings = occasion.settings
    document = doc_service.get_document_for(session, actor=occasion.actor, document_id=document_id, lock=True)
    admit(occasion, SignatureKind.PERSONAL, document)
    authority = signing_authority(session, signer=occasion.actor, doc_type=document.doc_type,
                                  on=local_today(settings, occasion.now))
    prepared = read_current(session, store=occasion.store, document=document, expected_version=expected_version)
    outcome = apply_signature(session, occasion, prepared, SignatureKind.PERSONAL, authority)
    # Kept while the bytes are at hand: the organisation's signature at issue checks this report instead
    # of verifying the file again, and the document page shows it at once.
    verify_bytes(session, settings=settings, data=outcome.signed, sha256=outcome.version.sha256, now=occasion.now)
    return outcome

"""The one helper every kind of signature goes through: who may sign, the version as stored, the signing
itself as an incremental update, and the new version with docflow's record of it.

The three kinds (``personal.sign_initial``, ``personal.sign_personal``, ``seal.sign_seal``) differ only in
what they check before this helper and what they keep after it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from docflow import metrics, policy, unit_of_work
from docflow.config import Settings
from docflow.errors import N_, ConflictError, InvalidTransitionError, PermissionDeniedError, SigningError
from docflow.models import Certificate, Document, DocumentVersion, Signature, User
from docflow.models.routing import RoutingStep
from docflow.services import keys
from docflow.services.people.delegations import SigningAuthority
from docflow.services.public.footer import add_footer_for, record_footer
from docflow.services.signatures.appearance import appearance_for, field_name, field_values, prepare_fields
from docflow.services.signatures.context import (
    ORGANISATION_KINDS,
    OpenedKey,
    certificate_kind,
    level_for,
    signing_context,
)
from docflow.services.signatures.holder import check_holder
from docflow.services.signatures.records import record_signature, recorded_signatures
from docflow.signing.base import SignatureKind
from docflow.storage import DocumentStore

if TYPE_CHECKING:
    from docflow.signing.sign import SignRequest


@dataclass(frozen=True)
class Occasion:
    """Who signs, when, for which route step (None outside a route) and with which key: the PIN, or a key
    ``opened`` once for a batch (the PIN is then not used again)."""
    settings: Settings
    store: DocumentStore
    actor: User
    now: datetime
    step: RoutingStep | None
    reason: str
    pin: str = field(repr=False)
    opened: OpenedKey | None = None


@dataclass(frozen=True)
class Prepared:
    """The version about to be signed, checked: its bytes as stored, and the signatures already on it."""
    document: Document
    current: DocumentVersion
    data: bytes
    signatures: list[Signature]


@dataclass(frozen=True)
class SignOutcome:
    """The signature made and the version it made; ``signed`` is that version's bytes, still at hand."""
    signature: Signature
    version: DocumentVersion
    signed: bytes = field(default=b"", repr=False, compare=False)


def admit(occasion: Occasion, kind: SignatureKind, document: Document) -> None:
    """docflow.policy decides who may apply ``kind`` to this document in its state, through the occasion's
    step. Raises PermissionDeniedError or InvalidTransitionError."""
    if not policy.can_view(occasion.actor, document):
        raise PermissionDeniedError(policy.MAY_NOT)
    policy.require_signature(occasion.actor, kind, document, occasion.step)


def read_current(session: Session, *, store: DocumentStore, document: Document,
                 expected_version: int | None) -> Prepared:
    """The current version as the signer saw it, its stored bytes the ones docflow recorded, not yet locked
    by the ward's seal. Raises InvalidTransitionError, ConflictError (the version changed meanwhile)."""
    current = document.current_version
    if current is None:
        raise InvalidTransitionError(N_("This document has no file to sign."))
    if expected_version is not None and expected_version != current.number:
        raise ConflictError(N_("The document has a newer version than the one you were shown. "
                               "Reload the page and check it before signing."))
    data = store.read(current.sha256)
    if hashlib.sha256(data).hexdigest() != current.sha256:
        raise InvalidTransitionError(N_("The stored file of version %(n)s is not the one docflow recorded; "
                                        "it cannot be signed. Ask the auditor to check the signature chain."),
                                     n=current.number)
    signatures = recorded_signatures(session, document)
    if any(s.kind in ORGANISATION_KINDS for s in signatures):
        raise InvalidTransitionError(N_("The organisation's signature has locked this document; "
                                        "nothing more can be signed."))
    return Prepared(document=document, current=current, data=data, signatures=signatures)


def apply_signature(session: Session, occasion: Occasion, prepared: Prepared, kind: SignatureKind,
                    authority: SigningAuthority | None = None) -> SignOutcome:
    """Sign the prepared version as a new version (an incremental update of it) and record which step made
    it. A signature never changes the document's status: the route does. Raises WrongPinError,
    CertificateError, SigningError. Flushes; the signed file is stored before the commit, so a crash leaves
    at most an unreferenced blob."""
    actor = occasion.actor
    certificate = keys.certificate_for(session, actor=actor, kind=certificate_kind(kind))
    if kind not in ORGANISATION_KINDS:
        check_holder(certificate, actor)   # R61: before anything is signed
    request = _request(occasion, prepared, kind, authority)
    # issue 15 §2: before the first signature, the public QR footer, so that this signature covers it
    footed = add_footer_for(session, settings=occasion.settings, document=prepared.document, data=prepared.data,
                            now=occasion.now)
    signed = _signed_bytes(session, occasion, certificate, request,
                           prepare_fields(footed or prepared.data, document=prepared.document, kind=kind,
                                          signatures=prepared.signatures))
    version = _new_version(session, occasion, prepared, signed)
    if footed is not None:
        record_footer(session, actor=actor, document=prepared.document, version=version, footed=footed,
                      now=occasion.now)
    mode_line = request.appearance.mode_line if request.appearance is not None else None
    signature = record_signature(session, version=version, parent=prepared.current, kind=kind,
                                 field_name=request.field_name or "", level=request.level,
                                 mode_line=mode_line or "", actor=actor, certificate=certificate,
                                 step=occasion.step)
    # /metrics counts the signatures that were kept: after the commit, never for a rolled-back attempt
    unit_of_work.after_commit(session, lambda: metrics.count_signature(kind.value))
    return SignOutcome(signature=signature, version=version, signed=signed)


def _request(occasion: Occasion, prepared: Prepared, kind: SignatureKind,
             authority: SigningAuthority | None) -> SignRequest:
    # pyHanko takes seconds to import: only a signature pays for it, not the CLI's start.
    from docflow.signing.sign import SignRequest
    settings, document = occasion.settings, prepared.document
    appearance = appearance_for(occasion.actor, kind, store=occasion.store, document=document, authority=authority)
    return SignRequest(kind=kind, level=level_for(settings, kind), appearance=appearance,
                       field_name=field_name(kind, prepared.signatures), reason=occasion.reason or None,
                       location=settings.app.organisation_name,
                       fill=field_values(document, kind=kind, settings=settings, now=occasion.now))


def _signed_bytes(session: Session, occasion: Occasion, certificate: Certificate, request: SignRequest,
                  data: bytes) -> bytes:
    """``data`` signed with the batch's opened key (which must still be the signer's certificate at this
    level), or with the key opened here by the PIN."""
    # pyHanko takes seconds to import: only a signature pays for it, not the CLI's start.
    from docflow.signing.sign import sign_pdf
    opened = occasion.opened
    if opened is not None:
        if opened.certificate.id != certificate.id or opened.level is not request.level:
            raise SigningError(N_("The key opened for this batch no longer matches your certificate."))
        return opened.signing.sign(data, request)
    with keys.open_signing_key(session, occasion.settings, actor=occasion.actor, certificate=certificate,
                               pin=occasion.pin, now=occasion.now) as key:
        return sign_pdf(data, key, request, signing_context(occasion.settings, request.level))


def _new_version(session: Session, occasion: Occasion, prepared: Prepared, signed: bytes) -> DocumentVersion:
    current, document = prepared.current, prepared.document
    sha256 = occasion.store.put_bytes(signed)
    version = DocumentVersion(document=document, number=current.number + 1, parent_id=current.id, sha256=sha256,
                              size=len(signed), page_count=current.page_count, original_filename=None,
                              active_content=current.active_content, note="", created_at=occasion.now,
                              created_by_id=occasion.actor.id)
    session.add(version)
    document.updated_at = occasion.now
    session.flush()
    return version

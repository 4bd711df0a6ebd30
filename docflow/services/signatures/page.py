"""The signature a person chooses on a document's page: the kinds the policy offers there, and signing
with the chosen kind (each kind goes its own way: personal.sign_initial, personal.sign_personal, or the
seal with the personal signature verified on the spot)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.models import Document, Signature, User, utc_now
from docflow.models.routing import RoutingStep
from docflow.services.formatcheck import gate as format_gate
from docflow.services.signatures.apply import Occasion, SignOutcome
from docflow.services.signatures.context import ORGANISATION_KINDS, OpenedKey
from docflow.services.signatures.personal import make_initial, make_personal
from docflow.services.signatures.seal import make_seal_checking
from docflow.signing.base import SignatureKind
from docflow.storage import DocumentStore


def kinds_for(user: User, document: Document, signatures: list[Signature]) -> list[SignatureKind]:
    """The kinds of signature ``user`` could apply to the document on its page (the policy's answer), none
    once the ward's seal has locked it."""
    if document.current_version is None or any(s.kind in ORGANISATION_KINDS for s in signatures):
        return []
    return policy.allowed_kinds(user, document)


def sign_version(session: Session, *, settings: Settings, store: DocumentStore, actor: User, document_id: int,
                 kind: SignatureKind, pin: str, expected_version: int | None, reason: str = "",
                 now: datetime | None = None, step: RoutingStep | None = None,
                 opened: OpenedKey | None = None) -> SignOutcome:
    """Sign the current version with the ``kind`` the signer chose, as a new version.

    docflow.policy decides who may apply ``kind`` here, through ``step`` (None outside a route). The
    organisation's kinds verify the personal signature first, always; a personal signature on an outgoing
    document passes the Annex I format check and the signature-block check first. Raises PermissionDeniedError,
    ConflictError (the version changed meanwhile), InvalidTransitionError, WrongPinError, CertificateError,
    SigningError (FormatRefusedError and BlockMismatchError among the InvalidTransitionErrors). Flushes; the
    caller commits.
    """
    occasion = Occasion(settings=settings, store=store, actor=actor, now=now or utc_now(), step=step,
                        reason=reason, pin=pin, opened=opened)
    if kind is SignatureKind.INITIAL:
        return make_initial(session, occasion, document_id=document_id, expected_version=expected_version)
    if kind is SignatureKind.PERSONAL:
        # Annex I and the delegation register, before the signature (issue 12, section 3)
        format_gate.before_personal_signature(session, occasion, document_id=document_id)
        return make_personal(session, occasion, document_id=document_id, expected_version=expected_version)
    return make_seal_checking(session, occasion, document_id=document_id, expected_version=expected_version,
                              kind=kind)

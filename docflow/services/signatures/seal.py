"""The ward's seal (the organisation's signature), which locks a document.

Decree 30 allows it only after a valid personal signature by a person entitled to sign the document on the
day they signed. ``verify_personal_signature`` checks that and is the only maker of the
``VerifiedPersonalSignature`` that ``sign_seal`` requires, so the seal cannot be applied without the check
(issuing makes the check before it takes the register's number, and hands the proof on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.errors import N_, InvalidTransitionError
from docflow.models import Document, DocumentVersion, Signature, User, utc_now
from docflow.models.routing import RoutingStep
from docflow.services import documents as doc_service
from docflow.services.signatures.appearance import was_entitled
from docflow.services.signatures.apply import Occasion, Prepared, SignOutcome, admit, apply_signature, read_current
from docflow.services.signatures.context import ORGANISATION_KINDS, OpenedKey
from docflow.services.signatures.records import recorded_signatures
from docflow.services.signatures.reports import cached_report, verify_bytes
from docflow.signing.base import SignatureKind
from docflow.storage import DocumentStore

_PROOF = object()


@dataclass(frozen=True)
class VerifiedPersonalSignature:
    """Proof that version ``sha256`` of ``document`` carries a valid personal signature by an entitled
    signer. Only verify_personal_signature makes one (anything else raises TypeError)."""
    document: Document
    sha256: str
    _proof: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._proof is not _PROOF:
            raise TypeError("only verify_personal_signature makes a VerifiedPersonalSignature")


def require_valid_personal_signature(session: Session, *, settings: Settings, document: Document,
                                     version: DocumentVersion | None = None, signatures: list[Signature] | None = None,
                                     data: bytes | None = None, store: DocumentStore | None = None) -> None:
    """Decree 30: the organisation's signature only after a valid personal signature by a person entitled
    to sign the document (on the day they signed it). Raises InvalidTransitionError. Flushes a report."""
    version = version or document.current_version
    if version is None:
        raise InvalidTransitionError(N_("This document has no file to sign."))
    signatures = recorded_signatures(session, document) if signatures is None else signatures
    personal = [s for s in signatures if s.kind is SignatureKind.PERSONAL
                and was_entitled(session, settings=settings, signature=s, doc_type=document.doc_type)]
    if not personal:
        raise InvalidTransitionError(N_("The organisation's signature needs the personal signature of the "
                                        "chairman or a vice-chairman first."))
    # the report kept when the personal signature was made, else a verification of the file (read only then)
    report = cached_report(session, settings=settings, sha256=version.sha256)
    if report is None:
        if data is None:
            if store is None:
                raise ValueError("require_valid_personal_signature needs the data or the store")
            data = store.read(version.sha256)
        report = verify_bytes(session, settings=settings, data=data, sha256=version.sha256)
    if not report["valid"]:
        raise InvalidTransitionError(N_("The signatures already on this document do not verify; the "
                                        "organisation's signature cannot be added."))


def verify_personal_signature(session: Session, *, settings: Settings, document: Document,
                              version: DocumentVersion | None = None, signatures: list[Signature] | None = None,
                              data: bytes | None = None, store: DocumentStore | None = None
                              ) -> VerifiedPersonalSignature:
    """require_valid_personal_signature, answered with the proof the seal needs. Raises
    InvalidTransitionError. Flushes a report."""
    require_valid_personal_signature(session, settings=settings, document=document, version=version,
                                     signatures=signatures, data=data, store=store)
    verified = version or document.current_version
    if verified is None:
        raise InvalidTransitionError(N_("This document has no file to sign."))
    return VerifiedPersonalSignature(document=document, sha256=verified.sha256, _proof=_PROOF)


def sign_seal(session: Session, *, settings: Settings, store: DocumentStore, actor: User,
              proof: VerifiedPersonalSignature, pin: str, expected_version: int | None, reason: str = "",
              now: datetime | None = None, step: RoutingStep | None = None, opened: OpenedKey | None = None,
              kind: SignatureKind = SignatureKind.ORGANISATION) -> SignOutcome:
    """Seal the document of ``proof`` (locked by the caller in this transaction) as a new version, for
    ``step`` (the issue step); ``kind`` is the seal or the ward's text-only signature. The personal
    signature is not read or verified again: ``proof`` says it was.

    Raises PermissionDeniedError, ConflictError, InvalidTransitionError, WrongPinError, CertificateError,
    SigningError, ValueError (``kind`` is not an organisation's). Flushes; the caller commits.
    """
    occasion = Occasion(settings=settings, store=store, actor=actor, now=now or utc_now(), step=step,
                        reason=reason, pin=pin, opened=opened)
    admit(occasion, _organisation_kind(kind), proof.document)
    prepared = read_current(session, store=store, document=proof.document, expected_version=expected_version)
    return _seal(session, occasion, prepared, proof, kind)


def make_seal_checking(session: Session, occasion: Occasion, *, document_id: int, expected_version: int | None,
                       kind: SignatureKind) -> SignOutcome:
    """The seal outside issuing (the document page's form): the document is locked and the personal
    signature verified here, on the bytes already read for signing."""
    document = doc_service.get_document_for(session, actor=occasion.actor, document_id=document_id, lock=True)
    admit(occasion, _organisation_kind(kind), document)
    prepared = read_current(session, store=occasion.store, document=document, expected_version=expected_version)
    proof = verify_personal_signature(session, settings=occasion.settings, document=document,
                                      version=prepared.current, signatures=prepared.signatures, data=prepared.data)
    return _seal(session, occasion, prepared, proof, kind)


def _seal(session: Session, occasion: Occasion, prepared: Prepared, proof: VerifiedPersonalSignature,
          kind: SignatureKind) -> SignOutcome:
    if proof.document.id != prepared.document.id or proof.sha256 != prepared.current.sha256:
        raise ValueError("the personal signature was verified on another version than the one to seal")
    return apply_signature(session, occasion, prepared, kind)


def _organisation_kind(kind: SignatureKind) -> SignatureKind:
    if kind not in ORGANISATION_KINDS:
        raise ValueError(f"{kind} is not the organisation's signature")
    return kind

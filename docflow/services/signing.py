"""Sign a document's current version, and verify versions and uploaded files (with a kept report)."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.config import Settings
from docflow.errors import (
    N_,
    ConflictError,
    InvalidTransitionError,
    PermissionDeniedError,
    SigningError,
    UnreadablePdfError,
    ValidationError,
)
from docflow.models import (
    Document,
    DocumentKind,
    DocumentVersion,
    Role,
    Signature,
    User,
    VerificationReport,
    utc_now,
)
from docflow.services import access, audit, keys
from docflow.services import documents as doc_service
from docflow.services.audit import AuditAction
from docflow.signing.base import CertificateKind, PadesLevel, SignatureKind
from docflow.storage import DocumentStore

if TYPE_CHECKING:
    from docflow.models import Certificate
    from docflow.models.routing import RoutingStep
    from docflow.services.people import SigningAuthority
    from docflow.signing.sign import SigningSession
    from docflow.signing.sign import Appearance, SigningContext
    from docflow.signing.verify import TrustSettings, VerificationResult

ORGANISATION_KINDS = (SignatureKind.ORGANISATION, SignatureKind.ORGANISATION_TEXT)


def level_for(settings: Settings, kind: SignatureKind) -> PadesLevel:
    """The PAdES level configured for a kind of signature."""
    if kind is SignatureKind.INITIAL:
        return PadesLevel(settings.signing.level_initial)
    if kind is SignatureKind.PERSONAL:
        return PadesLevel(settings.signing.level_personal)
    return PadesLevel(settings.signing.level_organisation)


def trust_settings(settings: Settings) -> TrustSettings:
    """The roots and options verification uses, from the configuration."""
    from docflow.signing.verify import TrustSettings
    return TrustSettings.from_pem_bytes(keys.root_certificates_pem(settings),
                                        allow_fetching=settings.signing.fetch_revocation,
                                        time_limit_seconds=float(settings.signing.verify_time_limit_seconds))


def signing_context(settings: Settings, level: PadesLevel) -> SigningContext:
    """Timestamper and validation data for ``level``: the configured TSA, or the development CA's own."""
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

    from docflow.signing.sign import SigningContext
    from docflow.signing.timestamp import timestamper_for
    if level is PadesLevel.B_B:
        return SigningContext(timestamper=None, validation_context=None, zone=settings.app.zone)
    ca = keys.open_ca(settings) if settings.signing.ca == "development" else None
    timestamper = timestamper_for(settings.signing.tsa_url or None, ca)
    validation = None
    if level in (PadesLevel.B_LT, PadesLevel.B_LTA):
        from asn1crypto import crl as asn1_crl
        from asn1crypto import pem, x509
        roots = [x509.Certificate.load(pem.unarmor(p)[2]) for p in keys.root_certificates_pem(settings)]
        crls = [asn1_crl.CertificateList.load(ca.crl_der())] if ca is not None else []
        others = list(ca.chain()) if ca is not None else []
        fetching = ca is None or settings.signing.fetch_revocation
        validation = ValidationContext(trust_roots=roots, other_certs=others, crls=crls, allow_fetching=fetching,
                                       fetcher_backend=RequestsFetcherBackend() if fetching else None)
    return SigningContext(timestamper=timestamper, validation_context=validation, zone=settings.app.zone)


def local_today(settings: Settings, now: datetime) -> date:
    """The ward's calendar day at ``now`` (entitlements, registers and issue dates follow it)."""
    from zoneinfo import ZoneInfo
    return now.astimezone(ZoneInfo(settings.app.timezone)).date()


def signing_authority(session: Session, *, signer: User, doc_type: str, on: date) -> SigningAuthority:
    """The mode line and post of ``signer``'s personal signature on a ``doc_type`` on ``on``, from the
    delegation register. Raises PermissionDeniedError when the signer is not entitled to sign it."""
    from docflow.services.people import delegations
    return delegations.signing_mode_for(session, signer=signer, doc_type=doc_type, on=on)


def kinds_for(user: User, document: Document, signatures: list[Signature]) -> list[SignatureKind]:
    """The kinds of signature ``user`` could apply to the document on its page (the policy's answer), none
    once the ward's seal has locked it."""
    if document.current_version is None or any(s.kind in ORGANISATION_KINDS for s in signatures):
        return []
    return policy.allowed_kinds(user, document)


@dataclass(frozen=True)
class OpenedKey:
    """A signer's key opened once with the PIN, for signing a batch of documents in one sitting."""
    certificate: Certificate
    level: PadesLevel
    signing: SigningSession


@contextmanager
def open_key(session: Session, *, settings: Settings, actor: User, kind: SignatureKind, pin: str,
             now: datetime | None = None) -> Iterator[OpenedKey]:
    """Open ``actor``'s key for ``kind`` once (the PIN is checked here) and keep one SigningSession, whose
    fonts, images and appearances are built once for all the documents signed with it.

    Raises KeyLockedError, WrongPinError, CertificateError, SigningError. Flushes only the key's PIN state.
    """
    from docflow.signing.sign import SigningSession
    if not policy.may_apply(actor, kind):
        raise PermissionDeniedError(policy.MAY_NOT)
    certificate = keys.certificate_for(session, actor=actor, kind=certificate_kind(kind))
    level = level_for(settings, kind)
    with keys.open_signing_key(session, settings, actor=actor, certificate=certificate, pin=pin, now=now) as key:
        yield OpenedKey(certificate=certificate, level=level, signing=SigningSession(key, signing_context(settings, level)))


@dataclass(frozen=True)
class SignOutcome:
    signature: Signature
    version: DocumentVersion


def sign_version(session: Session, *, settings: Settings, store: DocumentStore, actor: User, document_id: int,
                 kind: SignatureKind, pin: str, expected_version: int | None, reason: str = "",
                 now: datetime | None = None, step: RoutingStep | None = None,
                 opened: OpenedKey | None = None, checked: Document | None = None) -> SignOutcome:
    """Sign the current version of a document as a new version (an incremental update of it).

    docflow.policy decides who may apply ``kind`` to this document in its state, through ``step`` (the open
    route step the signature is made for, by docflow.services.outgoing and issuing; None outside a route).
    A signature never changes the document's status: the route does. ``opened``: a key
    opened once for a batch (``open_key``); the PIN is then not used again. ``checked``: the document as
    issue_document locked it in this transaction, its personal signature already verified there (it is
    not read or verified a second time). The signature's record keeps ``step`` with the SHA-256 of the bytes
    before and after.

    Raises PermissionDeniedError, ConflictError (the version changed meanwhile), InvalidTransitionError
    (an organisation signature without a valid personal one, or after the document was locked),
    WrongPinError, CertificateError, SigningError. Flushes; the caller commits. The signed file is stored
    before the commit, so a crash leaves at most an unreferenced blob.
    """
    from docflow.signing.sign import SignRequest, sign_pdf
    now = now or utc_now()
    if checked is not None and checked.id != document_id:
        raise ValueError("sign_version: the checked document is not the one to sign")
    document = checked or doc_service.get_document_for(session, actor=actor, document_id=document_id, lock=True)
    if not access.can_view(actor, document):
        raise PermissionDeniedError(policy.MAY_NOT)
    policy.require_signature(actor, kind, document, step)
    authority = None
    if kind is SignatureKind.PERSONAL:
        authority = signing_authority(session, signer=actor, doc_type=document.doc_type,
                                      on=local_today(settings, now))
    current = document.current_version
    if current is None:
        raise InvalidTransitionError(N_("This document has no file to sign."))
    if expected_version is not None and expected_version != current.number:
        raise ConflictError(N_("The document has a newer version than the one you were shown. "
                               "Reload the page and check it before signing."))
    data = store.read(current.sha256)
    before_sha256 = hashlib.sha256(data).hexdigest()
    if before_sha256 != current.sha256:
        raise InvalidTransitionError(N_("The stored file of version %(n)s is not the one docflow recorded; "
                                        "it cannot be signed. Ask the auditor to check the signature chain."),
                                     n=current.number)
    signatures = _signatures(session, document)
    if any(s.kind in ORGANISATION_KINDS for s in signatures):
        raise InvalidTransitionError(N_("The organisation's signature has locked this document; "
                                        "nothing more can be signed."))
    if kind in ORGANISATION_KINDS and checked is None:
        require_valid_personal_signature(session, settings=settings, document=document, version=current,
                                         signatures=signatures, data=data)
    certificate = keys.certificate_for(session, actor=actor, kind=certificate_kind(kind))
    data = _prepare_fields(data, document=document, kind=kind, signatures=signatures)
    level = level_for(settings, kind)
    appearance = appearance_for(actor, kind, store=store, document=document, authority=authority)
    field_name = _field_name(kind, signatures)
    request = SignRequest(kind=kind, level=level, appearance=appearance, field_name=field_name,
                          reason=reason or None, location=settings.app.organisation_name,
                          fill=_field_values(document, kind=kind, settings=settings, now=now))
    if opened is not None:
        if opened.certificate.id != certificate.id or opened.level is not level:
            raise SigningError(N_("The key opened for this batch no longer matches your certificate."))
        signed = opened.signing.sign(data, request)
    else:
        with keys.open_signing_key(session, settings, actor=actor, certificate=certificate, pin=pin, now=now) as key:
            signed = sign_pdf(data, key, request, signing_context(settings, level))
    sha256 = store.put_bytes(signed)
    version = DocumentVersion(document=document, number=current.number + 1, parent_id=current.id, sha256=sha256,
                              size=len(signed), page_count=current.page_count, original_filename=None,
                              active_content=current.active_content, note="", created_at=now,
                              created_by_id=actor.id)
    session.add(version)
    document.updated_at = now
    session.flush()
    signature = Signature(document_id=document.id, version_id=version.id, kind=kind, field_name=field_name,
                          signer_id=actor.id, certificate_id=certificate.id, level=level.value,
                          mode_line=(appearance.mode_line or "") if appearance else "", signed_at=now,
                          step_id=step.id if step is not None else None, before_sha256=before_sha256,
                          after_sha256=sha256)
    session.add(signature)
    session.flush()
    audit.record(session, action=AuditAction.DOCUMENT_SIGNED, actor=actor, object_type="document",
                 object_id=document.id, now=now,
                 details={"version": version.number, "sha256": sha256, "parent_sha256": current.sha256,
                          "kind": kind.value, "field": field_name, "level": level.value,
                          "certificate_serial": certificate.serial, "certificate_sha256": certificate.sha256})
    if kind is SignatureKind.PERSONAL:
        # Kept while the bytes are at hand: the organisation's signature at issue checks this report
        # instead of verifying the file again, and the document page shows it at once.
        verify_bytes(session, settings=settings, data=signed, sha256=sha256, now=now)
    return SignOutcome(signature=signature, version=version)


def _prepare_fields(data: bytes, *, document: Document, kind: SignatureKind, signatures: list[Signature]) -> bytes:
    """Decree 30's number and date fields, added before the first signature of a document docflow drafts
    (filled in later, in the organisation signature's own revision: see _field_values)."""
    from docflow.signing.sign import ensure_fields
    if kind is SignatureKind.PERSONAL and not signatures and document.kind is not DocumentKind.INCOMING \
            and b"/ByteRange" not in data:
        return ensure_fields(data)
    return data


def _field_values(document: Document, *, kind: SignatureKind, settings: Settings,
                  now: datetime) -> dict[str, str] | None:
    """The number and issue date the organisation's seal fills in (form filling, which the personal
    signature allows); a PDF without the fields (signed elsewhere first) keeps its own."""
    if kind is not SignatureKind.ORGANISATION or not document.number_symbol:
        return None
    return number_and_date_values(document, day=document.document_date or local_today(settings, now))


def number_and_date_values(document: Document, *, day: date) -> dict[str, str]:
    """What the number and date fields of an issued document print: "Số: 07/UBND-VP" and
    "Tích Sơn, ngày 05 tháng 12 năm 2026"."""
    from docflow.signing.base import DATE_FIELD, NUMBER_FIELD
    place = _place_name(document.organisation.name)
    return {NUMBER_FIELD: f"Số: {document.number_symbol}",
            DATE_FIELD: f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"}


def _place_name(organisation: str) -> str:
    """"UBND phường Tích Sơn" → "Tích Sơn": the place written before the issue date."""
    words = organisation.split()
    for marker in ("phường", "xã", "thị trấn", "quận", "huyện"):
        if marker in organisation:
            return organisation.split(marker, 1)[1].strip() or organisation
    return " ".join(words[-2:]) if len(words) > 2 else organisation


def _signatures(session: Session, document: Document) -> list[Signature]:
    return list(session.execute(select(Signature).where(Signature.document_id == document.id)
                                .order_by(Signature.id)).scalars())


def _field_name(kind: SignatureKind, existing: list[Signature]) -> str:
    if kind in ORGANISATION_KINDS:
        return "organisation"
    count = sum(1 for s in existing if s.kind is kind)
    return f"{kind.value}_{count + 1}"


def certificate_kind(kind: SignatureKind) -> CertificateKind:
    return CertificateKind.ORGANISATION if kind in ORGANISATION_KINDS else CertificateKind.PERSONAL


def appearance_for(actor: User, kind: SignatureKind, *, store: DocumentStore | None,
                   document: Document | None = None, authority: SigningAuthority | None = None) -> Appearance:
    """What the visible signature shows: mode line (from the delegation register), post, the signer's
    image and name; or the ward's seal."""
    from docflow.signing.sign import Appearance
    from docflow.signing.stamp import demo_seal_png
    if kind is SignatureKind.PERSONAL and authority is None:
        # No document to check the delegation register against (the command line): the ward's standing rule.
        from docflow.services.people import delegations
        authority = delegations.standing_authority(actor)
    if kind is SignatureKind.PERSONAL or kind is SignatureKind.INITIAL:
        mode_line = authority.mode_line if authority is not None else None
        post = authority.post if authority is not None else " ".join((actor.post or "").split()).upper()
        image = (store.read(actor.signature_image_sha256)
                 if store is not None and actor.signature_image_sha256 else None)
        return Appearance(mode_line=mode_line, post=post, full_name=actor.full_name, signature_image=image,
                          seal_image=None, number_symbol=None)
    seal = demo_seal_png(actor.organisation.name) if kind is SignatureKind.ORGANISATION else None
    return Appearance(mode_line=None, post="", full_name=actor.organisation.name, signature_image=None,
                      seal_image=seal, number_symbol=document.number_symbol if document else None)


def require_valid_personal_signature(session: Session, *, settings: Settings, document: Document,
                                     version: DocumentVersion | None = None, signatures: list[Signature] | None = None,
                                     data: bytes | None = None, store: DocumentStore | None = None) -> None:
    """Decree 30: the organisation's signature only after a valid personal signature by a person entitled
    to sign the document (on the day they signed it). Raises InvalidTransitionError. Flushes a report."""
    version = version or document.current_version
    if version is None:
        raise InvalidTransitionError(N_("This document has no file to sign."))
    signatures = _signatures(session, document) if signatures is None else signatures
    personal = [s for s in signatures if s.kind is SignatureKind.PERSONAL
                and _was_entitled(session, settings=settings, signature=s, doc_type=document.doc_type)]
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


def _was_entitled(session: Session, *, settings: Settings, signature: Signature, doc_type: str) -> bool:
    try:
        signing_authority(session, signer=signature.signer, doc_type=doc_type,
                          on=local_today(settings, signature.signed_at))
    except PermissionDeniedError:
        return False
    return True


def trust_key(settings: Settings) -> str:
    """A digest naming the trust configuration, so a cached report is reused only under the same one."""
    digest = hashlib.sha256()
    for root in sorted(keys.root_certificates_pem(settings)):
        digest.update(hashlib.sha256(root).digest())
    digest.update(b"fetch" if settings.signing.fetch_revocation else b"embedded")
    return digest.hexdigest()


_VERIFIED_AHEAD = "docflow.verified_ahead"


def verify_ahead(session: Session, *, settings: Settings, data: bytes, sha256: str | None = None) -> None:
    """Verify ``data`` before the transaction that keeps its report begins, so that pyHanko's work (up to
    signing.verify_time_limit_seconds) holds no database lock; verify_bytes in that transaction then
    takes the result from the session. Reads only; raises nothing (an unreadable file is answered there).
    """
    from docflow.signing.verify import verify_pdf
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    if cached_report(session, settings=settings, sha256=sha256) is not None:
        return
    outcome: VerificationResult | UnreadablePdfError
    try:
        outcome = verify_pdf(data, trust_settings(settings), now=utc_now())
    except UnreadablePdfError as exc:
        outcome = exc
    session.info.setdefault(_VERIFIED_AHEAD, {})[(sha256, trust_key(settings))] = outcome


def verify_upload_ahead(session: Session, *, settings: Settings, store: DocumentStore,
                        upload: doc_service.UploadedFile) -> None:
    """verify_ahead for a received upload that carries signatures (keep_report_if_signed's case)."""
    if upload.stored is not None and _looks_signed(store, upload.stored.sha256):
        verify_ahead(session, settings=settings, data=store.read(upload.stored.sha256), sha256=upload.stored.sha256)


def verify_bytes(session: Session, *, settings: Settings, data: bytes, sha256: str | None = None,
                 now: datetime | None = None) -> dict[str, Any]:
    """The verification report of a PDF as a JSON-ready dict, cached by SHA-256 and trust configuration.

    Raises UnreadablePdfError. Flushes a new report row when it was not cached.
    """
    from docflow.signing.verify import verify_pdf
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    key = trust_key(settings)
    cached = cached_report(session, settings=settings, sha256=sha256)
    if cached is not None:
        return cached
    now = now or utc_now()
    ahead = session.info.get(_VERIFIED_AHEAD, {}).pop((sha256, key), None)
    if isinstance(ahead, UnreadablePdfError):
        raise ahead
    result = ahead if ahead is not None else verify_pdf(data, trust_settings(settings), now=now)
    report: dict[str, Any] = report_dict(result)
    _map_signers(session, report)
    session.add(VerificationReport(sha256=sha256, trust_key=key, valid=bool(report["valid"]),
                                   report_json=json.dumps(report, ensure_ascii=False), verified_at=now))
    session.flush()
    report["verified_at"] = now.isoformat()
    return report


def _map_signers(session: Session, report: dict[str, Any]) -> None:
    """Name the docflow user (or the ward) behind each signature whose certificate docflow knows."""
    from docflow.models import Certificate
    digests = [s["certificate_sha256"] for s in report["signatures"] if s.get("certificate_sha256")]
    known = {c.sha256: c for c in session.execute(select(Certificate).where(Certificate.sha256.in_(digests))).scalars()}
    for sig in report["signatures"]:
        cert = known.get(sig.get("certificate_sha256", ""))
        if cert is None:
            sig["docflow_user"] = None
        elif cert.holder is not None:
            sig["docflow_user"] = {"username": cert.holder.username, "full_name": cert.holder.full_name,
                                   "post": cert.holder.post, "certificate": cert.kind.value}
        else:
            sig["docflow_user"] = {"username": None, "full_name": cert.subject, "post": "",
                                   "certificate": cert.kind.value}


def report_dict(result: VerificationResult) -> dict[str, Any]:
    """The kept form of a result: the command-line JSON plus msgids and params for translation."""
    out: dict[str, Any] = result.to_json(lang="en")
    out["sha256"] = result.sha256
    for kept, sig in zip(out["signatures"], result.signatures, strict=True):
        kept.update(signer_common_name=sig.signer_common_name, certificate_sha256=sig.certificate_sha256,
                    serial=sig.serial, issuer=sig.issuer, key_usage_ok=sig.key_usage_ok,
                    digest_algorithm=sig.digest_algorithm, signature_algorithm=sig.signature_algorithm,
                    revocation_source=sig.revocation_source, is_timestamp=sig.is_timestamp)
    out["msgids"] = {
        "errors": [{"code": p.code, "message": p.message, "params": dict(p.params)} for p in result.errors],
        "signatures": [[{"code": p.code, "message": p.message, "params": dict(p.params)} for p in s.problems]
                       for s in result.signatures],
    }
    return out


def cached_report(session: Session, *, settings: Settings, sha256: str) -> dict[str, Any] | None:
    """The kept report of a PDF under the current trust configuration, or None."""
    row = session.execute(select(VerificationReport).where(
        VerificationReport.sha256 == sha256, VerificationReport.trust_key == trust_key(settings))).scalar_one_or_none()
    if row is None:
        return None
    report: dict[str, Any] = json.loads(row.report_json)
    report["verified_at"] = row.verified_at.isoformat()
    return report


def current_report(session: Session, *, settings: Settings, document: Document) -> dict[str, Any] | None:
    """The kept report of the document's current version, or None when it was never verified. Reads only."""
    current = document.current_version
    return cached_report(session, settings=settings, sha256=current.sha256) if current is not None else None


def verify_version(session: Session, *, settings: Settings, store: DocumentStore, actor: User,
                   document_id: int, version_number: int | None) -> dict[str, Any]:
    """Verify a stored version the actor may see. Raises NotFoundError, PermissionDeniedError. Flushes."""
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id)
    version = doc_service.version_of(document, version_number)
    report = verify_bytes(session, settings=settings, data=store.read(version.sha256), sha256=version.sha256)
    return report


def signatures_of(session: Session, *, actor: User, document_id: int) -> list[Signature]:
    """docflow's record of the signatures on a document, oldest first. Raises NotFound/PermissionDenied."""
    document = doc_service.get_document_for(session, actor=actor, document_id=document_id)
    return _signatures(session, document)


def check_upload_size(data: bytes, settings: Settings) -> None:
    if len(data) > settings.max_upload_bytes:
        raise ValidationError(N_("The file is larger than %(limit)s MB."), field="file",
                              limit=settings.uploads.max_upload_mb)


MAX_SIGNATURE_IMAGE_BYTES = 1024 * 1024


def set_signature_image(session: Session, *, actor: User, data: bytes, store: DocumentStore,
                        now: datetime | None = None) -> str:
    """Keep the user's handwritten signature image (PNG with transparency, at most 1 MB and 2000×1000 px).

    Raises ValidationError for anything else. Flushes.
    """
    from PIL import Image, UnidentifiedImageError
    if len(data) > MAX_SIGNATURE_IMAGE_BYTES:
        raise ValidationError(N_("The signature image is larger than 1 MB."), field="image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise ValidationError(N_("The signature image must be a PNG file."), field="image")
            if image.width > 2000 or image.height > 1000 or image.width < 20 or image.height < 10:
                raise ValidationError(N_("The signature image must be between 20×10 and 2000×1000 pixels."),
                                      field="image")
            if "A" not in image.getbands() and "transparency" not in image.info:
                raise ValidationError(N_("The signature image needs a transparent background."), field="image")
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError(N_("The signature image must be a PNG file."), field="image") from None
    sha256 = store.put_bytes(data)
    actor.signature_image_sha256 = sha256
    session.flush()
    audit.record(session, action=AuditAction.SIGNATURE_IMAGE_CHANGED, actor=actor, object_type="user",
                 object_id=actor.id, now=now, details={"sha256": sha256, "size": len(data)})
    return sha256


def my_certificates(session: Session, *, actor: User) -> list[Any]:
    """The actor's own certificates and the organisation's (for clerks), newest first."""
    from docflow.models import Certificate
    stmt = select(Certificate).where(Certificate.holder_id == actor.id)
    if actor.role is Role.CLERK:
        stmt = select(Certificate).where((Certificate.holder_id == actor.id) | Certificate.holder_id.is_(None))
    return list(session.execute(stmt.order_by(Certificate.id.desc())).scalars())


def _looks_signed(store: DocumentStore, sha256: str) -> bool:
    # A signature's /Contents must sit literally in the file for its ByteRange gap to exist, so a signed
    # PDF always contains the bytes "/ByteRange" outside any compressed stream.
    tail = b""
    with store.open(sha256) as fh:
        while chunk := fh.read(1 << 20):
            if b"/ByteRange" in tail + chunk:
                return True
            tail = chunk[-16:]
    return False


def keep_report_if_signed(session: Session, *, settings: Settings, store: DocumentStore,
                          version: DocumentVersion) -> dict[str, Any] | None:
    """Verify a newly stored version at once when it carries signatures, and keep the report with it.

    A PDF docflow can store but the verifier cannot read gets no report (the panel offers to verify).
    Flushes.
    """
    if not _looks_signed(store, version.sha256):
        return None
    try:
        return verify_bytes(session, settings=settings, data=store.read(version.sha256), sha256=version.sha256)
    except UnreadablePdfError:
        return None

"""What a signature puts on the page: the signer's mode line and post from the delegation register (or the
ward's seal), the field it fills, and Decree 30's number and date fields the seal fills in."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, object_session

from docflow.config import Settings
from docflow.errors import PermissionDeniedError
from docflow.models import Document, DocumentKind, Signature, User
from docflow.services import seals
from docflow.services.people import delegations
from docflow.services.people.delegations import SigningAuthority
from docflow.services.signatures.context import ORGANISATION_KINDS, local_today
from docflow.signing.base import DATE_FIELD, NUMBER_FIELD, SignatureKind
from docflow.storage import DocumentStore

if TYPE_CHECKING:
    from docflow.signing.sign import Appearance


def signing_authority(session: Session, *, signer: User, doc_type: str, on: date) -> SigningAuthority:
    """The mode line and post of ``signer``'s personal signature on a ``doc_type`` on ``on``, from the
    delegation register. Raises PermissionDeniedError when the signer is not entitled to sign it."""
    return delegations.signing_mode_for(session, signer=signer, doc_type=doc_type, on=on)


def was_entitled(session: Session, *, settings: Settings, signature: Signature, doc_type: str) -> bool:
    """Whether the signer of ``signature`` was entitled to sign a ``doc_type`` on the day they signed."""
    try:
        signing_authority(session, signer=signature.signer, doc_type=doc_type,
                          on=local_today(settings, signature.signed_at))
    except PermissionDeniedError:
        return False
    return True


def appearance_for(actor: User, kind: SignatureKind, *, store: DocumentStore | None,
                   document: Document | None = None, authority: SigningAuthority | None = None) -> Appearance:
    """What the visible signature shows: the collective's TM. line where a deputy signs KT. for the
    chairman, mode line (from the delegation register), post, the signer's image and name; or the ward's
    seal."""
    # pyHanko takes seconds to import: only a signature pays for it, not the CLI's start.
    from docflow.signing.sign import Appearance
    if kind is SignatureKind.PERSONAL and authority is None:
        # No document to check the delegation register against (the command line): the ward's standing rule.
        authority = delegations.standing_authority(actor)
    if kind is SignatureKind.PERSONAL or kind is SignatureKind.INITIAL:
        mode_line = authority.mode_line if authority is not None else None
        post = authority.post if authority is not None else " ".join((actor.post or "").split()).upper()
        image = (store.read(actor.signature_image_sha256)
                 if store is not None and actor.signature_image_sha256 else None)
        collective = authority.collective_line if authority is not None and kind is SignatureKind.PERSONAL else ""
        return Appearance(mode_line=mode_line, post=post, full_name=actor.full_name, signature_image=image,
                          seal_image=None, number_symbol=None, collective_line=collective or None)
    seal, diameter = (seals.seal_for_signature(object_session(actor), actor.organisation, store)
                      if kind is SignatureKind.ORGANISATION else (None, None))
    return Appearance(mode_line=None, post="", full_name=actor.organisation.name, signature_image=None,
                      seal_image=seal, number_symbol=document.number_symbol if document else None,
                      seal_diameter=diameter)


def field_name(kind: SignatureKind, existing: list[Signature]) -> str:
    """The signature field a new signature of ``kind`` takes: "organisation", or "personal_2" and the like."""
    if kind in ORGANISATION_KINDS:
        return "organisation"
    count = sum(1 for s in existing if s.kind is kind)
    return f"{kind.value}_{count + 1}"


def prepare_fields(data: bytes, *, document: Document, kind: SignatureKind, signatures: list[Signature]) -> bytes:
    """Decree 30's number and date fields, added before the first signature of a document docflow drafts
    (filled in later, in the organisation signature's own revision: see field_values)."""
    # pyHanko takes seconds to import: only a signature pays for it, not the CLI's start.
    from docflow.signing.sign import ensure_fields
    if kind is SignatureKind.PERSONAL and not signatures and document.kind is not DocumentKind.INCOMING \
            and b"/ByteRange" not in data:
        return ensure_fields(data)
    return data


def field_values(document: Document, *, kind: SignatureKind, settings: Settings,
                 now: datetime) -> dict[str, str] | None:
    """The number and issue date the organisation's seal fills in (form filling, which the personal
    signature allows); a PDF without the fields (signed elsewhere first) keeps its own."""
    if kind is not SignatureKind.ORGANISATION or not document.number_symbol:
        return None
    return number_and_date_values(document, day=document.document_date or local_today(settings, now))


def number_and_date_values(document: Document, *, day: date) -> dict[str, str]:
    """What the number and date fields of an issued document print: "Số: 07/UBND-VP" and
    "Tích Sơn, ngày 05 tháng 12 năm 2026"."""
    place = place_name(document.organisation.name)
    return {NUMBER_FIELD: f"Số: {document.number_symbol}", DATE_FIELD: f"{place}, {date_words(day)}"}


def date_words(day: date) -> str:
    """Decree 30, Annex I: "ngày 05 tháng 5 năm 2026": a leading zero for days 1-9 and for months 1 and 2
    only ("tháng 01", "tháng 02", "tháng 3" ... "tháng 12")."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def place_name(organisation: str) -> str:
    """"UBND phường Tích Sơn" → "Tích Sơn": the place written before the issue date."""
    words = organisation.split()
    for marker in ("phường", "xã", "thị trấn", "quận", "huyện"):
        if marker in organisation:
            return organisation.split(marker, 1)[1].strip() or organisation
    return " ".join(words[-2:]) if len(words) > 2 else organisation

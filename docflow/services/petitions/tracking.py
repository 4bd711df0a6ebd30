"""The citizen's side (no account): follow a petition by its receipt code AND the phone number given with
it, and rate the answer once. A wrong code and a wrong phone get the same answer, so neither can be probed
alone; the public pages rate-limit each address before calling these."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.errors import N_, InvalidTransitionError, NotFoundError, ValidationError
from docflow.models import Petition, PetitionApology, PetitionKind, PetitionStatus, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.petitions.registration import normalise_code, normalise_phone

NO_MATCH = N_("No petition matches this receipt code and phone number. Check both and try again.")
SATISFIED_FROM = 4          # a rating of 4 or 5 counts as satisfied
_DUMMY_PHONE = "0" * 10


@dataclass(frozen=True)
class PublicApology:
    reason: str
    new_deadline: date
    number_symbol: str


@dataclass(frozen=True)
class PublicPetition:
    """What the citizen sees: no name, address or e-mail (he knows them), nothing of the ward's handling
    beyond the state, the dates and the answer."""
    receipt_code: str
    kind: PetitionKind
    subject: str
    status: PetitionStatus
    received_at: datetime
    deadline: date
    answered_on: date | None
    answer_text: str
    answer_number_symbol: str
    apologies: tuple[PublicApology, ...]
    rating: int | None
    may_rate: bool


def find_tracked(session: Session, *, organisation_id: int | None, code: str, phone: str,
                 lock: bool = False) -> Petition:
    """The petition of this code and phone, in ward ``organisation_id`` (None: whichever ward issued the code, as a
    province's deployment answers every ward's citizens on one page; codes are unique in the deployment).
    Raises NotFoundError (the same one for either mismatch)."""
    stored_code, digits = normalise_code(code), normalise_phone(phone)
    petition = None
    if stored_code is not None:
        query = select(Petition).where(Petition.receipt_code == stored_code)
        if organisation_id is not None:
            query = query.where(Petition.organisation_id == organisation_id)
        petition = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    expected = petition.phone if petition is not None else _DUMMY_PHONE
    phone_matches = hmac.compare_digest(expected.encode(), (digits or "").encode())
    if petition is None or not phone_matches:
        raise NotFoundError(NO_MATCH)
    return petition


def track(session: Session, *, organisation_id: int | None, code: str, phone: str) -> PublicPetition:
    """The citizen's view of his petition. Raises NotFoundError."""
    petition = find_tracked(session, organisation_id=organisation_id, code=code, phone=phone)
    apologies = session.execute(select(PetitionApology).where(PetitionApology.petition_id == petition.id,
                                                              PetitionApology.issued_at.is_not(None))
                                .order_by(PetitionApology.issued_at)).scalars()
    answer_document = petition.answer_document
    answered = petition.status in (PetitionStatus.ANSWERED, PetitionStatus.CLOSED)
    return PublicPetition(
        receipt_code=petition.receipt_code, kind=petition.kind, subject=petition.subject, status=petition.status,
        received_at=petition.received_at, deadline=petition.deadline, answered_on=petition.answered_on,
        answer_text=petition.answer_text if answered else "",
        answer_number_symbol=(answer_document.number_symbol or "") if answered and answer_document else "",
        apologies=tuple(PublicApology(a.reason, a.new_deadline, a.document.number_symbol or "") for a in apologies),
        rating=petition.rating, may_rate=answered and petition.rating is None)


def rate_answer(session: Session, *, organisation_id: int | None, code: str, phone: str, rating: int, comment: str = "",
                now: datetime | None = None) -> Petition:
    """The citizen rates the answer, once, from 1 (very unsatisfied) to 5 (very satisfied).

    Raises NotFoundError, ValidationError, InvalidTransitionError (not answered yet, or rated already). Flushes."""
    now = now or utc_now()
    if rating not in range(1, 6):
        raise ValidationError(N_("Choose a rating from 1 to 5."), field="rating")
    comment = comment.strip()
    if len(comment) > 2000:
        raise ValidationError(N_("The comment is too long (at most 2,000 characters)."), field="comment")
    petition = find_tracked(session, organisation_id=organisation_id, code=code, phone=phone, lock=True)
    if petition.status not in (PetitionStatus.ANSWERED, PetitionStatus.CLOSED):
        raise InvalidTransitionError(N_("The petition can be rated once it is answered."))
    if petition.rating is not None:
        raise InvalidTransitionError(N_("This answer has already been rated. Thank you."))
    petition.rating, petition.rating_comment, petition.rated_at = rating, comment, now
    session.flush()
    audit.record(session, action=AuditAction.PETITION_RATED, actor=None, object_type="petition",
                 object_id=petition.id, now=now, details={"rating": rating, "satisfied": rating >= SATISFIED_FROM})
    return petition

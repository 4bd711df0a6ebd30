"""What issuing a document means for petitions (called by outgoing.issue_document, in its transaction): the
issued answer answers its petition; an issued apology letter moves its petition's deadline to the new date
(the first deadline stays, so the petition still counts as late)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.config import Settings, local_date
from docflow.models import Document, Petition, PetitionApology, PetitionStatus, User
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.petitions.citizen_mail import ANSWERED_MAIL, APOLOGY_MAIL, tell_citizen


def mark_answered(session: Session, petition: Petition, *, actor: User | None, settings: Settings, now: datetime,
                  document: Document | None) -> None:
    """Record the answer's moment and the ward's date of it (the on-time figure compares that date with the
    petition's first deadline). Flushes."""
    petition.status, petition.answered_at = PetitionStatus.ANSWERED, now
    petition.answered_on = local_date(settings, now)
    session.flush()
    audit.record(session, action=AuditAction.PETITION_ANSWERED, actor=actor, object_type="petition",
                 object_id=petition.id, now=now,
                 details={"document_id": document.id if document else None,
                          "number_symbol": document.number_symbol if document else None,
                          "answered_on": petition.answered_on.isoformat(),
                          "on_time": petition.answered_on <= petition.first_deadline})
    tell_citizen(session, petition, ANSWERED_MAIL, {})


def document_issued(session: Session, *, actor: User, document: Document, settings: Settings,
                    now: datetime) -> None:
    """Settle the petitions ``document`` answers or apologises for. Flushes."""
    answered = session.execute(select(Petition).where(Petition.answer_document_id == document.id,
                                                      Petition.status == PetitionStatus.IN_PROGRESS)
                               .with_for_update()).scalars()
    for petition in answered:
        mark_answered(session, petition, actor=actor, settings=settings, now=now, document=document)
    apologies = session.execute(select(PetitionApology).where(PetitionApology.document_id == document.id,
                                                              PetitionApology.issued_at.is_(None))).scalars()
    for apology in apologies:
        apology.issued_at = now
        apologised = session.get(Petition, apology.petition_id, with_for_update=True)
        if apologised is None or apologised.answered_at is not None:
            continue
        old = apologised.deadline
        apologised.deadline = max(old, apology.new_deadline)
        session.flush()
        audit.record(session, action=AuditAction.PETITION_APOLOGY_ISSUED, actor=actor, object_type="petition",
                     object_id=apologised.id, now=now,
                     details={"document_id": document.id, "number_symbol": document.number_symbol,
                              "old_deadline": old.isoformat(), "new_deadline": apologised.deadline.isoformat()})
        tell_citizen(session, apologised, APOLOGY_MAIL,
                     {"reason": apology.reason, "date": apologised.deadline.strftime("%d/%m/%Y")})

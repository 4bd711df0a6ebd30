"""The apology before lateness (Decree 30 R68, R72): an open petition ``petition_apology_working_days``
working days or fewer before its deadline is due an apology letter. The daily `docflow escalate` reminds its
handler (once per deadline); the handler gives the reason and the new date, and docflow drafts the letter
through the normal outgoing route. Its issue moves the deadline (``petitions.issued``); the petition still
counts as late in the figures, since they compare the answer with the first deadline."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from docflow.config import Settings, local_date
from docflow.errors import N_, InvalidTransitionError, PermissionDeniedError, ValidationError
from docflow.models import Notification, Petition, PetitionApology, PetitionStatus, Role, User, utc_now
from docflow.policy import petitions as policy
from docflow.services import audit
from docflow.services import calendar as work_calendar
from docflow.services.audit import AuditAction
from docflow.services.notifications import notify
from docflow.services.petitions.letters import draft_letter
from docflow.services.petitions.routing import OPEN, get_petition
from docflow.storage import DocumentStore

APOLOGY_DUE = N_("The answer to a citizen's petition is due on %(deadline)s: if it will be late, draft the "
                 "apology letter now (%(subject)s)")


def apology_due_by(settings: Settings, today: date) -> date:
    """Open petitions whose deadline is on or before this day are due an apology today."""
    calendar = work_calendar.WorkingCalendar.load(settings)
    return calendar.add_working_days(today, settings.workflow.petition_apology_working_days)


def _due(cutoff: date) -> tuple[ColumnElement[bool], ...]:
    """Open, with a deadline on or before ``cutoff``, and no apology for that deadline yet."""
    apologised = select(PetitionApology.id).where(PetitionApology.petition_id == Petition.id,
                                                  PetitionApology.new_deadline > Petition.deadline).exists()
    return Petition.status.in_(OPEN), Petition.deadline <= cutoff, ~apologised


def petitions_due_apology(session: Session, *, settings: Settings, now: datetime) -> list[Petition]:
    """Open, unanswered petitions near (or past) their deadline without an apology for that deadline (every
    ward's: the daily reminder). One query."""
    cutoff = apology_due_by(settings, local_date(settings, now))
    return list(session.execute(select(Petition).where(*_due(cutoff))
                                .order_by(Petition.deadline, Petition.id)).scalars())


def is_due_apology(session: Session, petition: Petition, *, settings: Settings, now: datetime) -> bool:
    """Whether this one petition is due an apology now (the petition page): one query, whatever the number of
    petitions due in the ward or elsewhere."""
    cutoff = apology_due_by(settings, local_date(settings, now))
    return session.execute(select(Petition.id).where(Petition.id == petition.id, *_due(cutoff))).first() is not None


def remind_apologies(session: Session, *, settings: Settings, now: datetime | None = None) -> list[Petition]:
    """Notify each due petition's handler (the department head while it has none, the clerks while it is not
    assigned), once per deadline; safe to repeat. Returns the petitions reminded now. Flushes."""
    now = now or utc_now()
    reminded = []
    for petition in petitions_due_apology(session, settings=settings, now=now):
        users = [u for u in _responsible(session, petition) if not _reminded(session, u, petition)]
        if users:
            notify(session, users=users, document=None, message=APOLOGY_DUE, now=now,
                   params={"deadline": petition.deadline.isoformat(), "subject": petition.subject[:120],
                           "petition_id": petition.id})
            reminded.append(petition)
    return reminded


def _responsible(session: Session, petition: Petition) -> list[User]:
    """The handler; else the assigned department's head; else (not assigned yet) the ward's clerks."""
    if petition.handler is not None:
        return [petition.handler]
    if petition.department is not None:
        return [u for u in petition.department.members if policy.is_department_head(u, petition)]
    return list(session.execute(select(User).where(User.organisation_id == petition.organisation_id,
                                                   User.role == Role.CLERK, User.is_active.is_(True))).scalars())


def _reminded(session: Session, user: User, petition: Petition) -> bool:
    mark = f'"deadline": "{petition.deadline.isoformat()}", "petition_id": {petition.id},'   # sorted JSON keys
    return session.execute(select(Notification.id).where(Notification.user_id == user.id,
                                                         Notification.message == APOLOGY_DUE,
                                                         Notification.params_json.like(f"%{mark}%"))
                           .limit(1)).first() is not None


def draft_apology(session: Session, *, actor: User, petition_id: int, reason: str, new_deadline: date,
                  signer_id: int | None, settings: Settings, store: DocumentStore,
                  now: datetime | None = None) -> PetitionApology:
    """Draft the apology letter with the handler's reason and new date, before the deadline passes.

    Raises NotFoundError, PermissionDeniedError, InvalidTransitionError, ValidationError. Flushes."""
    now = now or utc_now()
    petition = get_petition(session, actor=actor, petition_id=petition_id, lock=True)
    if not policy.may_answer(actor, petition):
        raise PermissionDeniedError(N_("Only the assigned handler or the head of the assigned department "
                                       "apologises for a petition."))
    today = local_date(settings, now)
    if petition.status not in OPEN or petition.status is PetitionStatus.RECEIVED:
        raise InvalidTransitionError(N_("This petition is not waiting for an answer."))
    if today > petition.deadline:
        raise InvalidTransitionError(N_("The deadline has passed: the apology had to be sent before it."))
    reason = " ".join(reason.split())
    if not reason or len(reason) > 2000:
        raise ValidationError(N_("Give the reason for the delay (at most 2,000 characters)."), field="reason")
    if new_deadline <= petition.deadline:
        raise ValidationError(N_("The new date must be after the current deadline."), field="new_deadline")
    pending = session.execute(select(PetitionApology.id).where(PetitionApology.petition_id == petition.id,
                                                               PetitionApology.issued_at.is_(None))).first()
    if pending is not None:
        # each issued letter moves the deadline and counts as an apology: one letter on its way at a time
        raise InvalidTransitionError(N_("An apology letter for this petition is already on its way to be signed "
                                        "and issued."))
    document = draft_letter(session, actor=actor, petition=petition, settings=settings, store=store, now=now,
                            summary=f"Xin lỗi và hẹn lại ngày trả lời phản ánh, kiến nghị: {petition.subject}"[:300],
                            paragraphs=_apology_text(petition, local_date(settings, petition.received_at), reason,
                                                       new_deadline), signer_id=signer_id)
    apology = PetitionApology(organisation_id=petition.organisation_id, petition_id=petition.id,
                              document_id=document.id, reason=reason, new_deadline=new_deadline,
                              drafted_by_id=actor.id, drafted_at=now)
    session.add(apology)
    session.flush()
    audit.record(session, action=AuditAction.PETITION_APOLOGY_DRAFTED, actor=actor, object_type="petition",
                 object_id=petition.id, now=now,
                 details={"document_id": document.id, "new_deadline": new_deadline.isoformat()})
    return apology


def _apology_text(petition: Petition, received_on: date, reason: str, new_deadline: date) -> list[str]:
    received = received_on.strftime("%d/%m/%Y")
    return [f"Ngày {received}, Ủy ban nhân dân đã tiếp nhận phản ánh, kiến nghị của Ông/Bà với nội dung: "
            f"{petition.subject}; hạn trả lời là ngày "
            f"{petition.deadline.strftime('%d/%m/%Y')}.",
            f"Lý do chậm trả lời: {reason}",
            f"Ủy ban nhân dân xin lỗi Ông/Bà vì sự chậm trễ này và hẹn trả lời vào ngày "
            f"{new_deadline.strftime('%d/%m/%Y')}."]


def apologies_of(session: Session, petition: Petition) -> list[PetitionApology]:
    """The petition's apology letters, drafted or issued, oldest first."""
    return list(session.execute(select(PetitionApology).where(PetitionApology.petition_id == petition.id)
                                .order_by(PetitionApology.id)).scalars())

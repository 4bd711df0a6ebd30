"""Retention (issue 14, §2; Decree 30, Art. 30; the Archives Law): a closed file whose retention has ended is
listed for appraisal; destroying it needs the chairman's decision, which is recorded with the list of what it
destroyed, kept forever. Permanent files are never listed.

When retention ends: on the anniversary ``retention_years`` after the file's end date (the date of its latest
document, set when it was closed); the file is listed from that day on.

What "destroyed" means here, and why: the decision marks each file destroyed (never to change again; its list
and counts kept in ``destroyed_files``, the decision in ``destruction_decisions``, both on the audit record) and
withdraws the documents no kept file holds (``documents.destroyed_at``: nobody opens them any more, whatever
their role). Nothing is deleted: the rows, the metadata and the signed PDFs stay. Erasing bytes is
irreversible, the blobs are content-addressed and may be shared with documents the ward still keeps, the audit
chain and evidence packs name them, and an erasure done in the same step as a mistaken decision could not be
undone. The legally safe reading is therefore: the decision and its list are the record of destruction and
access ends with it; the physical erasure of withdrawn documents' PDFs is a separate, deliberate step (not
built yet), never a side effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from docflow import policy
from docflow.errors import N_, InvalidTransitionError, PermissionDeniedError, ValidationError
from docflow.models import (
    DestroyedFile,
    DestructionDecision,
    Document,
    FileDocument,
    FileStatus,
    PlanHeading,
    RecordFile,
    User,
    utc_now,
)
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.people import is_chairman
from docflow.services.records.common import clean_text, get_file
from docflow.services.records.contents import file_rows


@dataclass(frozen=True)
class DueFile:
    record: RecordFile
    due_on: date


@dataclass(frozen=True)
class DecisionInput:
    """The chairman's decision: its number, its date and its reason (what the appraisal found)."""
    number: str
    decided_on: date
    reason: str


def retention_ends(end_date: date, years: int) -> date:
    """The day the retention ends: ``years`` after ``end_date`` (29 February ends on 28 February)."""
    try:
        return end_date.replace(year=end_date.year + years)
    except ValueError:
        return end_date.replace(year=end_date.year + years, day=28)


def due_for_appraisal(session: Session, *, organisation_id: int, today: date) -> list[DueFile]:
    """The ward's closed files whose retention has ended by ``today``, oldest first; permanent files never.
    Reads only."""
    files = session.execute(select(RecordFile).where(
        RecordFile.organisation_id == organisation_id, RecordFile.status == FileStatus.CLOSED,
        RecordFile.retention_years.is_not(None), RecordFile.end_date.is_not(None))
        .options(selectinload(RecordFile.heading).selectinload(PlanHeading.plan))).scalars()
    due = [DueFile(f, retention_ends(f.end_date, f.retention_years)) for f in files
           if f.end_date is not None and f.retention_years is not None]
    return sorted((d for d in due if d.due_on <= today), key=lambda d: (d.due_on, d.record.code))


def appraisal_list(session: Session, *, actor: User, today: date) -> list[DueFile]:
    """The appraisal list for a leader, the clerk or the auditor. Raises PermissionDeniedError. Reads only."""
    if not policy.may_read_appraisal(actor):
        raise PermissionDeniedError(N_("Only leaders, the clerk and auditors read the appraisal list."))
    return due_for_appraisal(session, organisation_id=actor.organisation_id, today=today)


def _checked(actor: User, data: DecisionInput, file_ids: list[int]) -> DecisionInput:
    if not (policy.may_approve_plan(actor) and is_chairman(actor)):
        raise PermissionDeniedError(N_("Only the chairman decides to destroy files."))
    if not file_ids:
        raise ValidationError(N_("Choose the files the decision destroys."), field="file_id")
    return DecisionInput(number=clean_text(data.number, field="number", limit=50), decided_on=data.decided_on,
                         reason=clean_text(data.reason, field="reason", limit=2000))


def destroy_files(session: Session, *, actor: User, data: DecisionInput, file_ids: list[int], tz: tzinfo,
                  now: datetime | None = None) -> DestructionDecision:
    """Record the chairman's decision destroying ``file_ids``, each due for appraisal: the files are locked in
    id order, marked destroyed and listed in the decision as they stood. All or none. Raises
    PermissionDeniedError, ValidationError, NotFoundError, InvalidTransitionError. Flushes."""
    now = now or utc_now()
    data = _checked(actor, data, file_ids)
    today = now.astimezone(tz).date()
    if data.decided_on > today:
        raise ValidationError(N_("The decision's date cannot be in the future."), field="decided_on")
    records = [get_file(session, actor=actor, file_id=i, lock=True) for i in sorted(set(file_ids))]
    due = {d.record.id for d in due_for_appraisal(session, organisation_id=actor.organisation_id, today=today)}
    for record in records:
        if record.id not in due:
            raise InvalidTransitionError(N_("The file %(code)s is not due for appraisal: only closed files whose "
                                            "retention has ended are destroyed."), code=record.code)
    decision = DestructionDecision(organisation_id=actor.organisation_id, decision_number=data.number,
                                   decision_date=data.decided_on, reason=data.reason, decided_by_id=actor.id,
                                   recorded_at=now)
    session.add(decision)
    session.flush()
    for record in records:
        session.add(_listed(session, decision, record, tz))
        record.status, record.destruction_id = FileStatus.DESTROYED, decision.id
    session.flush()
    withdrawn = _withdraw_documents(session, [r.id for r in records], now)
    audit.record(session, action=AuditAction.FILES_DESTROYED, actor=actor, object_type="destruction_decision",
                 object_id=decision.id, now=now,
                 details={"code": data.number, "decided_on": data.decided_on, "reason": data.reason,
                          "files": [{"id": r.id, "code": r.code, "year": r.heading.plan.year} for r in records],
                          "documents_withdrawn": withdrawn})
    return decision


def _withdraw_documents(session: Session, file_ids: list[int], now: datetime) -> list[int]:
    """Withdraw the documents of the destroyed files that no kept file holds (a document referenced from a
    file the ward keeps stays in use). Returns their ids. Flushes."""
    in_destroyed = select(FileDocument.document_id).where(FileDocument.file_id.in_(file_ids))
    kept = select(FileDocument.document_id).join(RecordFile, RecordFile.id == FileDocument.file_id).where(
        RecordFile.status != FileStatus.DESTROYED)
    ids = sorted(session.execute(select(Document.id).where(Document.id.in_(in_destroyed),
                                                           Document.id.not_in(kept))).scalars())
    for document_id in ids:
        document = session.get(Document, document_id)
        if document is not None:
            document.destroyed_at = now
    session.flush()
    return ids


def _listed(session: Session, decision: DestructionDecision, record: RecordFile, tz: tzinfo) -> DestroyedFile:
    rows = file_rows(session, actor=None, record=record, tz=tz, organisation="")
    return DestroyedFile(organisation_id=record.organisation_id, decision_id=decision.id, file_id=record.id,
                         year=record.heading.plan.year, code=record.code, title=record.title,
                         retention_years=record.retention_years or 0, end_date=record.end_date,
                         doc_total=len(rows), page_total=rows[-1].last_page if rows else 0)


def decisions(session: Session, *, actor: User) -> list[DestructionDecision]:
    """Every destruction decision of the ward with its list, newest first. Raises PermissionDeniedError."""
    if not policy.may_read_appraisal(actor):
        raise PermissionDeniedError(N_("Only leaders, the clerk and auditors read the appraisal list."))
    return list(session.execute(select(DestructionDecision).where(
        DestructionDecision.organisation_id == actor.organisation_id)
        .options(selectinload(DestructionDecision.items), selectinload(DestructionDecision.decided_by))
        .order_by(DestructionDecision.recorded_at.desc())).scalars())

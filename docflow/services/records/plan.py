"""The ward's yearly file plan (danh mục hồ sơ, Decree 30, Art. 28; R46): headings by department and subject,
each file entry with its code, title, retention and responsible official; approved by a leader at the start of
the year; started from last year's plan by ``copy_plan``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from docflow import policy
from docflow.errors import N_, ConflictError, InvalidTransitionError, PermissionDeniedError, ValidationError
from docflow.models import FilePlan, FileStatus, PlanHeading, RecordFile, User, utc_now
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.people import active_department, ward_member
from docflow.services.records.common import (
    CODE_MAX,
    TITLE_MAX,
    check_retention,
    check_year,
    clean_text,
    find_plan,
    get_file,
    get_heading,
    get_plan,
    record_file_event,
)


@dataclass(frozen=True)
class EntryInput:
    """A file entry as typed: its code (số và ký hiệu hồ sơ), title, retention (None: permanent) and the
    responsible official (None: not named yet)."""
    code: str
    title: str
    retention_years: int | None
    responsible_id: int | None = None
    rights: str = ""
    note: str = ""


def _plan_event(session: Session, actor: User, plan: FilePlan, now: datetime, **details: object) -> None:
    audit.record(session, action=AuditAction.FILE_PLAN_CHANGED, actor=actor, object_type="file_plan",
                 object_id=plan.id, now=now, details={"code": f"{plan.year}", "year": plan.year, **details})


def ensure_plan(session: Session, *, actor: User, year: int, now: datetime | None = None) -> FilePlan:
    """The ward's plan of ``year``, made empty when there is none. Raises PermissionDeniedError,
    ValidationError. Flushes."""
    if not policy.may_prepare_plan(actor):
        raise PermissionDeniedError(N_("Only the clerk, department heads and leaders prepare the file plan."))
    plan = find_plan(session, organisation_id=actor.organisation_id, year=check_year(year))
    if plan is not None:
        return plan
    now = now or utc_now()
    plan = FilePlan(organisation_id=actor.organisation_id, year=year, created_by_id=actor.id, created_at=now)
    session.add(plan)
    session.flush()
    _plan_event(session, actor, plan, now, change="created")
    return plan


def _department_id(session: Session, actor: User, department_id: int | None) -> int | None:
    if department_id is None:
        return None
    department = active_department(session, actor.organisation_id, department_id)
    if department is None:
        raise ValidationError(N_("Choose an active department of the ward."), field="department_id")
    return department.id


def add_heading(session: Session, *, actor: User, year: int, title: str, department_id: int | None,
                now: datetime | None = None) -> PlanHeading:
    """A heading at the end of the plan of ``year`` (made if needed). Raises PermissionDeniedError,
    ValidationError. Flushes."""
    now = now or utc_now()
    department_id = _department_id(session, actor, department_id)
    if not policy.may_prepare_heading(actor, department_id):
        raise PermissionDeniedError(N_("A department head prepares only his own department's headings."))
    plan = ensure_plan(session, actor=actor, year=year, now=now)
    last = session.execute(select(func.max(PlanHeading.ordinal)).where(PlanHeading.plan_id == plan.id)).scalar()
    heading = PlanHeading(organisation_id=plan.organisation_id, plan_id=plan.id, department_id=department_id,
                          title=clean_text(title, field="title", limit=TITLE_MAX), ordinal=(last or 0) + 1)
    session.add(heading)
    session.flush()
    _plan_event(session, actor, plan, now, change="heading_added", heading=heading.title)
    return heading


def _check_entry(session: Session, actor: User, data: EntryInput) -> EntryInput:
    code = clean_text(data.code, field="code", limit=CODE_MAX)
    responsible = data.responsible_id
    if responsible is not None and ward_member(session, actor.organisation_id, responsible,
                                               roles=policy.FILE_HANDLER_ROLES) is None:
        raise ValidationError(N_("Choose an active official of the ward as the responsible person."),
                              field="responsible_id")
    return EntryInput(code=code, title=clean_text(data.title, field="title", limit=TITLE_MAX),
                      retention_years=check_retention(data.retention_years), responsible_id=responsible,
                      rights=clean_text(data.rights, field="rights", limit=100, required=False),
                      note=clean_text(data.note, field="note", limit=500, required=False))


def _code_taken(session: Session, plan_id: int, code: str, *, other_than: int | None = None) -> bool:
    stmt = select(RecordFile.id).where(RecordFile.plan_id == plan_id, func.upper(RecordFile.code) == code.upper())
    if other_than is not None:
        stmt = stmt.where(RecordFile.id != other_than)
    return session.execute(stmt).first() is not None


def add_file_entry(session: Session, *, actor: User, heading_id: int, data: EntryInput,
                   now: datetime | None = None) -> RecordFile:
    """A file entry under a heading; its code is unique in the year's plan. An approved plan still takes
    entries: files arise during the year. Raises NotFoundError, PermissionDeniedError, ValidationError,
    ConflictError. Flushes."""
    now = now or utc_now()
    heading = get_heading(session, actor=actor, heading_id=heading_id)
    if not policy.may_prepare_heading(actor, heading.department_id):
        raise PermissionDeniedError(N_("A department head prepares only his own department's headings."))
    data = _check_entry(session, actor, data)
    if _code_taken(session, heading.plan_id, data.code):
        raise ConflictError(N_("The file code %(code)s is already in this year's plan."), code=data.code)
    record = RecordFile(organisation_id=heading.organisation_id, plan_id=heading.plan_id, heading=heading,
                        code=data.code, title=data.title, retention_years=data.retention_years,
                        responsible_id=data.responsible_id, rights=data.rights, note=data.note,
                        status=FileStatus.PLANNED)
    session.add(record)
    session.flush()
    record_file_event(session, action=AuditAction.FILE_PLAN_CHANGED, actor=actor, record=record, now=now,
                      change="entry_added", title=record.title, retention_years=record.retention_years)
    return record


def edit_file_entry(session: Session, *, actor: User, file_id: int, data: EntryInput,
                    now: datetime | None = None) -> RecordFile:
    """Change a file's code, title, retention, responsible official, rights or note, while it is planned or
    open (a closed file is read-only). Raises NotFoundError, PermissionDeniedError, ValidationError,
    ConflictError, InvalidTransitionError. Flushes."""
    now = now or utc_now()
    record = get_file(session, actor=actor, file_id=file_id, lock=True)
    if not policy.may_prepare_heading(actor, record.heading.department_id):
        raise PermissionDeniedError(N_("A department head prepares only his own department's headings."))
    if record.status not in (FileStatus.PLANNED, FileStatus.OPEN):
        raise InvalidTransitionError(N_("The file %(code)s is closed and read-only. A leader may reopen it."),
                                     code=record.code)
    data = _check_entry(session, actor, data)
    if _code_taken(session, record.plan_id, data.code, other_than=record.id):
        raise ConflictError(N_("The file code %(code)s is already in this year's plan."), code=data.code)
    before = {"code": record.code, "title": record.title, "retention_years": record.retention_years,
              "responsible_id": record.responsible_id}
    record.code, record.title, record.retention_years = data.code, data.title, data.retention_years
    record.responsible_id, record.rights, record.note = data.responsible_id, data.rights, data.note
    session.flush()
    record_file_event(session, action=AuditAction.FILE_PLAN_CHANGED, actor=actor, record=record, now=now,
                      change="entry_edited", before=before, retention_years=record.retention_years)
    return record


def approve_plan(session: Session, *, actor: User, year: int, now: datetime | None = None) -> FilePlan:
    """A leader approves the plan of ``year`` (R46: the head of the body, at the start of the year). Raises
    PermissionDeniedError, NotFoundError, InvalidTransitionError, ConflictError. Flushes."""
    if not policy.may_approve_plan(actor):
        raise PermissionDeniedError(N_("Only the chairman or a vice-chairman approves the file plan."))
    now = now or utc_now()
    plan = session.execute(select(FilePlan).where(FilePlan.id == get_plan(session, actor=actor, year=year).id)
                           .with_for_update().execution_options(populate_existing=True)).scalar_one()
    if plan.is_approved:
        raise ConflictError(N_("The file plan of %(year)s is approved already."), year=year)
    if session.execute(select(RecordFile.id).where(RecordFile.plan_id == plan.id)).first() is None:
        raise InvalidTransitionError(N_("The file plan of %(year)s has no files yet."), year=year)
    plan.approved_by_id, plan.approved_at = actor.id, now
    session.flush()
    audit.record(session, action=AuditAction.FILE_PLAN_APPROVED, actor=actor, object_type="file_plan",
                 object_id=plan.id, now=now, details={"code": f"{year}", "year": year})
    return plan


def copy_plan(session: Session, *, actor: User, from_year: int, to_year: int,
              now: datetime | None = None) -> FilePlan:
    """Start the plan of ``to_year`` from the plan of ``from_year``: its headings and file entries (codes,
    titles, retention, the responsible officials still active), every file planned, no documents. Refused when
    the new year's plan has headings already. Raises PermissionDeniedError, NotFoundError, ValidationError,
    ConflictError. Flushes."""
    now = now or utc_now()
    if check_year(from_year) == check_year(to_year):
        raise ValidationError(N_("Copy a plan to another year."), field="to_year")
    if not policy.may_prepare_heading(actor, None):
        raise PermissionDeniedError(N_("Only the clerk or a leader copies the whole file plan."))
    source = get_plan(session, actor=actor, year=from_year)
    target = ensure_plan(session, actor=actor, year=to_year, now=now)
    if session.execute(select(PlanHeading.id).where(PlanHeading.plan_id == target.id)).first() is not None:
        raise ConflictError(N_("The file plan of %(year)s has headings already."), year=to_year)
    headings = session.execute(select(PlanHeading).where(PlanHeading.plan_id == source.id)
                               .options(selectinload(PlanHeading.files).selectinload(RecordFile.responsible))
                               .order_by(PlanHeading.ordinal)).scalars().all()
    files = 0
    for heading in headings:
        copied = PlanHeading(organisation_id=target.organisation_id, plan_id=target.id,
                             department_id=heading.department_id, title=heading.title, ordinal=heading.ordinal)
        session.add(copied)
        for entry in heading.files:
            session.add(_copied_entry(entry, copied, target))
            files += 1
    session.flush()
    audit.record(session, action=AuditAction.FILE_PLAN_COPIED, actor=actor, object_type="file_plan",
                 object_id=target.id, now=now, details={"code": f"{to_year}", "year": to_year,
                                                        "from_year": from_year, "headings": len(headings),
                                                        "files": files})
    return target


def _copied_entry(entry: RecordFile, heading: PlanHeading, plan: FilePlan) -> RecordFile:
    responsible = entry.responsible
    keep = responsible is not None and responsible.is_active and responsible.role in policy.FILE_HANDLER_ROLES
    return RecordFile(organisation_id=plan.organisation_id, plan_id=plan.id, heading=heading, code=entry.code,
                      title=entry.title, retention_years=entry.retention_years,
                      responsible_id=entry.responsible_id if keep else None, rights=entry.rights,
                      language=entry.language, status=FileStatus.PLANNED)

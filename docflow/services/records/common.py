"""What the records services share: reading a plan, a heading or a file of the actor's ward (another ward's id
is not found), locking a file row, the checks of what people type, and the audit row of a file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.errors import N_, InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import FilePlan, FileStatus, PlanHeading, RecordFile, User
from docflow.services import audit
from docflow.services.audit import AuditAction

CODE_MAX, TITLE_MAX, RETENTION_MAX = 20, 500, 100
YEAR_MIN, YEAR_MAX = 1900, 9999
PERMANENT_VI = "Vĩnh viễn"


def require_reader(actor: User) -> None:
    """Raises PermissionDeniedError unless ``actor`` reads the ward's records."""
    if not policy.may_read_records(actor):
        raise PermissionDeniedError(N_("You may not read the ward's records."))


def check_year(year: int) -> int:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(N_("Give a year between 1900 and 9999."), field="year")
    return year


def find_plan(session: Session, *, organisation_id: int, year: int) -> FilePlan | None:
    return session.execute(select(FilePlan).where(FilePlan.organisation_id == organisation_id,
                                                  FilePlan.year == year)).scalar_one_or_none()


def get_plan(session: Session, *, actor: User, year: int) -> FilePlan:
    """The ward's plan of ``year``. Raises NotFoundError."""
    plan = find_plan(session, organisation_id=actor.organisation_id, year=year)
    if plan is None:
        raise NotFoundError(N_("There is no file plan for %(year)s."), year=year)
    return plan


def get_heading(session: Session, *, actor: User, heading_id: int) -> PlanHeading:
    heading = session.get(PlanHeading, heading_id)
    if heading is None or heading.organisation_id != actor.organisation_id:
        raise NotFoundError(N_("No such heading in the file plan."))
    return heading


def get_file(session: Session, *, actor: User, file_id: int, lock: bool = False) -> RecordFile:
    """A file of the actor's ward; ``lock`` takes its row lock (SELECT … FOR UPDATE) and reloads it, so two
    people adding, closing or reopening at once queue up and each sees the other's outcome. Raises
    NotFoundError."""
    stmt = select(RecordFile).where(RecordFile.id == file_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    record = session.execute(stmt).scalar_one_or_none()
    if record is None or record.organisation_id != actor.organisation_id:
        raise NotFoundError(N_("No such file."))
    return record


def require_keeper(actor: User, record: RecordFile) -> None:
    """Raises PermissionDeniedError unless ``actor`` keeps ``record`` (policy.may_keep_file)."""
    if not policy.may_keep_file(actor, department_id=record.heading.department_id,
                                responsible_id=record.responsible_id):
        raise PermissionDeniedError(N_("Only the file's responsible official, the head of its department, the "
                                       "clerk or a leader may change this file."))


def require_open(record: RecordFile) -> None:
    """A closed file is read-only (R46): every change is refused with the reason."""
    if record.status is FileStatus.OPEN:
        return
    if record.status is FileStatus.PLANNED:
        raise InvalidTransitionError(N_("The file %(code)s has not been opened yet."), code=record.code)
    if record.status is FileStatus.DESTROYED:
        raise InvalidTransitionError(N_("The file %(code)s was destroyed by decision; it cannot change."),
                                     code=record.code)
    raise InvalidTransitionError(N_("The file %(code)s is closed and read-only. A leader may reopen it."),
                                 code=record.code)


def clean_text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    """``value`` with its spaces tidied; refused when empty (if ``required``) or longer than ``limit``."""
    text = " ".join((value or "").split())
    if required and not text:
        raise ValidationError(N_("This field is required."), field=field)
    if len(text) > limit:
        raise ValidationError(N_("At most %(limit)s characters."), field=field, limit=limit)
    return text


def check_retention(years: int | None) -> int | None:
    """Retention in whole years (1–100), or None for permanent (Vĩnh viễn)."""
    if years is not None and not 1 <= years <= RETENTION_MAX:
        raise ValidationError(N_("Retention is 1 to 100 years, or permanent."), field="retention_years")
    return years


def retention_label(years: int | None) -> str:
    """The retention as the plan prints it: "Vĩnh viễn" or "10 năm"."""
    return PERMANENT_VI if years is None else f"{years} năm"


def record_file_event(session: Session, *, action: AuditAction, actor: User | None, record: RecordFile,
                      now: datetime, **details: Any) -> None:
    """One audit row about a file, named by its code and year. Flushes."""
    audit.record(session, action=action, actor=actor, object_type="record_file", object_id=record.id, now=now,
                 details={"code": record.code, "plan_id": record.plan_id, **details})

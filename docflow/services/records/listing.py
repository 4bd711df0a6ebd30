"""The file plan of a year as a page and the command line read it: headings in order, each with its files
(code, title, retention, responsible official, status, how many documents)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from docflow import policy
from docflow.models import FileDocument, FilePlan, Organisation, PlanHeading, RecordFile, User
from docflow.services.records.common import check_year, find_plan, require_reader, retention_label
from docflow.services.records.contents import STATUS_VI


@dataclass(frozen=True)
class PlanFile:
    record: RecordFile
    documents: int


@dataclass(frozen=True)
class PlanSection:
    heading: PlanHeading
    files: list[PlanFile] = field(default_factory=list)


@dataclass(frozen=True)
class PlanView:
    year: int
    plan: FilePlan | None
    sections: list[PlanSection]

    @property
    def file_count(self) -> int:
        return sum(len(s.files) for s in self.sections)


def plan_view(session: Session, *, actor: User | None, organisation_id: int, year: int) -> PlanView:
    """The plan of ``year`` for a reader of the records (``actor`` None: the system). Raises
    PermissionDeniedError, ValidationError. Reads only."""
    if actor is not None:
        require_reader(actor)
    plan = find_plan(session, organisation_id=organisation_id, year=check_year(year))
    if plan is None:
        return PlanView(year, None, [])
    headings = session.execute(select(PlanHeading).where(PlanHeading.plan_id == plan.id).options(
        selectinload(PlanHeading.department),
        selectinload(PlanHeading.files).selectinload(RecordFile.responsible))
        .order_by(PlanHeading.ordinal, PlanHeading.id)).scalars().all()
    counts = {file_id: n for file_id, n in session.execute(select(FileDocument.file_id, func.count()).join(
        RecordFile, RecordFile.id == FileDocument.file_id).where(RecordFile.plan_id == plan.id)
        .group_by(FileDocument.file_id))}
    sections = [PlanSection(h, [PlanFile(f, counts.get(f.id, 0)) for f in h.files]) for h in headings]
    return PlanView(year, plan, sections)


def plan_json(view: PlanView, organisation: Organisation) -> dict[str, Any]:
    """The plan as the command line prints it with --json."""
    plan = view.plan
    return {"organisation": organisation.name, "year": view.year, "exists": plan is not None,
            "approved_at": plan.approved_at.isoformat() if plan and plan.approved_at else None,
            "approved_by": plan.approved_by.full_name if plan and plan.approved_by else None,
            "headings": [{"title": s.heading.title,
                          "department": s.heading.department.code if s.heading.department else None,
                          "files": [_file_json(f) for f in s.files]} for s in view.sections]}


def _file_json(item: PlanFile) -> dict[str, Any]:
    record = item.record
    return {"id": record.id, "code": record.code, "title": record.title, "retention_years": record.retention_years,
            "retention": retention_label(record.retention_years), "status": record.status.value,
            "status_vi": STATUS_VI[record.status],
            "responsible": record.responsible.username if record.responsible else None,
            "documents": item.documents}


def handler_choices(session: Session, *, actor: User) -> list[User]:
    """The active officials of the ward who may be named a file's responsible person, by name."""
    return list(session.execute(select(User).where(User.organisation_id == actor.organisation_id,
                                                   User.is_active.is_(True),
                                                   User.role.in_(policy.FILE_HANDLER_ROLES))
                                .order_by(User.full_name)).scalars())

"""A ward's plan with one heading and files for the records tests."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from docflow.models import Department, Organisation, RecordFile, Role, User
from docflow.services import records

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def planned_file(session: Session, *, actor: User, year: int = 2026, code: str = "01.VP",
                 department: Department | None = None, retention: int | None = 10,
                 responsible: User | None = None, title: str = "Hồ sơ tiếp công dân") -> RecordFile:
    """A file entry under a fresh heading of ``year``'s plan, made by ``actor`` (a preparer)."""
    heading = records.add_heading(session, actor=actor, year=year, title="Công tác văn phòng",
                                  department_id=department.id if department else None, now=NOW)
    return records.add_file_entry(session, actor=actor, heading_id=heading.id, now=NOW, data=records.EntryInput(
        code=code, title=title, retention_years=retention, responsible_id=responsible.id if responsible else None))


def open_file(session: Session, *, actor: User, **kwargs: object) -> RecordFile:
    record = planned_file(session, actor=actor, **kwargs)  # type: ignore[arg-type]
    return records.open_file(session, actor=actor, file_id=record.id, now=NOW)


def other_ward_clerk(session: Session) -> User:
    """The clerk of another ward (organisation), whose ids must never reach this ward's services."""
    organisation = Organisation(name="UBND phường Khác", code="KHAC")
    session.add(organisation)
    session.flush()
    clerk = User(organisation=organisation, username="vanthu.khac", full_name="Văn thư khác", role=Role.CLERK,
                 password_hash="x")
    session.add(clerk)
    session.flush()
    return clerk

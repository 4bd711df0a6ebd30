"""The demo ward's file plan for this year (hồ sơ, R46): two headings and three files prepared by the clerk and
approved by the chairman; the office's file opened with the demo's issued documents in it."""

from __future__ import annotations

from datetime import tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.models import Department, Document, DocumentStatus, User, utc_now
from docflow.services import records

# (heading, department code or None, [(code, title, retention years or None: permanent, responsible)])
PLAN = (
    ("Công tác văn phòng, tổng hợp", None, [
        ("01.VP", "Danh mục hồ sơ, kế hoạch công tác năm của UBND phường", None, "vanthu"),
        ("02.VP", "Văn bản chỉ đạo, điều hành của UBND phường", 10, "chuyenvien.vp")]),
    ("Địa chính – Xây dựng", "ĐC", [
        ("01.ĐC", "Hồ sơ quản lý trật tự xây dựng trên địa bàn phường", 20, "chuyenvien.dc")]),
)


def seed_demo_records(session: Session, *, users: dict[str, User], tz: tzinfo) -> int:
    """This year's approved plan, once; the office's file opened with the issued demo documents. Returns how
    many files the plan has (0 when a plan existed). Flushes."""
    clerk, year = users["vanthu"], utc_now().astimezone(tz).year
    if records.plan_view(session, actor=None, organisation_id=clerk.organisation_id, year=year).plan is not None:
        return 0
    departments = {d.code: d.id for d in session.execute(
        select(Department).where(Department.organisation_id == clerk.organisation_id)).scalars()}
    files = []
    for title, code, entries in PLAN:
        heading = records.add_heading(session, actor=clerk, year=year, title=title,
                                      department_id=departments.get(code) if code else None)
        for file_code, file_title, years, responsible in entries:
            files.append(records.add_file_entry(session, actor=clerk, heading_id=heading.id, data=records.EntryInput(
                code=file_code, title=file_title, retention_years=years, responsible_id=users[responsible].id)))
    records.approve_plan(session, actor=users["chutich"], year=year)
    office = records.open_file(session, actor=clerk, file_id=files[1].id)
    issued = session.execute(select(Document.id).where(Document.organisation_id == clerk.organisation_id,
                                                       Document.status == DocumentStatus.ISSUED)
                             .order_by(Document.id)).scalars()
    for document_id in issued:
        records.add_document(session, actor=clerk, file_id=office.id, document_id=document_id)
    return len(files)

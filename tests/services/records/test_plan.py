"""The yearly file plan (R46): headings and file entries, approval by a leader, copying last year's plan."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from docflow.errors import ConflictError, InvalidTransitionError, PermissionDeniedError, ValidationError
from docflow.models import AuditEvent, FileStatus, Role
from docflow.services import records
from docflow.services.audit import AuditAction
from tests.services.records.helpers import NOW, planned_file


def _actions(db_session):
    return [e.action for e in db_session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()]


def test_R46_the_clerk_prepares_the_plan_and_the_chairman_approves_it(db_session, make_user):
    clerk, chairman = make_user(Role.CLERK), make_user(Role.LEADER)
    record = planned_file(db_session, actor=clerk, retention=None)
    assert record.status is FileStatus.PLANNED and record.is_permanent

    plan = records.approve_plan(db_session, actor=chairman, year=2026, now=NOW)

    assert plan.approved_by_id == chairman.id and plan.approved_at == NOW
    assert AuditAction.FILE_PLAN_APPROVED.value in _actions(db_session)
    with pytest.raises(ConflictError):
        records.approve_plan(db_session, actor=chairman, year=2026, now=NOW)


def test_R46_only_a_leader_approves_and_never_an_empty_plan(db_session, make_user):
    clerk, leader = make_user(Role.CLERK), make_user(Role.LEADER)
    records.add_heading(db_session, actor=clerk, year=2026, title="Trống", department_id=None, now=NOW)
    with pytest.raises(InvalidTransitionError):
        records.approve_plan(db_session, actor=leader, year=2026, now=NOW)
    planned_file(db_session, actor=clerk)
    for role in (Role.CLERK, Role.HEAD, Role.OFFICIAL, Role.ADMIN, Role.AUDITOR):
        with pytest.raises(PermissionDeniedError):
            records.approve_plan(db_session, actor=make_user(role), year=2026, now=NOW)


def test_an_approved_plan_still_takes_files_that_arise_during_the_year(db_session, make_user):
    clerk, leader = make_user(Role.CLERK), make_user(Role.LEADER)
    first = planned_file(db_session, actor=clerk)
    records.approve_plan(db_session, actor=leader, year=2026, now=NOW)
    added = records.add_file_entry(db_session, actor=clerk, heading_id=first.heading_id, now=NOW,
                                   data=records.EntryInput(code="02.VP", title="Hồ sơ mới", retention_years=5))
    assert added.plan_id == first.plan_id


def test_a_file_code_is_unique_in_the_years_plan_whatever_its_case(db_session, make_user):
    clerk = make_user(Role.CLERK)
    first = planned_file(db_session, actor=clerk, code="01.vp")
    with pytest.raises(ConflictError):
        records.add_file_entry(db_session, actor=clerk, heading_id=first.heading_id, now=NOW,
                               data=records.EntryInput(code="01.VP", title="Trùng", retention_years=5))


@pytest.mark.parametrize(("code", "title", "years"), [("", "Tiêu đề", 5), ("x" * 21, "Tiêu đề", 5),
                                                      ("01", "", 5), ("01", "t" * 501, 5), ("01", "T", 0),
                                                      ("01", "T", 101)])
def test_a_file_entry_is_checked_with_a_clear_message(db_session, make_user, code, title, years):
    clerk = make_user(Role.CLERK)
    heading = records.add_heading(db_session, actor=clerk, year=2026, title="Mục", department_id=None, now=NOW)
    with pytest.raises(ValidationError):
        records.add_file_entry(db_session, actor=clerk, heading_id=heading.id, now=NOW,
                               data=records.EntryInput(code=code, title=title, retention_years=years))


def test_a_head_prepares_only_his_own_departments_headings(db_session, make_user, make_department):
    own, other = make_department(), make_department()
    head = make_user(Role.HEAD, department=own)
    heading = records.add_heading(db_session, actor=head, year=2026, title="Mục của bộ phận", department_id=own.id,
                                  now=NOW)
    assert heading.department_id == own.id
    with pytest.raises(PermissionDeniedError):
        records.add_heading(db_session, actor=head, year=2026, title="Mục khác", department_id=other.id, now=NOW)
    with pytest.raises(PermissionDeniedError):
        records.add_heading(db_session, actor=head, year=2026, title="Mục chung", department_id=None, now=NOW)


def test_copy_plan_copies_headings_and_entries_but_no_documents(db_session, make_user, make_document):
    clerk, official = make_user(Role.CLERK), make_user(Role.OFFICIAL)
    record = planned_file(db_session, actor=clerk, year=2025, responsible=official)
    records.open_file(db_session, actor=clerk, file_id=record.id, now=NOW)
    records.add_document(db_session, actor=clerk, file_id=record.id, document_id=make_document(clerk).id, now=NOW)

    plan = records.copy_plan(db_session, actor=clerk, from_year=2025, to_year=2026, now=NOW)

    view = records.plan_view(db_session, actor=clerk, organisation_id=clerk.organisation_id, year=2026)
    assert view.plan is not None and view.plan.id == plan.id and not plan.is_approved
    [section] = view.sections
    [copied] = section.files
    assert (copied.record.code, copied.record.title, copied.record.retention_years) == ("01.VP", record.title, 10)
    assert copied.record.status is FileStatus.PLANNED and copied.record.responsible_id == official.id
    assert copied.documents == 0
    with pytest.raises(ConflictError):
        records.copy_plan(db_session, actor=clerk, from_year=2025, to_year=2026, now=NOW)


def test_copy_plan_leaves_out_a_responsible_official_no_longer_active(db_session, make_user):
    clerk, gone = make_user(Role.CLERK), make_user(Role.OFFICIAL)
    planned_file(db_session, actor=clerk, year=2025, responsible=gone)
    gone.is_active = False
    records.copy_plan(db_session, actor=clerk, from_year=2025, to_year=2026, now=NOW)
    view = records.plan_view(db_session, actor=clerk, organisation_id=clerk.organisation_id, year=2026)
    assert view.sections[0].files[0].record.responsible_id is None


def test_plan_json_lists_headings_and_files(db_session, make_user):
    clerk = make_user(Role.CLERK)
    planned_file(db_session, actor=clerk, retention=None)
    view = records.plan_view(db_session, actor=None, organisation_id=clerk.organisation_id, year=2026)
    data = records.plan_json(view, clerk.organisation)
    assert data["headings"][0]["files"][0]["retention"] == "Vĩnh viễn"
    assert data["headings"][0]["files"][0]["status"] == "planned"

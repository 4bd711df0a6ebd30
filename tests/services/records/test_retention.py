"""Retention (issue 14, §2): closed files whose retention has ended are listed for appraisal, permanent files
never; destruction needs the chairman's decision, keeps the list, and deletes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from docflow.errors import InvalidTransitionError, PermissionDeniedError, ValidationError
from docflow.models import AuditEvent, Document, FileDocument, FileStatus, Role
from docflow.services import records
from docflow.services.audit import AuditAction
from tests.services.records.helpers import NOW, open_file

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LATER = datetime(2037, 6, 1, 3, 0, tzinfo=UTC)


def _closed(db_session, clerk, make_document, *, code, retention, day=date(2026, 3, 1)):
    record = open_file(db_session, actor=clerk, code=code, retention=retention)
    document = make_document(clerk, document_date=day)
    records.add_document(db_session, actor=clerk, file_id=record.id, document_id=document.id, now=NOW)
    return records.close_file(db_session, actor=clerk, file_id=record.id, tz=TZ, now=NOW)


def _chairman(make_user):
    chairman = make_user(Role.LEADER)
    chairman.post = "Chủ tịch"
    return chairman


def test_retention_ends_on_the_anniversary_of_the_end_date():
    assert records.retention_ends(date(2026, 3, 1), 10) == date(2036, 3, 1)
    assert records.retention_ends(date(2028, 2, 29), 5) == date(2033, 2, 28)


def test_closed_files_past_their_retention_are_listed_and_permanent_ones_never(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    due = _closed(db_session, clerk, make_document, code="01", retention=10)
    _closed(db_session, clerk, make_document, code="02", retention=None)
    _closed(db_session, clerk, make_document, code="03", retention=20)
    open_file(db_session, actor=clerk, code="04", retention=1)

    listed = records.appraisal_list(db_session, actor=clerk, today=date(2037, 1, 1))

    assert [d.record.id for d in listed] == [due.id] and listed[0].due_on == date(2036, 3, 1)
    assert records.appraisal_list(db_session, actor=clerk, today=date(2036, 2, 29)) == []


def test_destruction_needs_the_chairmans_decision_and_keeps_the_list(db_session, make_user, make_document):
    clerk, chairman = make_user(Role.CLERK), _chairman(make_user)
    record = _closed(db_session, clerk, make_document, code="01", retention=10)
    [kept] = db_session.execute(select(FileDocument.document_id)).scalars().all()
    data = records.DecisionInput(number="12/QĐ-UBND", decided_on=date(2037, 5, 30),
                                 reason="Hội đồng xác định giá trị tài liệu đề nghị hủy")

    decision = records.destroy_files(db_session, actor=chairman, data=data, file_ids=[record.id], tz=TZ, now=LATER)

    assert record.status is FileStatus.DESTROYED and record.destruction_id == decision.id
    [item] = decision.items
    assert (item.code, item.year, item.retention_years, item.doc_total) == ("01", 2026, 10, 1)
    assert db_session.get(Document, kept) is not None, "nothing is deleted"
    assert db_session.execute(select(FileDocument)).scalars().all(), "the file's list of documents is kept"
    [event] = db_session.execute(select(AuditEvent).where(
        AuditEvent.action == AuditAction.FILES_DESTROYED.value)).scalars()
    assert event.details["code"] == "12/QĐ-UBND" and event.details["files"][0]["code"] == "01"
    assert records.appraisal_list(db_session, actor=clerk, today=date(2037, 6, 1)) == []
    assert [d.id for d in records.decisions(db_session, actor=clerk)] == [decision.id]


def test_only_the_chairman_decides_and_only_files_due(db_session, make_user, make_document):
    clerk, chairman = make_user(Role.CLERK), _chairman(make_user)
    vice = make_user(Role.LEADER)
    vice.post = "Phó Chủ tịch"
    due = _closed(db_session, clerk, make_document, code="01", retention=10)
    permanent = _closed(db_session, clerk, make_document, code="02", retention=None)
    data = records.DecisionInput(number="12/QĐ-UBND", decided_on=date(2037, 5, 30), reason="Hết thời hạn")
    for actor in (vice, clerk, make_user(Role.ADMIN), make_user(Role.AUDITOR)):
        with pytest.raises(PermissionDeniedError):
            records.destroy_files(db_session, actor=actor, data=data, file_ids=[due.id], tz=TZ, now=LATER)
    with pytest.raises(InvalidTransitionError):
        records.destroy_files(db_session, actor=chairman, data=data, file_ids=[due.id, permanent.id], tz=TZ,
                              now=LATER)
    assert due.status is FileStatus.CLOSED, "all or none"
    with pytest.raises(ValidationError):
        records.destroy_files(db_session, actor=chairman, data=data, file_ids=[], tz=TZ, now=LATER)
    future = records.DecisionInput(number="1", decided_on=date(2037, 6, 2), reason="x")
    with pytest.raises(ValidationError):
        records.destroy_files(db_session, actor=chairman, data=future, file_ids=[due.id], tz=TZ, now=LATER)


def test_a_destroyed_file_never_changes_again(db_session, make_user, make_document):
    clerk, chairman = make_user(Role.CLERK), _chairman(make_user)
    leader = make_user(Role.LEADER)
    record = _closed(db_session, clerk, make_document, code="01", retention=10)
    records.destroy_files(db_session, actor=chairman, file_ids=[record.id], tz=TZ, now=LATER,
                          data=records.DecisionInput(number="12", decided_on=date(2037, 5, 30), reason="Hết hạn"))
    with pytest.raises(InvalidTransitionError):
        records.reopen_file(db_session, actor=leader, file_id=record.id, reason="Mở lại", now=LATER)
    with pytest.raises(InvalidTransitionError, match="destroyed"):
        records.add_document(db_session, actor=clerk, file_id=record.id, document_id=make_document(clerk).id,
                             now=LATER)


def test_destruction_withdraws_the_documents_no_kept_file_holds(db_session, make_user, make_document):
    from docflow import policy
    clerk, chairman = make_user(Role.CLERK), _chairman(make_user)
    record = _closed(db_session, clerk, make_document, code="01", retention=10)
    [only_here] = db_session.execute(select(FileDocument.document_id)).scalars().all()
    shared = make_document(clerk)
    records.reopen_file(db_session, actor=chairman, file_id=record.id, reason="Bổ sung", now=NOW)
    records.add_document(db_session, actor=clerk, file_id=record.id, document_id=shared.id, now=NOW)
    records.close_file(db_session, actor=clerk, file_id=record.id, tz=TZ, now=NOW)
    kept = open_file(db_session, actor=clerk, code="02", retention=None)
    records.add_document(db_session, actor=clerk, file_id=kept.id, document_id=shared.id, now=NOW)

    records.destroy_files(db_session, actor=chairman, file_ids=[record.id], tz=TZ, now=LATER,
                          data=records.DecisionInput(number="12", decided_on=date(2037, 5, 30), reason="Hết hạn"))

    withdrawn, still = db_session.get(Document, only_here), db_session.get(Document, shared.id)
    assert withdrawn.destroyed_at == LATER and still.destroyed_at is None
    assert not policy.can_view(chairman, withdrawn) and policy.can_view(chairman, still)
    visible = set(db_session.execute(select(Document.id).where(policy.visible_filter(chairman))).scalars())
    assert only_here not in visible and shared.id in visible
    _, rows = records.file_page(db_session, actor=chairman, file_id=record.id, tz=TZ)
    assert [r.visible for r in rows if r.entry.document_id == only_here] == [False]

"""Keeping a file (R46, R48): open, add documents of every kind (home or reference), remove, close (then
read-only), reopen by a leader only, every step on the audit record."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from docflow.errors import ConflictError, InvalidTransitionError, NotFoundError, PermissionDeniedError, \
    ValidationError
from docflow.models import AuditEvent, DocumentKind, FileDocument, FileStatus, Role
from docflow.services import records
from docflow.services.audit import AuditAction
from tests.conftest import pdf_bytes
from tests.services.records.helpers import NOW, open_file, planned_file

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _events(db_session, action):
    return list(db_session.execute(select(AuditEvent).where(AuditEvent.action == action.value)).scalars())


def test_R46_the_responsible_official_opens_fills_and_closes_his_file(db_session, make_user, make_document):
    clerk, official = make_user(Role.CLERK), make_user(Role.OFFICIAL)
    record = planned_file(db_session, actor=clerk, responsible=official)
    records.open_file(db_session, actor=official, file_id=record.id, now=NOW)
    kinds = (DocumentKind.INCOMING, DocumentKind.OUTGOING, DocumentKind.INTERNAL)
    documents = [make_document(official, kind=kind, document_date=date(2026, 1, 10 - n))
                 for n, kind in enumerate(kinds)]
    for document in documents:
        records.add_document(db_session, actor=official, file_id=record.id, document_id=document.id, now=NOW)

    records.close_file(db_session, actor=official, file_id=record.id, tz=TZ, now=NOW)

    assert record.status is FileStatus.CLOSED and record.closed_by_id == official.id
    assert (record.start_date, record.end_date) == (date(2026, 1, 8), date(2026, 1, 10))
    assert len(_events(db_session, AuditAction.FILE_DOCUMENT_ADDED)) == 3
    assert _events(db_session, AuditAction.FILE_CLOSED)[0].details["documents"] == 3


def test_R48_the_file_lists_its_documents_in_chronological_order(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    record = open_file(db_session, actor=clerk)
    later = make_document(clerk, document_date=date(2026, 2, 1), content=pdf_bytes("a", pages=3))
    earlier = make_document(clerk, document_date=date(2026, 1, 5), content=pdf_bytes("b", pages=2))
    for document in (later, earlier):
        records.add_document(db_session, actor=clerk, file_id=record.id, document_id=document.id, now=NOW)

    _, rows = records.file_page(db_session, actor=clerk, file_id=record.id, tz=TZ)

    assert [r.entry.document_id for r in rows] == [earlier.id, later.id]
    assert [r.cells[0] for r in rows] == ["1", "2"]
    assert [r.cells[5] for r in rows] == ["1–2", "3–5"]


def test_R48_one_document_has_one_home_file_and_is_referenced_from_others(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    first, second = open_file(db_session, actor=clerk, code="01"), open_file(db_session, actor=clerk, code="02")
    document = make_document(clerk)
    home = records.add_document(db_session, actor=clerk, file_id=first.id, document_id=document.id, now=NOW)
    reference = records.add_document(db_session, actor=clerk, file_id=second.id, document_id=document.id, now=NOW)
    assert home.is_home and not reference.is_home
    with pytest.raises(ConflictError):
        records.add_document(db_session, actor=clerk, file_id=second.id, document_id=document.id, now=NOW)

    records.make_home(db_session, actor=clerk, file_id=second.id, document_id=document.id, now=NOW)

    db_session.refresh(home)
    assert (home.is_home, reference.is_home) == (False, True)
    assert records.home_of(db_session, document.id).file_id == second.id


def test_R48_asking_for_a_second_home_is_refused_with_the_first_named(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    first, second = open_file(db_session, actor=clerk, code="01"), open_file(db_session, actor=clerk, code="02")
    document = make_document(clerk)
    records.add_document(db_session, actor=clerk, file_id=first.id, document_id=document.id, home=True, now=NOW)
    with pytest.raises(ConflictError) as refused:
        records.add_document(db_session, actor=clerk, file_id=second.id, document_id=document.id, home=True, now=NOW)
    assert refused.value.params["code"] == "01"


def test_the_database_holds_one_home_per_document(db_session, make_user, make_document):
    from sqlalchemy.exc import IntegrityError
    clerk = make_user(Role.CLERK)
    first, second = open_file(db_session, actor=clerk, code="01"), open_file(db_session, actor=clerk, code="02")
    document = make_document(clerk)
    records.add_document(db_session, actor=clerk, file_id=first.id, document_id=document.id, now=NOW)
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(FileDocument(organisation_id=clerk.organisation_id, file_id=second.id,
                                    document_id=document.id, is_home=True, ordinal=1, added_by_id=clerk.id))
        db_session.flush()


def test_a_closed_file_refuses_every_change(db_session, make_user, make_document):
    clerk, leader = make_user(Role.CLERK), make_user(Role.LEADER)
    record = open_file(db_session, actor=clerk)
    kept, other = make_document(clerk), make_document(clerk)
    records.add_document(db_session, actor=clerk, file_id=record.id, document_id=kept.id, now=NOW)
    records.close_file(db_session, actor=clerk, file_id=record.id, tz=TZ, now=NOW)

    for actor in (clerk, leader):
        with pytest.raises(InvalidTransitionError, match="closed and read-only"):
            records.add_document(db_session, actor=actor, file_id=record.id, document_id=other.id, now=NOW)
        with pytest.raises(InvalidTransitionError):
            records.remove_document(db_session, actor=actor, file_id=record.id, document_id=kept.id, now=NOW)
        with pytest.raises(InvalidTransitionError):
            records.close_file(db_session, actor=actor, file_id=record.id, tz=TZ, now=NOW)
        with pytest.raises(InvalidTransitionError):
            records.edit_file_entry(db_session, actor=actor, file_id=record.id, now=NOW,
                                    data=records.EntryInput(code="01", title="Đổi", retention_years=5))
    assert [e.document_id for e in db_session.execute(select(FileDocument)).scalars()] == [kept.id]


def test_only_a_leader_reopens_a_closed_file_with_a_reason_on_the_record(db_session, make_user, make_document):
    clerk, leader = make_user(Role.CLERK), make_user(Role.LEADER)
    record = open_file(db_session, actor=clerk)
    records.add_document(db_session, actor=clerk, file_id=record.id, document_id=make_document(clerk).id, now=NOW)
    records.close_file(db_session, actor=clerk, file_id=record.id, tz=TZ, now=NOW)
    with pytest.raises(PermissionDeniedError):
        records.reopen_file(db_session, actor=clerk, file_id=record.id, reason="Bổ sung", now=NOW)
    with pytest.raises(ValidationError):
        records.reopen_file(db_session, actor=leader, file_id=record.id, reason="  ", now=NOW)

    records.reopen_file(db_session, actor=leader, file_id=record.id, reason="Bổ sung văn bản còn thiếu", now=NOW)

    assert record.status is FileStatus.OPEN
    [event] = _events(db_session, AuditAction.FILE_REOPENED)
    assert event.details["reason"] == "Bổ sung văn bản còn thiếu" and event.actor_id == leader.id


def test_an_empty_file_is_not_closed_and_a_planned_file_takes_no_documents(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    record = planned_file(db_session, actor=clerk)
    with pytest.raises(InvalidTransitionError, match="not been opened"):
        records.add_document(db_session, actor=clerk, file_id=record.id, document_id=make_document(clerk).id,
                             now=NOW)
    records.open_file(db_session, actor=clerk, file_id=record.id, now=NOW)
    with pytest.raises(InvalidTransitionError, match="no documents"):
        records.close_file(db_session, actor=clerk, file_id=record.id, tz=TZ, now=NOW)


def test_removing_a_document_takes_only_the_link_out_on_the_record(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    record = open_file(db_session, actor=clerk)
    document = make_document(clerk)
    records.add_document(db_session, actor=clerk, file_id=record.id, document_id=document.id, now=NOW)
    records.remove_document(db_session, actor=clerk, file_id=record.id, document_id=document.id, now=NOW)
    assert db_session.execute(select(FileDocument)).first() is None
    assert db_session.get(type(document), document.id) is not None
    assert _events(db_session, AuditAction.FILE_DOCUMENT_REMOVED)[0].details["document_id"] == document.id
    with pytest.raises(NotFoundError):
        records.remove_document(db_session, actor=clerk, file_id=record.id, document_id=document.id, now=NOW)


def test_the_cover_counts_documents_pages_and_dates(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    record = open_file(db_session, actor=clerk, retention=None)
    for n, day in enumerate((date(2026, 1, 3), date(2026, 4, 9))):
        document = make_document(clerk, document_date=day, content=pdf_bytes(f"c{n}", pages=2))
        records.add_document(db_session, actor=clerk, file_id=record.id, document_id=document.id, now=NOW)
    records.close_file(db_session, actor=clerk, file_id=record.id, tz=TZ, now=NOW)
    _, rows = records.file_page(db_session, actor=clerk, file_id=record.id, tz=TZ)
    cover = records.cover(record, rows, organisation="UBND phường Thử Nghiệm", tz=TZ)
    assert (cover.documents, cover.pages, cover.retention) == (2, 4, "Vĩnh viễn")
    assert (cover.start, cover.end, cover.year, cover.code) == (date(2026, 1, 3), date(2026, 4, 9), 2026, "01.VP")


def test_R57_an_open_file_s_cover_and_metadata_give_the_same_dates_as_closing_it_will(db_session, make_user,
                                                                                      make_document):
    """A document without a date of its own counts by its receipt or creation day, on the cover, in the R57
    metadata and at closing alike (the cover once read only the documents' own dates)."""
    clerk = make_user(Role.CLERK)
    record = open_file(db_session, actor=clerk)
    dated = make_document(clerk, document_date=date(2026, 1, 3))
    undated = make_document(clerk, document_date=None)
    for document in (dated, undated):
        records.add_document(db_session, actor=clerk, file_id=record.id, document_id=document.id, now=NOW)
    _, rows = records.file_page(db_session, actor=clerk, file_id=record.id, tz=TZ)
    ward = records.Ward(organ_id="000.00.00.H00", name="UBND phường Thử Nghiệm", tz=TZ)

    cover = records.cover(record, rows, organisation=ward.name, tz=TZ)
    metadata = records.record_metadata(db_session, record, ward=ward)
    records.close_file(db_session, actor=clerk, file_id=record.id, tz=TZ, now=NOW)

    undated_day = records.document_day(undated, TZ)
    assert undated_day != date(2026, 1, 3)
    assert (cover.start, cover.end) == (min(date(2026, 1, 3), undated_day), max(date(2026, 1, 3), undated_day))
    assert (metadata["StartDate"], metadata["EndDate"]) == (cover.start.isoformat(), cover.end.isoformat())
    assert (record.start_date, record.end_date) == (cover.start, cover.end)


def test_the_printed_cover_and_contents_are_pdfs_with_the_decrees_columns(db_session, make_user, make_document):
    import io

    from pypdf import PdfReader
    clerk = make_user(Role.CLERK)
    record = open_file(db_session, actor=clerk)
    document = make_document(clerk, summary="Về việc tiếp công dân định kỳ")
    records.add_document(db_session, actor=clerk, file_id=record.id, document_id=document.id, now=NOW)
    _, rows = records.file_page(db_session, actor=clerk, file_id=record.id, tz=TZ)
    contents = records.contents_pdf(rows, organisation="UBND phường Thử Nghiệm", year=2026, code=record.code,
                                    title=record.title)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(contents)).pages)
    for heading in ("STT", "Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tác giả văn bản",
                    "Trích yếu nội dung văn bản", "Tờ số/Trang số", "Ghi chú", "tiếp công dân định kỳ"):
        assert heading in text
    cover = records.cover_pdf(records.cover(record, rows, organisation="UBND phường Thử Nghiệm", tz=TZ))
    cover_text = " ".join(PdfReader(io.BytesIO(cover)).pages[0].extract_text().split())
    assert "HỒ SƠ" in cover_text and "01.VP" in cover_text and "10 năm" in cover_text

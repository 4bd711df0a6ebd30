"""Every refusal of the records services and pages: each role that may not, another department, another ward's
ids, a closed or destroyed file, a document the actor may not view, no CSRF token, and (on PostgreSQL) two people
closing a file, or one adding while another closes, at the same moment."""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError
from docflow.models import (
    AuditEvent,
    Confidentiality,
    Document,
    DocumentKind,
    FileDocument,
    FileStatus,
    RecordFile,
    Role,
    User,
)
from docflow.services import documents as doc_service
from docflow.services import records
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.services.audit import AuditAction
from tests.conftest import is_postgres, pdf_bytes
from tests.racing import label, race
from tests.services.records.helpers import NOW, open_file, other_ward_clerk, planned_file

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ENTRY = records.EntryInput(code="99", title="Hồ sơ khác", retention_years=5)


@pytest.fixture
def ward(db_session, make_user, make_department, make_document) -> dict[str, Any]:
    """Two departments; a file of the land department kept by its official, holding one document."""
    land, justice = make_department("Địa chính", "ĐC"), make_department("Tư pháp", "TP")
    people = {"clerk": make_user(Role.CLERK), "leader": make_user(Role.LEADER),
              "head": make_user(Role.HEAD, department=land), "official": make_user(Role.OFFICIAL, department=land),
              "colleague": make_user(Role.OFFICIAL, department=land),
              "other_head": make_user(Role.HEAD, department=justice),
              "other_official": make_user(Role.OFFICIAL, department=justice),
              "auditor": make_user(Role.AUDITOR), "admin": make_user(Role.ADMIN)}
    record = open_file(db_session, actor=people["clerk"], department=land, responsible=people["official"])
    document = make_document(people["official"], department=land)
    records.add_document(db_session, actor=people["official"], file_id=record.id, document_id=document.id, now=NOW)
    return {**people, "land": land, "justice": justice, "file": record, "document": document}


NOT_KEEPERS = ("colleague", "other_head", "other_official", "auditor", "admin")


@pytest.mark.parametrize("who", NOT_KEEPERS)
def test_R46_only_the_files_keepers_change_it(db_session, ward, make_document, who):
    actor, record = ward[who], ward["file"]
    fresh = make_document(ward["clerk"])
    attempts = [
        lambda: records.add_document(db_session, actor=actor, file_id=record.id, document_id=fresh.id, now=NOW),
        lambda: records.remove_document(db_session, actor=actor, file_id=record.id,
                                        document_id=ward["document"].id, now=NOW),
        lambda: records.make_home(db_session, actor=actor, file_id=record.id, document_id=ward["document"].id,
                                  now=NOW),
        lambda: records.close_file(db_session, actor=actor, file_id=record.id, tz=TZ, now=NOW),
        lambda: records.reopen_file(db_session, actor=actor, file_id=record.id, reason="x", now=NOW),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDeniedError):
            attempt()
    assert record.status is FileStatus.OPEN
    assert db_session.execute(select(func.count()).select_from(FileDocument)).scalar_one() == 1


@pytest.mark.parametrize("who", ("official", "head", "clerk", "leader"))
def test_R46_the_handler_the_head_of_its_department_the_clerk_and_a_leader_keep_the_file(db_session, ward,
                                                                                          make_document, who):
    document = make_document(ward["clerk"], department=ward["land"])
    records.add_document(db_session, actor=ward[who], file_id=ward["file"].id, document_id=document.id, now=NOW)
    records.close_file(db_session, actor=ward[who], file_id=ward["file"].id, tz=TZ, now=NOW)


def test_R48_another_department_s_head_cannot_take_a_document_s_home_from_a_file_he_does_not_keep(
        db_session, ward):
    """The justice head keeps a justice file holding a reference to the land file's document: making his file
    the home would take the document from the land file, which he may not change."""
    their = open_file(db_session, actor=ward["clerk"], department=ward["justice"], code="02.TP")
    records.add_document(db_session, actor=ward["clerk"], file_id=their.id, document_id=ward["document"].id,
                         now=NOW)

    with pytest.raises(PermissionDeniedError):
        records.make_home(db_session, actor=ward["other_head"], file_id=their.id,
                          document_id=ward["document"].id, now=NOW)

    assert records.home_of(db_session, ward["document"].id).file_id == ward["file"].id
    records.make_home(db_session, actor=ward["clerk"], file_id=their.id, document_id=ward["document"].id, now=NOW)
    assert records.home_of(db_session, ward["document"].id).file_id == their.id


@pytest.mark.parametrize("who", ("official", "colleague", "other_head", "auditor", "admin"))
def test_R46_who_may_not_prepare_the_plan_of_another_department_or_the_ward(db_session, ward, who):
    actor = ward[who]
    with pytest.raises(PermissionDeniedError):
        records.add_heading(db_session, actor=actor, year=2026, title="Mục", department_id=ward["land"].id, now=NOW)
    with pytest.raises(PermissionDeniedError):
        records.add_file_entry(db_session, actor=actor, heading_id=ward["file"].heading_id, data=ENTRY, now=NOW)
    with pytest.raises(PermissionDeniedError):
        records.edit_file_entry(db_session, actor=actor, file_id=ward["file"].id, data=ENTRY, now=NOW)
    with pytest.raises(PermissionDeniedError):
        records.copy_plan(db_session, actor=actor, from_year=2026, to_year=2027, now=NOW)


@pytest.mark.parametrize("who", ("clerk", "head", "official", "auditor", "admin"))
def test_R46_only_a_leader_approves_the_plan_and_reopens_a_file(db_session, ward, who):
    with pytest.raises(PermissionDeniedError):
        records.approve_plan(db_session, actor=ward[who], year=2026, now=NOW)
    records.close_file(db_session, actor=ward["official"], file_id=ward["file"].id, tz=TZ, now=NOW)
    with pytest.raises(PermissionDeniedError):
        records.reopen_file(db_session, actor=ward[who], file_id=ward["file"].id, reason="Bổ sung", now=NOW)


@pytest.mark.parametrize("who", ("head", "official", "admin"))
def test_the_appraisal_list_is_the_leaders_the_clerks_and_the_auditors(db_session, ward, who):
    with pytest.raises(PermissionDeniedError):
        records.appraisal_list(db_session, actor=ward[who], today=date(2040, 1, 1))
    with pytest.raises(PermissionDeniedError):
        records.decisions(db_session, actor=ward[who])


def test_an_inactive_keeper_is_refused(db_session, ward, make_document):
    ward["official"].is_active = False
    with pytest.raises(PermissionDeniedError):
        records.add_document(db_session, actor=ward["official"], file_id=ward["file"].id,
                             document_id=make_document(ward["clerk"]).id, now=NOW)


def test_a_document_the_keeper_may_not_view_is_never_added(db_session, ward, make_document):
    other_departments = make_document(ward["other_official"], department=ward["justice"])
    confidential = make_document(ward["clerk"], department=ward["land"], confidentiality=Confidentiality.SECRET)
    for document in (other_departments, confidential):
        with pytest.raises(PermissionDeniedError):
            records.add_document(db_session, actor=ward["official"], file_id=ward["file"].id,
                                 document_id=document.id, now=NOW)
    assert db_session.execute(select(func.count()).select_from(FileDocument)).scalar_one() == 1


def test_a_reader_sees_a_withheld_row_for_a_document_he_may_not_view(db_session, ward, make_document):
    secret = make_document(ward["leader"], department=ward["land"], confidentiality=Confidentiality.SECRET,
                           summary="Nội dung mật")
    records.add_document(db_session, actor=ward["leader"], file_id=ward["file"].id, document_id=secret.id, now=NOW)
    _, rows = records.file_page(db_session, actor=ward["colleague"], file_id=ward["file"].id, tz=TZ)
    withheld = [r for r in rows if r.entry.document_id == secret.id]
    assert [r.visible for r in withheld] == [False]
    assert "Nội dung mật" not in withheld[0].cells and records.contents.WITHHELD_VI in withheld[0].cells


@pytest.fixture
def other_ward(db_session, ward) -> dict[str, Any]:
    """Another ward with its clerk, file and document: none of its ids may reach this ward's services."""
    clerk = other_ward_clerk(db_session)
    record = planned_file(db_session, actor=clerk)
    document = ward["document"]
    theirs = Document(organisation_id=clerk.organisation_id, kind=document.kind, doc_type="cong_van",
                      summary="Của phường khác", status=document.status, created_by_id=clerk.id)
    db_session.add(theirs)
    db_session.flush()
    return {"clerk": clerk, "file": record, "document": theirs}


def test_another_wards_ids_are_not_found(db_session, ward, other_ward):
    for who in ("clerk", "leader"):
        actor = ward[who]
        with pytest.raises(NotFoundError):
            records.add_document(db_session, actor=actor, file_id=other_ward["file"].id,
                                 document_id=ward["document"].id, now=NOW)
        with pytest.raises(NotFoundError):
            records.add_document(db_session, actor=actor, file_id=ward["file"].id,
                                 document_id=other_ward["document"].id, now=NOW)
        with pytest.raises(NotFoundError):
            records.add_file_entry(db_session, actor=actor, heading_id=other_ward["file"].heading_id, data=ENTRY,
                                   now=NOW)
        with pytest.raises(NotFoundError):
            records.file_page(db_session, actor=actor, file_id=other_ward["file"].id, tz=TZ)
    # the other ward's clerk, with this ward's ids
    with pytest.raises(NotFoundError):
        records.close_file(db_session, actor=other_ward["clerk"], file_id=ward["file"].id, tz=TZ, now=NOW)
    assert records.document_panel(db_session, actor=other_ward["clerk"], document=ward["document"]) == \
        records.DocumentPanel([], [])


def test_the_pages_refuse_another_ward_another_role_and_a_post_without_its_token(client, db_session, ward,
                                                                                 other_ward):
    record, document = ward["file"], ward["document"]
    client.login(ward["clerk"])
    assert client.get(f"/records/files/{other_ward['file'].id}").status_code == 404
    assert client.post(f"/records/files/{other_ward['file'].id}/close").status_code == 404
    assert client.post(f"/records/documents/{other_ward['document'].id}/add",
                       {"file_id": str(record.id)}).status_code == 404
    assert client.post(f"/records/files/{record.id}/close", csrf=False).status_code == 400
    client.logout()

    client.login(ward["admin"])
    assert client.get("/records/").status_code == 403
    assert client.get(f"/records/files/{record.id}/contents.pdf").status_code == 403
    client.logout()
    client.login(ward["colleague"])
    assert client.post(f"/records/files/{record.id}/close").status_code == 403
    assert client.post(f"/records/documents/{document.id}/add", {"file_id": str(record.id)}).status_code == 403
    assert client.get("/records/appraisal").status_code == 403
    assert client.post("/records/plan/2026/approve").status_code == 403
    client.logout()
    client.login(ward["auditor"])
    assert client.get(f"/records/files/{record.id}").status_code == 200
    assert client.post(f"/records/files/{record.id}/close").status_code == 403
    db_session.refresh(record)
    assert record.status is FileStatus.OPEN


def test_unreadable_form_input_is_refused_with_a_message(client, db_session, ward):
    client.login(ward["clerk"])
    response = client.post(f"/records/documents/{ward['document'].id}/add", {"file_id": "²"}, follow_redirects=True)
    assert "Hãy chọn một hồ sơ đang mở" in response.get_data(as_text=True)
    response = client.post("/records/appraisal/destroy", {"decided_on": "hôm qua"}, follow_redirects=True)
    assert "Hãy nhập ngày của quyết định" in response.get_data(as_text=True)
    assert client.get("/records/files/99999999999/cover").status_code == 404


# -- two at once, in real concurrent transactions (PostgreSQL) -------------------------------------------------

@pytest.fixture
def committed_file(committed_app) -> dict[str, Any]:
    """A committed open file of the demo ward holding one document, and a second document to add."""
    engine = committed_app.extensions["docflow.engine"]
    with Session(engine) as s, s.begin():
        clerk = s.execute(select(User).where(User.username == "vanthu")).scalar_one()
        documents = [doc_service.upload_document(
            s, actor=clerk, store=committed_app.extensions["docflow.store"], max_bytes=10 ** 7,
            data=DocumentInput(kind=DocumentKind.INTERNAL, doc_type="cong_van", summary=f"Văn bản đua {n}",
                               department_id=clerk.department_id),
            upload=UploadedFile(io.BytesIO(pdf_bytes()), "dua.pdf")).id for n in range(2)]
        year = 2040 + (s.execute(select(func.count()).select_from(RecordFile)).scalar_one() % 50)
        heading = records.add_heading(s, actor=clerk, year=year, title="Đua", department_id=None)
        record = records.add_file_entry(s, actor=clerk, heading_id=heading.id,
                                        data=records.EntryInput(code=f"R{heading.id}", title="Đua",
                                                                retention_years=5))
        records.open_file(s, actor=clerk, file_id=record.id)
        records.add_document(s, actor=clerk, file_id=record.id, document_id=documents[0])
        return {"engine": engine, "file_id": record.id, "second": documents[1]}


def _act(username: str, action: Any) -> Any:
    def run(s: Session) -> Any:
        actor = s.execute(select(User).where(User.username == username)).scalar_one()
        return action(s, actor)
    return run


pg_only = pytest.mark.skipif(not is_postgres(), reason="real concurrent transactions need PostgreSQL")


@pg_only
def test_R46_two_closing_at_once_close_it_once(committed_file):
    def close(s: Session, actor: User) -> Any:
        return records.close_file(s, actor=actor, file_id=committed_file["file_id"], tz=TZ)

    outcomes = race(committed_file["engine"], [_act("vanthu", close), _act("chutich", close)], timeout=90)

    assert sorted(label(o)[:7] for o in outcomes) == ["ok", "refused"], [label(o) for o in outcomes]
    with Session(committed_file["engine"]) as s:
        closings = s.execute(select(AuditEvent).where(AuditEvent.action == AuditAction.FILE_CLOSED.value,
                                                      AuditEvent.object_id == str(committed_file["file_id"]))).all()
        assert len(closings) == 1


@pg_only
def test_R46_a_document_added_while_the_file_closes_never_lands_in_the_closed_file(committed_file):
    file_id = committed_file["file_id"]

    def close(s: Session, actor: User) -> Any:
        return records.close_file(s, actor=actor, file_id=file_id, tz=TZ)

    def add(s: Session, actor: User) -> Any:
        return records.add_document(s, actor=actor, file_id=file_id, document_id=committed_file["second"])

    outcomes = race(committed_file["engine"], [_act("vanthu", close), _act("chutich", add)], timeout=90)

    assert all(label(o) == "ok" or isinstance(o, InvalidTransitionError) for o in outcomes), \
        [label(o) for o in outcomes]
    with Session(committed_file["engine"]) as s:
        record = s.get(RecordFile, file_id)
        assert record is not None and record.status is FileStatus.CLOSED
        held = s.execute(select(func.count()).select_from(FileDocument).where(FileDocument.file_id == file_id)
                         ).scalar_one()
        [closed] = s.execute(select(AuditEvent).where(AuditEvent.action == AuditAction.FILE_CLOSED.value,
                                                      AuditEvent.object_id == str(file_id))).scalars()
        assert closed.details["documents"] == held, "the closing counted exactly what the file holds"

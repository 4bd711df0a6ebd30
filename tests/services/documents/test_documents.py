"""Documents: upload, versions, metadata edits, permissions and lists, on a real database."""

from __future__ import annotations

import io
import itertools
import os
from datetime import date

import pytest
from sqlalchemy import select

from docflow import policy
from docflow.errors import ConflictError, PermissionDeniedError, ValidationError
from docflow.models import Confidentiality, Document, DocumentKind, DocumentStatus, DocumentVersion, Role
from docflow.services import audit
from docflow.services import documents as doc_service
from docflow.services.audit import AuditAction
from docflow.services.documents import DocumentFilters, DocumentInput, UploadedFile
from docflow.storage import BlobMissingError
from tests.conftest import pdf_bytes


def _actions(db_session, document):
    return [e.action for e in audit.events_for(db_session, object_type="document", object_id=document.id)]


def test_upload_stores_the_pdf_once_and_records_version_one(db_session, make_user, make_document, store):
    clerk = make_user(Role.CLERK)
    content = pdf_bytes("upload-once")
    doc = make_document(clerk, content=content, summary="Về việc cấp giấy phép xây dựng")
    version = doc.current_version
    assert version is not None and version.number == 1 and version.parent_id is None
    assert store.read(version.sha256) == content
    assert version.size == len(content) and version.page_count == 1
    assert doc.status is DocumentStatus.REGISTERED and doc.department_id == clerk.department_id
    assert _actions(db_session, doc) == [AuditAction.DOCUMENT_UPLOADED]
    stored = store.path_for(version.sha256)
    assert not os.access(stored, os.W_OK) or os.geteuid() == 0
    assert oct(stored.stat().st_mode & 0o777) == "0o400"   # read-only and owner-only (issue 10, section 4)


def test_a_rejected_upload_leaves_no_document_no_event_and_no_blob(db_session, make_user, store):
    clerk = make_user(Role.CLERK)
    before_events = len(audit.events_for(db_session, object_type="document", object_id="x"))
    data = DocumentInput(kind=DocumentKind.INCOMING, doc_type="cong_van", summary="Thử", department_id=None,
                         issuing_body="UBND")
    blobs_before = set(store.root.rglob("*")) if store.root.exists() else set()
    with pytest.raises(ValidationError) as exc:
        doc_service.create_document(db_session, actor=clerk, data=data,
                                    upload=UploadedFile(io.BytesIO(b"GIF89a not a pdf"), "anh.gif"),
                                    store=store, max_bytes=1024 * 1024)
    assert exc.value.field == "file"
    assert db_session.execute(select(Document).where(Document.created_by_id == clerk.id)).first() is None
    blobs_after = {p for p in store.root.rglob("*") if p.is_file() and "tmp" not in p.parts}
    assert blobs_after <= blobs_before
    assert len(audit.events_for(db_session, object_type="document", object_id="x")) == before_events


@pytest.mark.parametrize("field,data", [
    ("doc_type", {"doc_type": "khong_co"}),
    ("summary", {"summary": "   "}),
    ("issuing_body", {"issuing_body": ""}),
    ("document_date", {"document_date": date(2999, 1, 1)}),
])
def test_invalid_metadata_is_refused_before_anything_is_stored(db_session, make_user, store, field, data):
    clerk = make_user(Role.CLERK)
    base = dict(kind=DocumentKind.INCOMING, doc_type="cong_van", summary="Thử", department_id=None,
                issuing_body="UBND quận")
    base.update(data)
    with pytest.raises(ValidationError) as exc:
        doc_service.create_document(db_session, actor=clerk, data=DocumentInput(**base),
                                    upload=UploadedFile(io.BytesIO(pdf_bytes()), "a.pdf"), store=store,
                                    max_bytes=1024 * 1024)
    assert exc.value.field == field


def test_an_oversized_upload_is_refused(db_session, make_user, store):
    clerk = make_user(Role.CLERK)
    data = DocumentInput(kind=DocumentKind.INCOMING, doc_type="cong_van", summary="Thử", department_id=None,
                         issuing_body="UBND")
    with pytest.raises(ValidationError):
        doc_service.create_document(db_session, actor=clerk, data=data,
                                    upload=UploadedFile(io.BytesIO(pdf_bytes(pages=3)), "a.pdf"), store=store,
                                    max_bytes=100)


def test_auditors_cannot_upload(db_session, make_user, make_document):
    with pytest.raises(PermissionDeniedError):
        make_document(make_user(Role.AUDITOR))


def test_a_new_version_points_to_its_parent(db_session, make_user, make_document, store):
    official = make_user(Role.OFFICIAL)
    doc = make_document(official, kind=DocumentKind.OUTGOING)
    first = doc.current_version
    v2 = doc_service.add_version(db_session, actor=official, document_id=doc.id,
                                 upload=UploadedFile(io.BytesIO(pdf_bytes("v2")), "du-thao-2.pdf"), store=store,
                                 max_bytes=1024 * 1024, note="Sửa theo ý kiến")
    assert (v2.number, v2.parent_id) == (2, first.id)
    assert store.read(first.sha256) != store.read(v2.sha256)
    assert _actions(db_session, doc)[-1] == AuditAction.DOCUMENT_VERSION_ADDED


def test_metadata_edit_is_audited_field_by_field(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    doc = make_document(clerk)
    data = DocumentInput(kind=doc.kind, doc_type="quyet_dinh", summary=doc.summary, department_id=doc.department_id,
                         issuing_body=doc.issuing_body, number_symbol="15/QĐ-UBND")
    doc_service.edit_metadata(db_session, actor=clerk, document_id=doc.id, data=data,
                              expected_row_version=doc.row_version)
    event = audit.events_for(db_session, object_type="document", object_id=doc.id)[-1]
    assert event.action == AuditAction.DOCUMENT_METADATA_EDITED
    assert event.details["changes"] == {"doc_type": {"from": "cong_van", "to": "quyet_dinh"},
                                        "number_symbol": {"from": None, "to": "15/QĐ-UBND"}}


def test_a_stale_edit_is_refused_and_changes_nothing(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    doc = make_document(clerk)
    seen = doc.row_version
    data = DocumentInput(kind=doc.kind, doc_type=doc.doc_type, summary="Lần sửa thứ nhất",
                         department_id=doc.department_id, issuing_body=doc.issuing_body)
    doc_service.edit_metadata(db_session, actor=clerk, document_id=doc.id, data=data, expected_row_version=seen)
    late = DocumentInput(kind=doc.kind, doc_type=doc.doc_type, summary="Lần sửa thứ hai",
                         department_id=doc.department_id, issuing_body=doc.issuing_body)
    with pytest.raises(ConflictError):
        doc_service.edit_metadata(db_session, actor=clerk, document_id=doc.id, data=late, expected_row_version=seen)
    assert doc.summary == "Lần sửa thứ nhất"


def test_other_departments_cannot_see_or_edit(db_session, make_user, make_document, make_department):
    own, other = make_department(), make_department()
    author = make_user(Role.OFFICIAL, department=own)
    outsider = make_user(Role.OFFICIAL, department=other)
    head_other = make_user(Role.HEAD, department=other)
    doc = make_document(author)
    for user in (outsider, head_other):
        with pytest.raises(PermissionDeniedError):
            doc_service.get_document_for(db_session, actor=user, document_id=doc.id)
    assert doc_service.get_document_for(db_session, actor=make_user(Role.LEADER), document_id=doc.id) is doc


def test_confidential_documents_only_for_leaders_and_the_granted(db_session, make_user, make_document, store):
    clerk = make_user(Role.CLERK)
    colleague = make_user(Role.CLERK)
    leader = make_user(Role.LEADER)
    auditor = make_user(Role.AUDITOR)
    doc = make_document(clerk, confidentiality=Confidentiality.CONFIDENTIAL)
    assert policy.can_view(clerk, doc) and policy.can_view(leader, doc)
    assert not policy.can_view(colleague, doc) and not policy.can_view(auditor, doc)
    _, stream = doc_service.open_version(db_session, actor=leader, document_id=doc.id, version_number=None,
                                         store=store, purpose="download")
    stream.close()
    event = audit.events_for(db_session, object_type="document", object_id=doc.id)[-1]
    assert (event.action, event.actor_id) == (AuditAction.DOCUMENT_DOWNLOADED, leader.id)


def test_viewing_an_ordinary_document_is_not_audited(db_session, make_user, make_document, store):
    clerk = make_user(Role.CLERK)
    doc = make_document(clerk)
    _, stream = doc_service.open_version(db_session, actor=clerk, document_id=doc.id, version_number=1,
                                         store=store, purpose="view")
    stream.close()
    assert _actions(db_session, doc) == [AuditAction.DOCUMENT_UPLOADED]


def test_a_missing_blob_is_a_clear_error(db_session, make_user, make_document, store):
    clerk = make_user(Role.CLERK)
    doc = make_document(clerk, content=pdf_bytes("to-be-lost"))
    path = store.path_for(doc.current_version.sha256)
    path.unlink()
    with pytest.raises(BlobMissingError) as exc:
        doc_service.open_version(db_session, actor=clerk, document_id=doc.id, version_number=1, store=store,
                                 purpose="view")
    assert doc.current_version.sha256 in str(exc.value)


def test_missing_version_number_is_not_found(db_session, make_user, make_document, store):
    from docflow.errors import NotFoundError
    clerk = make_user(Role.CLERK)
    doc = make_document(clerk)
    with pytest.raises(NotFoundError):
        doc_service.open_version(db_session, actor=clerk, document_id=doc.id, version_number=7, store=store,
                                 purpose="view")


def test_list_filters_pages_and_sorts(db_session, make_user, make_document, make_department):
    dept = make_department()
    clerk = make_user(Role.CLERK, department=dept)
    for i in range(7):
        make_document(clerk, department=dept, doc_type="quyet_dinh" if i % 2 else "cong_van",
                      summary=f"Văn bản số {i}", document_date=date(2026, 1, i + 1))
    filters = DocumentFilters(department_id=dept.id, doc_type="cong_van", sort="date", descending=False)
    page = doc_service.list_documents(db_session, actor=clerk, filters=filters, page=1, page_size=3)
    assert page.total == 4 and page.pages == 2
    assert [d.summary for d in page.items] == ["Văn bản số 0", "Văn bản số 2", "Văn bản số 4"]
    ranged = doc_service.list_documents(db_session, actor=clerk, page=1, page_size=10, filters=DocumentFilters(
        department_id=dept.id, date_from=date(2026, 1, 2), date_to=date(2026, 1, 3)))
    assert sorted(d.summary for d in ranged.items) == ["Văn bản số 1", "Văn bản số 2"]
    searched = doc_service.list_documents(db_session, actor=clerk, page=1, page_size=10,
                                          filters=DocumentFilters(department_id=dept.id, q="số 5"))
    assert [d.summary for d in searched.items] == ["Văn bản số 5"]
    past_end = doc_service.list_documents(db_session, actor=clerk, filters=filters, page=99, page_size=3)
    assert past_end.page == 2 and len(past_end.items) == 1


def test_the_list_query_and_can_view_agree_for_every_role(db_session, make_user, make_document, make_department):
    a, b = make_department(), make_department()
    docs = []
    authors = {a.id: make_user(Role.OFFICIAL, department=a), b.id: make_user(Role.OFFICIAL, department=b)}
    for dept, conf in itertools.product((a, b), (Confidentiality.NORMAL, Confidentiality.SECRET)):
        docs.append(make_document(authors[dept.id], department=dept, confidentiality=conf))
    viewers = [make_user(role, department=a if role in (Role.OFFICIAL, Role.HEAD) else None)
               for role in Role] + [make_user(Role.OFFICIAL, active=False, department=a)]
    ids = {d.id for d in docs}
    for viewer in viewers + list(authors.values()):
        listed = {d.id for d in doc_service.list_documents(db_session, actor=viewer, filters=DocumentFilters(),
                                                           page=1, page_size=100).items} & ids
        allowed = {d.id for d in docs if policy.can_view(viewer, d)}
        assert listed == allowed, viewer.role


def test_versions_are_append_only_in_number_order(db_session, make_user, make_document, store):
    clerk = make_user(Role.CLERK)
    doc = make_document(clerk)
    for i in range(3):
        doc_service.add_version(db_session, actor=clerk, document_id=doc.id, store=store, max_bytes=10 ** 6,
                                upload=UploadedFile(io.BytesIO(pdf_bytes(f"n{i}")), "x.pdf"))
    numbers = db_session.execute(select(DocumentVersion.number).where(DocumentVersion.document_id == doc.id)
                                 .order_by(DocumentVersion.id)).scalars().all()
    assert numbers == [1, 2, 3, 4]


def test_counting_stops_at_the_limit_and_says_there_are_more(db_session, make_user, make_document,
                                                            make_department, monkeypatch):
    monkeypatch.setattr(doc_service.listing, "COUNT_LIMIT", 5)
    dept = make_department()
    clerk = make_user(Role.CLERK, department=dept)
    for i in range(7):
        make_document(clerk, department=dept, summary=f"Giới hạn {i}")
    page = doc_service.list_documents(db_session, actor=clerk, filters=DocumentFilters(department_id=dept.id),
                                      page=9, page_size=2)
    assert (page.total, page.more, page.pages, page.page) == (5, True, 3, 3)
    exact = doc_service.list_documents(db_session, actor=clerk, page=1, page_size=2,
                                       filters=DocumentFilters(department_id=dept.id, q="Giới hạn 3"))
    assert (exact.total, exact.more) == (1, False)


@pytest.mark.parametrize(("query", "expected"), [
    ("5", ["Mã 5% \"dự\" án_A"]),                  # shorter than a trigram: the LIKE path
    ("5%", ["Mã 5% \"dự\" án_A"]),                 # % is a character, not a wildcard
    ("_a", ["Mã 5% \"dự\" án_A"]),                 # so is _
    ('"du"', ["Mã 5% \"dự\" án_A"]),               # quotes cannot close the FTS5 phrase early
    ("du OR ma", []),                              # FTS5 operators are plain text
    ("DỰ\" ÁN", ["Mã 5% \"dự\" án_A"]),            # folded: case and diacritics
    ("ma *", []),
])
def test_search_treats_every_character_literally(db_session, make_user, make_document, make_department,
                                                  query, expected):
    dept = make_department()
    clerk = make_user(Role.CLERK, department=dept)
    make_document(clerk, department=dept, summary='Mã 5% "dự" án_A')
    make_document(clerk, department=dept, summary="Mã 6 dự an A")
    found = doc_service.list_documents(db_session, actor=clerk, page=1, page_size=10,
                                       filters=DocumentFilters(department_id=dept.id, q=query))
    assert [d.summary for d in found.items] == expected


@pytest.mark.parametrize("status", ["issued", "recalled", "replaced"])
def test_an_issued_document_gets_no_new_version_and_no_metadata_change(db_session, make_user, make_document, store,
                                                                        status):
    from docflow.errors import InvalidTransitionError
    from docflow.models import DocumentStatus
    clerk = make_user(Role.CLERK)
    doc = make_document(clerk)
    doc.status = DocumentStatus(status)
    db_session.flush()
    with pytest.raises(InvalidTransitionError, match="replacement or a correction"):
        doc_service.add_version(db_session, actor=clerk, document_id=doc.id, store=store, max_bytes=10 ** 6,
                                upload=UploadedFile(io.BytesIO(pdf_bytes("late")), "x.pdf"))
    with pytest.raises(InvalidTransitionError):
        doc_service.edit_metadata(db_session, actor=clerk, document_id=doc.id, expected_row_version=doc.row_version,
                                  data=DocumentInput(kind=doc.kind, doc_type=doc.doc_type, summary="changed",
                                                     issuing_body=doc.issuing_body,
                                                     department_id=doc.department_id))
    assert len(doc.versions) == 1 and doc.summary != "changed"


def test_a_confidential_edit_leaves_no_plain_text_in_the_audit_log(db_session, make_user, make_document,
                                                                    make_department):
    leader = make_user(Role.LEADER)
    doc = make_document(leader, department=make_department(), confidentiality=Confidentiality.TOP_SECRET,
                        summary="Bí mật: hồ sơ A")
    data = DocumentInput(kind=doc.kind, doc_type=doc.doc_type, summary="Tối mật: hồ sơ B",
                         department_id=doc.department_id, issuing_body=doc.issuing_body,
                         confidentiality=Confidentiality.TOP_SECRET)
    doc_service.edit_metadata(db_session, actor=leader, document_id=doc.id, data=data,
                              expected_row_version=doc.row_version)
    logged = str([e.details for e in audit.events_for(db_session, object_type="document", object_id=doc.id)])
    assert "hồ sơ" not in logged and "van-ban.pdf" not in logged
    assert "summary" in logged and "to_sha256" in logged


def test_the_uploader_keeps_access_to_a_document_filed_for_another_department(db_session, make_user,
                                                                              make_document, make_department):
    own, other = make_department(), make_department()
    official = make_user(Role.OFFICIAL, department=own)
    doc = make_document(official, department=other)
    assert doc_service.get_document_for(db_session, actor=official, document_id=doc.id) is doc
    listed = doc_service.list_documents(db_session, actor=official, filters=DocumentFilters(), page=1, page_size=50)
    assert doc.id in {d.id for d in listed.items}


def test_search_ignores_case_and_diacritics_on_every_database(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    doc = make_document(clerk, summary="Về việc ĐẤT ĐAI tại PHƯỜNG TÍCH SƠN")
    for query in ("đất đai", "dat dai", "phường tích sơn", "PHUONG TICH"):
        found = doc_service.list_documents(db_session, actor=clerk, filters=DocumentFilters(q=query), page=1,
                                           page_size=50)
        assert doc.id in {d.id for d in found.items}, query
    none = doc_service.list_documents(db_session, actor=clerk, filters=DocumentFilters(q="100%_"), page=1,
                                      page_size=50)
    assert doc.id not in {d.id for d in none.items}

"""Every page's text is stored as its version is uploaded; pages without a text layer are queued and read by
OCR (real pypdfium2, real tesseract with its Vietnamese model); a new version replaces the older pages."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from docflow.models import DocumentKind, OcrStatus, OcrTask, PageText, Role, TextSource
from docflow.services import documents as doc_service
from docflow.services import textindex
from docflow.services.documents import UploadedFile
from tests.ocrpdfs import text_pdf


def pages_of(db_session, document_id):
    return db_session.execute(select(PageText).where(PageText.document_id == document_id)
                              .order_by(PageText.page_no)).scalars().all()


def tasks_of(db_session, document_id):
    return db_session.execute(select(OcrTask).where(OcrTask.document_id == document_id)
                              .order_by(OcrTask.page_no)).scalars().all()


def test_a_text_pdf_s_pages_are_in_page_texts_as_soon_as_it_is_uploaded(db_session, make_user, make_document,
                                                                          text_content):
    document = make_document(make_user(Role.CLERK), kind=DocumentKind.INTERNAL, content=text_content)

    rows = pages_of(db_session, document.id)
    assert [r.page_no for r in rows] == [1, 2, 3]
    assert {r.source for r in rows} == {TextSource.LAYER}
    assert all(r.version_id == document.current_version.id for r in rows)
    assert "Kiểm tra thực địa đất đai tại tổ dân phố số 2" in rows[1].body
    assert "kiem tra thuc dia dat dai" in rows[1].folded
    assert tasks_of(db_session, document.id) == []
    status = textindex.text_status(db_session, document)
    assert (status.pages, status.read, status.pending, status.complete) == (3, 3, 0, True)


def test_an_incoming_registration_reads_its_text_too(db_session, make_user, make_document, text_content):
    document = make_document(make_user(Role.CLERK), kind=DocumentKind.INCOMING, content=text_content)
    assert len(pages_of(db_session, document.id)) == 3


def test_a_scanned_page_is_queued_and_the_worker_reads_it_with_vietnamese_ocr(
        db_session, make_user, make_document, scanned_content, store, ocr_settings, in_test_transaction):
    document = make_document(make_user(Role.CLERK), kind=DocumentKind.INTERNAL, content=scanned_content)
    [task] = tasks_of(db_session, document.id)
    assert (task.page_no, task.status, task.version_id) == (1, OcrStatus.QUEUED, document.current_version.id)
    assert textindex.text_status(db_session, document).pending == 1

    read = textindex.run_pending(in_test_transaction, store=store, settings=ocr_settings, worker="test")

    assert read == 1
    [row] = pages_of(db_session, document.id)
    assert row.source is TextSource.OCR
    assert "kiem tra thuc dia" in row.folded
    assert task.status is OcrStatus.DONE and task.attempts == 1 and task.error is None
    status = textindex.text_status(db_session, document)
    assert (status.read, status.pending, status.complete) == (1, 0, True)


def test_a_new_version_replaces_the_pages_and_cancels_the_older_versions_tasks(
        db_session, make_user, make_document, scanned_content, store):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk, kind=DocumentKind.INTERNAL, content=scanned_content)
    [old_task] = tasks_of(db_session, document.id)
    upload = UploadedFile(io.BytesIO(text_pdf(["Trang thay thế: báo cáo kết quả kiểm tra thực địa đất đai."] * 1)),
                          "v2.pdf")

    version = doc_service.add_version(db_session, actor=clerk, document_id=document.id, upload=upload, store=store,
                                      max_bytes=10 * 1024 * 1024)

    db_session.refresh(old_task)
    assert old_task.status is OcrStatus.CANCELLED
    [row] = pages_of(db_session, document.id)
    assert row.version_id == version.id and row.source is TextSource.LAYER and "bao cao ket qua" in row.folded


def test_pages_past_the_new_version_s_last_are_dropped(db_session, make_user, make_document, text_content, store):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk, kind=DocumentKind.INTERNAL, content=text_content)
    upload = UploadedFile(io.BytesIO(text_pdf(["Chỉ còn một trang: kế hoạch kiểm tra thực địa đất đai."])), "v2.pdf")
    doc_service.add_version(db_session, actor=clerk, document_id=document.id, upload=upload, store=store,
                            max_bytes=10 * 1024 * 1024)
    assert [r.page_no for r in pages_of(db_session, document.id)] == [1]


def test_a_worker_holding_a_cancelled_task_stores_nothing(db_session, make_user, make_document, scanned_content,
                                                            text_content, store):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk, kind=DocumentKind.INTERNAL, content=scanned_content)
    task = textindex.claim_next(db_session, worker="slow", stale_after=timedelta(minutes=5),
                                max_attempts=3)
    assert task is not None and task.document_id == document.id
    doc_service.add_version(db_session, actor=clerk, document_id=document.id, store=store,
                            upload=UploadedFile(io.BytesIO(text_content), "v2.pdf"), max_bytes=10 * 1024 * 1024)

    assert textindex.complete_task(db_session, task_id=task.id, worker="slow", text="chữ cũ của bản trước") is False
    assert all("chu cu" not in r.folded for r in pages_of(db_session, document.id))


def test_a_version_s_pages_rebuild_the_search_row_once_and_dropped_pages_leave_it(
        db_session, make_user, make_document, text_content, store, monkeypatch):
    from docflow.models import SearchText, searchtext

    clerk = make_user(Role.CLERK)
    document = make_document(clerk, kind=DocumentKind.INTERNAL, content=text_content)
    rebuilt: list[set[int]] = []
    real = searchtext.refresh_document_texts

    def counting(connection, document_ids):
        rebuilt.append(set(document_ids))
        real(connection, document_ids)

    monkeypatch.setattr(searchtext, "refresh_document_texts", counting)
    two = UploadedFile(io.BytesIO(text_pdf(["Kế hoạch kiểm tra thực địa đất đai.", "Phụ lục hộ tịch."])), "v2.pdf")
    doc_service.add_version(db_session, actor=clerk, document_id=document.id, upload=two, store=store,
                            max_bytes=10 * 1024 * 1024)
    assert rebuilt.count({document.id}) == 1          # two pages written in one flush
    row = db_session.execute(select(SearchText.folded).where(SearchText.document_id == document.id)).scalar_one()
    assert "ho tich" in row and "to dan pho so 3" not in row      # page 3 of the first version dropped

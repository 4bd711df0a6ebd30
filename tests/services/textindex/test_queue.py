"""The OCR queue: a task whose worker died is claimed again, attempts are capped, a failure keeps its reason,
and two workers in two processes' worth of sessions never hold the same task."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from sqlalchemy import select

from docflow import db
from docflow.models import Document, DocumentKind, DocumentStatus, DocumentVersion, OcrStatus, OcrTask, Organisation, \
    Role, User, utc_now
from docflow.services import textindex

STALE = timedelta(minutes=15)


def queued_task(db_session, make_user, make_document, content):
    document = make_document(make_user(Role.CLERK), kind=DocumentKind.INTERNAL, content=content)
    return db_session.execute(select(OcrTask).where(OcrTask.document_id == document.id)).scalar_one()


def test_a_running_task_whose_worker_died_is_claimed_again_after_the_timeout(db_session, make_user, make_document,
                                                                              scanned_content):
    task = queued_task(db_session, make_user, make_document, scanned_content)
    start = utc_now()
    assert textindex.claim_next(db_session, worker="died", stale_after=STALE, max_attempts=3, now=start).id == task.id

    assert textindex.claim_next(db_session, worker="other", stale_after=STALE, max_attempts=3,
                                now=start + timedelta(minutes=5)) is None
    again = textindex.claim_next(db_session, worker="other", stale_after=STALE, max_attempts=3,
                                 now=start + timedelta(minutes=16))

    assert again is not None and again.id == task.id
    assert (again.claimed_by, again.attempts, again.status) == ("other", 2, OcrStatus.RUNNING)
    # The first worker, should it wake up, no longer holds the task.
    assert textindex.complete_task(db_session, task_id=task.id, worker="died", text="x") is False


def test_a_task_whose_workers_keep_dying_is_failed_with_a_reason(db_session, make_user, make_document,
                                                                 scanned_content):
    task = queued_task(db_session, make_user, make_document, scanned_content)
    start = utc_now()
    textindex.claim_next(db_session, worker="a", stale_after=STALE, max_attempts=2, now=start)
    textindex.claim_next(db_session, worker="b", stale_after=STALE, max_attempts=2, now=start + timedelta(minutes=20))

    assert textindex.claim_next(db_session, worker="c", stale_after=STALE, max_attempts=2,
                                now=start + timedelta(minutes=40)) is None
    db_session.refresh(task)
    assert task.status is OcrStatus.FAILED and task.attempts == 2 and "stopped" in task.error


def test_a_page_ocr_cannot_read_is_retried_then_failed_with_the_reason_shown(
        db_session, make_user, make_document, scanned_content, store, ocr_settings, in_test_transaction):
    task = queued_task(db_session, make_user, make_document, scanned_content)
    task.page_no = 7   # the PDF has one page: rendering page 7 fails, as a damaged page would

    assert textindex.run_pending(in_test_transaction, store=store, settings=ocr_settings, worker="w") == 2

    assert task.status is OcrStatus.FAILED and task.attempts == 2
    assert "no page 7" in task.error
    status = textindex.text_status(db_session, db_session.get(Document, task.document_id))
    assert status.failed == 1 and status.pending == 0 and any("no page 7" in e for e in status.errors)


def _claim_until_empty(app, worker: str, claimed: list[tuple[str, int]], barrier: threading.Barrier,
                       document_id: int) -> None:
    with app.app_context():
        barrier.wait()
        while True:
            with db.transaction() as s:
                task = textindex.claim_next(s, worker=worker, stale_after=STALE, max_attempts=3)
                if task is None:
                    return
                claimed.append((worker, task.id))
            with db.transaction() as s:
                textindex.complete_task(s, task_id=task.id, worker=worker, text=f"trang {task.page_no}")


def test_two_workers_never_take_the_same_task(committed_app):
    with committed_app.app_context(), db.transaction() as s:
        org_id = s.execute(select(Organisation.id)).scalar_one()
        clerk_id = s.execute(select(User.id).where(User.username == "vanthu")).scalar_one()
        document = Document(organisation_id=org_id, kind=DocumentKind.INTERNAL, doc_type="cong_van",
                            summary="OCR race", status=DocumentStatus.IN_PROGRESS, created_by_id=clerk_id)
        s.add(document)
        s.flush()
        version = DocumentVersion(document_id=document.id, number=1, sha256=uuid.uuid4().hex * 2, size=1,
                                  page_count=40, created_by_id=clerk_id)
        s.add(version)
        s.flush()
        s.refresh(version)
        textindex.queue_pages(s, version=version, pages=range(1, 41))
        document_id = document.id
    claimed: list[tuple[str, int]] = []
    barrier = threading.Barrier(2)
    workers = [threading.Thread(target=_claim_until_empty, args=(committed_app, name, claimed, barrier, document_id))
               for name in ("first", "second")]
    for t in workers:
        t.start()
    for t in workers:
        t.join(120)

    with committed_app.app_context():
        tasks = db.get_session().execute(select(OcrTask).where(OcrTask.document_id == document_id)).scalars().all()
    ours = {t.id for t in tasks}
    ids = [task_id for _, task_id in claimed if task_id in ours]
    assert len(ids) == len(set(ids)) == 40
    assert {t.status for t in tasks} == {OcrStatus.DONE} and {t.attempts for t in tasks} == {1}
    assert {t.claimed_by for t in tasks} <= {"first", "second"}

"""The OCR queue (ocr_tasks): queueing pages, claiming one safely among several workers, and recording how
it ended. Claiming is one conditional UPDATE per candidate (``WHERE status = 'queued'``, or a running task
whose worker went silent): on PostgreSQL the second of two workers waits for the first's row lock and then
finds the condition false; on SQLite the write lock already serialises them. Never two holders."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from docflow import jobqueue
from docflow.models import DocumentVersion, OcrStatus, OcrTask, TextSource, utc_now
from docflow.services.textindex.pages import store_page_text

OPEN = (OcrStatus.QUEUED, OcrStatus.RUNNING)
OCR_JOB = "ocr.read"   # the job queue's kind: read the pages waiting for OCR
CANDIDATES = 8
MAX_ERROR = 300


def queue_pages(session: Session, *, version: DocumentVersion, pages: Iterable[int],
                now: datetime | None = None) -> list[OcrTask]:
    """One queued task per page of ``version`` to read by OCR. Flushes."""
    now = now or utc_now()
    tasks = [OcrTask(organisation_id=version.document.organisation_id, document_id=version.document_id,
                     version_id=version.id, page_no=page_no, status=OcrStatus.QUEUED, attempts=0, created_at=now)
             for page_no in pages]
    session.add_all(tasks)
    session.flush()
    if tasks:   # with a broker configured a worker reads them now (else `docflow run`'s thread does)
        jobqueue.enqueue(session, kind=OCR_JOB, organisation_id=version.document.organisation_id, now=now)
    return tasks


def ward_with_claimable(session: Session, *, stale_after: timedelta, max_attempts: int,
                        now: datetime | None = None) -> int | None:
    """The ward of the oldest page a worker could take now (queued, or its worker silent), or None."""
    cutoff = (now or utc_now()) - stale_after
    return session.execute(select(OcrTask.organisation_id).where(_claimable(cutoff, max_attempts))
                           .order_by(OcrTask.id).limit(1)).scalar()


def cancel_tasks(session: Session, *, document_id: int, now: datetime) -> int:
    """Cancel the document's queued, running and failed tasks (a newer version replaced their pages); a
    worker still reading one finds it cancelled and drops its text. Returns how many. Flushes."""
    result = session.execute(
        update(OcrTask).where(OcrTask.document_id == document_id,
                              OcrTask.status.in_((*OPEN, OcrStatus.FAILED)))
        .values(status=OcrStatus.CANCELLED, finished_at=now).execution_options(synchronize_session=False))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def _claimable(cutoff: datetime, max_attempts: int) -> ColumnElement[bool]:
    return or_(OcrTask.status == OcrStatus.QUEUED,
               and_(OcrTask.status == OcrStatus.RUNNING, OcrTask.claimed_at < cutoff,
                    OcrTask.attempts < max_attempts))


def claim_next(session: Session, *, worker: str, stale_after: timedelta, max_attempts: int,
               now: datetime | None = None) -> OcrTask | None:
    """The oldest queued task (or one whose worker died ``stale_after`` ago), now running for ``worker``;
    None when there is none. Flushes; the caller commits at once, so that others see the claim."""
    now = now or utc_now()
    cutoff = now - stale_after
    give_up_on_silent_workers(session, cutoff=cutoff, max_attempts=max_attempts, now=now)
    ids = session.execute(select(OcrTask.id).where(_claimable(cutoff, max_attempts))
                          .order_by(OcrTask.id).limit(CANDIDATES)).scalars().all()
    for task_id in ids:
        claimed = session.execute(
            update(OcrTask).where(OcrTask.id == task_id, _claimable(cutoff, max_attempts))
            .values(status=OcrStatus.RUNNING, claimed_by=worker[:64], claimed_at=now, attempts=OcrTask.attempts + 1)
            .execution_options(synchronize_session=False))
        if getattr(claimed, "rowcount", 0) == 1:
            return session.get(OcrTask, task_id, populate_existing=True)
    return None


def give_up_on_silent_workers(session: Session, *, cutoff: datetime, max_attempts: int, now: datetime) -> None:
    """A task whose worker went silent ``max_attempts`` times is failed, with the reason. Flushes."""
    session.execute(
        update(OcrTask).where(OcrTask.status == OcrStatus.RUNNING, OcrTask.claimed_at < cutoff,
                              OcrTask.attempts >= max_attempts)
        .values(status=OcrStatus.FAILED, finished_at=now,
                error="the worker reading this page stopped before it finished, each time it tried")
        .execution_options(synchronize_session=False))
    session.flush()


def _held(session: Session, task_id: int, worker: str) -> OcrTask | None:
    task = session.get(OcrTask, task_id, populate_existing=True)
    if task is None or task.status is not OcrStatus.RUNNING or task.claimed_by != worker[:64]:
        return None   # cancelled by a newer version, or taken over after this worker looked dead
    return task


def complete_task(session: Session, *, task_id: int, worker: str, text: str, now: datetime | None = None) -> bool:
    """The page's OCR text goes into page_texts and the task is done; False (and nothing stored) when the
    task is no longer ``worker``'s. Flushes."""
    now = now or utc_now()
    task = _held(session, task_id, worker)
    if task is None:
        return False
    version = session.get(DocumentVersion, task.version_id)
    if version is not None:
        store_page_text(session, version=version, page_no=task.page_no, text=text, source=TextSource.OCR, now=now)
    task.status, task.finished_at, task.error = OcrStatus.DONE, now, None
    session.flush()
    return True


def fail_task(session: Session, *, task_id: int, worker: str, reason: str, max_attempts: int,
              now: datetime | None = None) -> None:
    """Record a failed attempt: queued again while attempts remain, failed with ``reason`` after. Flushes."""
    task = _held(session, task_id, worker)
    if task is None:
        return
    task.error = reason[:MAX_ERROR]
    if task.attempts >= max_attempts:
        task.status, task.finished_at = OcrStatus.FAILED, now or utc_now()
    else:
        task.status, task.claimed_by, task.claimed_at = OcrStatus.QUEUED, None, None
    session.flush()

"""The OCR worker: claim a queued page, read it (docflow.ocr: render in a limited child, then tesseract), store
its text. Each step is a short transaction of its own, and the OCR itself holds none: a page takes seconds,
and the database (on SQLite, its one write lock) is never held meanwhile. The embedded default runs it as a
thread of `docflow run` (``OcrWorker``); `docflow ocr run` drains the queue once."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from docflow.config import OcrSettings
from docflow.models import DocumentVersion, utc_now
from docflow.ocr import OcrError, OcrOptions, recognise_page
from docflow.services.jobs import Transaction
from docflow.services.textindex.tasks import claim_next, complete_task, fail_task
from docflow.storage import DocumentStore

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Claim:
    task_id: int
    sha256: str
    page_no: int


def worker_name() -> str:
    """This thread of this process on this host: what a task's claimed_by says."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{threading.get_ident() % 10**9}"


def ocr_options(settings: OcrSettings) -> OcrOptions:
    return OcrOptions(language=settings.language, dpi=settings.dpi, timeout_seconds=settings.timeout_seconds)


def work_one(transaction: Transaction, *, store: DocumentStore, settings: OcrSettings, worker: str,
             clock: Clock = utc_now) -> bool:
    """Claim one page and read it; False when nothing was waiting. Commits through ``transaction``."""
    with transaction() as session:
        task = claim_next(session, worker=worker, stale_after=timedelta(minutes=settings.stale_minutes),
                          max_attempts=settings.max_attempts, now=clock())
        if task is None:
            return False
        version = session.get(DocumentVersion, task.version_id)
        claim = Claim(task.id, version.sha256 if version is not None else "", task.page_no)
    try:
        if not claim.sha256 or not store.exists(claim.sha256):
            raise OcrError("the version's file is missing from the store")
        text = recognise_page(store.path_for(claim.sha256), claim.page_no, ocr_options(settings))
    except OcrError as exc:
        log.warning("OCR of task %s (page %s) failed: %s", claim.task_id, claim.page_no, exc)
        with transaction() as session:
            fail_task(session, task_id=claim.task_id, worker=worker, reason=str(exc),
                      max_attempts=settings.max_attempts, now=clock())
        return True
    with transaction() as session:
        complete_task(session, task_id=claim.task_id, worker=worker, text=text, now=clock())
    return True


def run_pending(transaction: Transaction, *, store: DocumentStore, settings: OcrSettings,
                worker: str | None = None, limit: int | None = None) -> int:
    """Read queued pages until none is left (or ``limit`` were read); how many were taken."""
    worker = worker or worker_name()
    count = 0
    while (limit is None or count < limit) and work_one(transaction, store=store, settings=settings, worker=worker):
        count += 1
    return count


class OcrWorker:
    """The background worker of the embedded default: a daemon thread that drains the queue, then waits
    ``poll_seconds``; an unexpected error is logged and the loop goes on (the task is retried when stale)."""

    def __init__(self, transaction: Transaction, *, store: DocumentStore, settings: OcrSettings,
                 scope: Callable[[], AbstractContextManager[object]] = nullcontext) -> None:
        # ``scope``: what binds the application context in the thread (``transaction`` needs it), per round.
        self._transaction, self._store, self._settings, self._scope = transaction, store, settings, scope
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="docflow-ocr", daemon=True)

    def start(self) -> OcrWorker:
        self.thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self.thread.join(timeout)

    def _loop(self) -> None:
        worker = worker_name()
        while not self._stop.is_set():
            try:
                with self._scope():
                    run_pending(self._transaction, store=self._store, settings=self._settings, worker=worker)
            except Exception:   # a database outage must not end the thread: log it and try again later
                log.exception("the OCR worker failed; it tries again in %s s", self._settings.poll_seconds)
            self._stop.wait(self._settings.poll_seconds)

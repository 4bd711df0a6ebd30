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
from docflow.ocr import OcrError, OcrOptions, RenderedPage
from docflow.services.jobs import Transaction
from docflow.services.jobs.loop import BackgroundLoop
from docflow.services.textindex.tasks import claim_next, complete_task, fail_task
from docflow.storage import DocumentStore

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass
class Claim:
    task_id: int
    sha256: str
    page_no: int
    page: RenderedPage | None = None


def worker_name() -> str:
    """This thread of this process on this host: what a task's claimed_by says."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{threading.get_ident() % 10**9}"


def ocr_options(settings: OcrSettings) -> OcrOptions:
    return OcrOptions(language=settings.language, dpi=settings.dpi, timeout_seconds=settings.timeout_seconds)


def work_one(transaction: Transaction, *, store: DocumentStore, settings: OcrSettings, worker: str,
             clock: Clock = utc_now) -> bool:
    """Claim one page and read it (or fail it); False when nothing was waiting. Commits through ``transaction``."""
    return run_pending(transaction, store=store, settings=settings, worker=worker, limit=1, clock=clock) > 0


def run_pending(transaction: Transaction, *, store: DocumentStore, settings: OcrSettings,
                worker: str | None = None, limit: int | None = None, clock: Clock = utc_now) -> int:
    """Read queued pages until none is left (or ``limit`` were taken); how many were taken. While tesseract
    reads one page, the next is claimed and rendered (the render's child process uses the other core).
    Commits through ``transaction``."""
    step = _Step(transaction, store, settings, worker or worker_name(), clock)
    count = 0
    current = step.next_page()
    while current is not None:
        count += 1
        try:
            step.start(current)
            following = step.next_page() if limit is None or count < limit else None
            step.finish(current)
        finally:
            if current.page is not None:
                current.page.close()
        current = following
    return count + step.failed


class _Step:
    """run_pending's steps: each database change a short transaction of its own, none held during OCR."""

    def __init__(self, transaction: Transaction, store: DocumentStore, settings: OcrSettings, worker: str,
                 clock: Clock) -> None:
        self.transaction, self.store, self.settings, self.worker, self.clock = \
            transaction, store, settings, worker, clock
        self.failed = 0   # pages taken whose render failed (recorded on their task)

    def claim(self) -> Claim | None:
        with self.transaction() as session:
            task = claim_next(session, worker=self.worker, stale_after=timedelta(minutes=self.settings.stale_minutes),
                              max_attempts=self.settings.max_attempts, now=self.clock())
            if task is None:
                return None
            version = session.get(DocumentVersion, task.version_id)
            return Claim(task.id, version.sha256 if version is not None else "", task.page_no)

    def next_page(self) -> Claim | None:
        """The next claimed page, rendered; pages that cannot be rendered are failed on the way."""
        while (claim := self.claim()) is not None:
            try:
                if not claim.sha256 or not self.store.exists(claim.sha256):
                    raise OcrError("the version's file is missing from the store")
                claim.page = RenderedPage(self.store.path_for(claim.sha256), claim.page_no,
                                          ocr_options(self.settings))
                return claim
            except OcrError as exc:
                self.fail(claim, exc)
                self.failed += 1
        return None

    def start(self, claim: Claim) -> None:
        if claim.page is not None:
            try:
                claim.page.start()
            except OcrError:
                pass   # finish() starts it again and records the reason

    def finish(self, claim: Claim) -> None:
        try:
            text = claim.page.finish() if claim.page is not None else ""
        except OcrError as exc:
            self.fail(claim, exc)
            return
        with self.transaction() as session:
            complete_task(session, task_id=claim.task_id, worker=self.worker, text=text, now=self.clock())

    def fail(self, claim: Claim, exc: OcrError) -> None:
        log.warning("OCR of task %s (page %s) failed: %s", claim.task_id, claim.page_no, exc)
        with self.transaction() as session:
            fail_task(session, task_id=claim.task_id, worker=self.worker, reason=str(exc),
                      max_attempts=self.settings.max_attempts, now=self.clock())


class OcrWorker(BackgroundLoop):
    """The background worker of the embedded default: a daemon thread that drains the queue, then waits
    ``poll_seconds``; an unexpected error is logged and the loop goes on (the task is retried when stale).
    `docflow ocr run` runs the same loop in the foreground, ``report`` hearing how many pages each round read."""

    def __init__(self, transaction: Transaction, *, store: DocumentStore, settings: OcrSettings,
                 scope: Callable[[], AbstractContextManager[object]] = nullcontext,
                 report: Callable[[int], None] | None = None) -> None:
        # ``scope``: what binds the application context in the thread (``transaction`` needs it), per round.
        super().__init__(name="docflow-ocr", poll_seconds=settings.poll_seconds)
        self._transaction, self._store, self._settings, self._scope = transaction, store, settings, scope
        self._report, self._worker = report, ""

    def round(self) -> int:
        self._worker = self._worker or worker_name()   # named in the thread that claims the tasks
        with self._scope():
            done = run_pending(self._transaction, store=self._store, settings=self._settings, worker=self._worker)
        if self._report is not None:
            self._report(done)
        return done

"""Running jobs: the runner interface, and the in-process runner of the embedded default (a thread in the
app process). A real queue (a worker process) implements the same ``submit``; the job's row is the only
thing a poll reads, so it does not matter which process runs the job or which one answers the poll."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy.orm import Session

from docflow.errors import N_, DocflowError
from docflow.models import utc_now
from docflow.services.jobs import records

Transaction = Callable[[], AbstractContextManager[Session]]
UNEXPECTED = N_("Something went wrong. Please try again.")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What a running job is handed: its id, the runner's transactions, and a way to record each item."""
    job_id: str
    transaction: Transaction

    def record(self, item: Mapping[str, Any]) -> None:
        """Append ``item`` (JSON) to the job's result in a transaction of its own: a poll sees it at once."""
        with self.transaction() as session:
            records.add_item(session, self.job_id, item)


JobWork = Callable[[JobContext], None]


class JobRunner(Protocol):
    def submit(self, job_id: str, work: JobWork) -> None:
        """Run ``work`` for the queued job ``job_id``: mark it running, then done, or failed with the
        DocflowError's message (any other error: a generic one). ``work`` is owned by the runner from here."""


class RunningJob(NamedTuple):
    job_id: str
    thread: threading.Thread


class InProcessRunner:
    """Each job in a daemon thread of this process. ``transaction`` opens the thread's short transactions;
    ``scope`` wraps the thread's whole run (the web passes the app context its transactions need)."""

    KEEP_FINISHED = 100

    def __init__(self, transaction: Transaction, *, scope: Callable[[], AbstractContextManager[Any]] = nullcontext,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.transaction = transaction
        self.scope = scope
        self.clock = clock
        self.running: dict[str, RunningJob] = {}   # this process's threads, for joining (tests, shutdown)
        self._lock = threading.Lock()

    def submit(self, job_id: str, work: JobWork) -> None:
        thread = threading.Thread(target=self._run, args=(job_id, work), name=f"docflow-job-{job_id[:8]}",
                                  daemon=True)
        with self._lock:
            finished = [k for k, r in self.running.items() if not r.thread.is_alive()]
            for old in finished[: max(0, len(self.running) - self.KEEP_FINISHED)]:
                self.running.pop(old, None)
            self.running[job_id] = RunningJob(job_id, thread)
        thread.start()

    def wait(self, job_id: str, timeout: float | None = None) -> bool:
        """Wait for this process's thread of ``job_id``; whether it has finished (or never ran here)."""
        running = self.running.get(job_id)
        if running is None:
            return True
        running.thread.join(timeout)
        return not running.thread.is_alive()

    def _run(self, job_id: str, work: JobWork) -> None:
        with self.scope():
            run_job(job_id, work, transaction=self.transaction, clock=self.clock)


def run_job(job_id: str, work: JobWork, *, transaction: Transaction, clock: Callable[[], datetime] = utc_now) -> None:
    """Run one job to its end, its row moved along in short transactions: running, then done or failed."""
    try:
        with transaction() as session:
            records.mark_running(session, job_id, now=clock())
        work(JobContext(job_id=job_id, transaction=transaction))
    except DocflowError as exc:
        _finish(transaction, job_id, clock(), exc.message, exc.params)
    except Exception:
        log.exception("job %s failed", job_id)
        _finish(transaction, job_id, clock(), UNEXPECTED, {})
    else:
        _finish(transaction, job_id, clock())


def _finish(transaction: Transaction, job_id: str, now: datetime, message: str | None = None,
            params: Mapping[str, Any] | None = None) -> None:
    try:
        with transaction() as session:
            if message is None:
                records.mark_done(session, job_id, now=now)
            else:
                records.mark_failed(session, job_id, message=message, params=params or {}, now=now)
    except Exception:
        log.exception("job %s: its end could not be recorded", job_id)

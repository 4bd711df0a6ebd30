"""The job queue's jobs (``queued_jobs``): enqueueing one, running one exactly as far as it got, and what the
admin page and /metrics read.

Whoever runs a job (a `docflow worker` thread, on whichever host) moves its row by conditional UPDATEs, each
in a short transaction of its own:

- ``claim``: queued (or running: its worker died and the broker delivered the message again) → running, one
  more attempt. A job already done or failed is not claimed: a message delivered twice does the work once.
- ``finish``: running → done. ``fail_attempt``: running → queued again with the error (the broker retries
  it after a back-off), or → failed once ``max_attempts`` attempts were made.

A handler is idempotent in its own right too (it reads what is already done: OCR claims pages, the outbox
claims items, a renewal skips what is no longer due, mail skips the messages ``progress`` says were sent), so
a worker killed after the work but before ``finish`` loses nothing and doubles nothing.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import astuple, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from docflow import policy, wards
from docflow.config import Settings
from docflow.errors import PermissionDeniedError
from docflow.models import QueuedJob, QueuedJobStatus, User, utc_now
from docflow.services.jobs.runner import Transaction
from docflow.storage import DocumentStore

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
MAX_ERROR = 500
OPEN = (QueuedJobStatus.QUEUED, QueuedJobStatus.RUNNING)


class RetryLater(Exception):
    """Raised to the broker when an attempt failed and another is due: its retry middleware waits (the
    back-off) and delivers the message again."""


@dataclass(frozen=True)
class Taken:
    """A claimed job's row, as it was claimed."""
    job_id: str
    kind: str
    organisation_id: int
    payload: Mapping[str, Any]
    attempts: int
    progress: int


@dataclass(frozen=True)
class Claimed(Taken):
    """What a claimed job's handler is given: its row's values, the worker's transactions, settings and
    store, and a way to record progress."""
    transaction: Transaction = field(repr=False, kw_only=True)
    settings: Settings = field(repr=False, kw_only=True)
    store: DocumentStore = field(repr=False, kw_only=True)

    @property
    def redelivered(self) -> bool:
        """Whether an earlier attempt was made (a worker died, or it failed): the handler checks what is done."""
        return self.attempts > 1

    def record_progress(self, done: int, total: int | None = None) -> None:
        """Record ``done`` (of ``total``) in a transaction of its own: the queue page shows it at once."""
        with self.transaction() as session:
            values: dict[str, Any] = {"progress": done, "updated_at": utc_now()}
            if total is not None:
                values["total"] = total
            session.execute(update(QueuedJob).where(QueuedJob.id == self.job_id).values(**values)
                            .execution_options(synchronize_session=False))


Handler = Callable[[Claimed], None]
HANDLERS: dict[str, Handler] = {}   # filled by importing docflow.services.jobs.background (`docflow worker` does)


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that does the jobs of ``kind`` (a worker looks it up by the row's kind)."""
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function
    return register




def worker_name() -> str:
    """This process on this host: what a running job's ``worker`` says."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


class HeldElsewhere(RetryLater):
    """Another worker that is alive holds the job (a duplicate delivery): this one is tried again later."""


def claim(session: Session, job_id: str, *, now: datetime, stale_after: timedelta) -> Taken | None:
    """Take the job for one more attempt; None when it is done, failed, gone, or out of attempts (then it is
    marked failed). A running job is taken over only when its worker is gone: a process of this host that no
    longer exists, or silent (no heartbeat, ``touch_held``) for ``stale_after``; else HeldElsewhere. Flushes."""
    job = session.get(QueuedJob, job_id, populate_existing=True)
    if job is None or job.status not in OPEN:
        return None
    if job.status is QueuedJobStatus.RUNNING and not _holder_gone(job.worker, job.updated_at, now - stale_after):
        raise HeldElsewhere(job_id)
    if job.attempts >= job.max_attempts:   # every attempt was spent (its workers died): it ends here
        job.status, job.finished_at, job.updated_at = QueuedJobStatus.FAILED, now, now
        job.error = job.error or "the job's workers stopped before it finished"
        session.flush()
        return None
    taken = session.execute(
        update(QueuedJob).where(QueuedJob.id == job_id, QueuedJob.status.in_(OPEN),
                                QueuedJob.attempts == job.attempts)
        .values(status=QueuedJobStatus.RUNNING, attempts=QueuedJob.attempts + 1, worker=worker_name()[:100],
                started_at=func.coalesce(QueuedJob.started_at, now), updated_at=now)
        .execution_options(synchronize_session=False))
    if getattr(taken, "rowcount", 0) != 1:   # another delivery claimed it between the read and the update
        raise HeldElsewhere(job_id)
    session.refresh(job)
    return Taken(job.id, job.kind, job.organisation_id, dict(job.payload), job.attempts, job.progress)


def touch_held(session: Session, *, now: datetime) -> int:
    """The heartbeat of this process's running jobs (`docflow worker` every heartbeat_seconds). Flushes."""
    touched = session.execute(update(QueuedJob).where(QueuedJob.status == QueuedJobStatus.RUNNING,
                                                      QueuedJob.worker == worker_name()[:100])
                              .values(updated_at=now).execution_options(synchronize_session=False))
    return int(getattr(touched, "rowcount", 0) or 0)


def _holder_gone(worker: str | None, heard_at: datetime, cutoff: datetime) -> bool:
    if worker is None or heard_at < cutoff:
        return True
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname()[:60] or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False   # a thread of this very process holds it
    try:
        os.kill(int(pid), 0)   # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def finish(session: Session, job_id: str, *, now: datetime) -> bool:
    """running → done; False when it was not running (another delivery finished it). Flushes."""
    done = session.execute(update(QueuedJob).where(QueuedJob.id == job_id,
                                                   QueuedJob.status == QueuedJobStatus.RUNNING)
                           .values(status=QueuedJobStatus.DONE, finished_at=now, updated_at=now, error=None)
                           .execution_options(synchronize_session=False))
    return getattr(done, "rowcount", 0) == 1


def fail_attempt(session: Session, job_id: str, *, error: str, now: datetime) -> bool:
    """Record a failed attempt: queued again (True: retry it) or, its attempts spent, failed. Flushes."""
    job = session.get(QueuedJob, job_id, populate_existing=True, with_for_update=True)
    if job is None or job.status is not QueuedJobStatus.RUNNING:
        return False
    job.error, job.updated_at = error[:MAX_ERROR], now
    if job.attempts >= job.max_attempts:
        job.status, job.finished_at = QueuedJobStatus.FAILED, now
    else:
        job.status = QueuedJobStatus.QUEUED
    session.flush()
    return job.status is QueuedJobStatus.QUEUED


def run(job_id: str, *, transaction: Transaction, settings: Settings, store: DocumentStore,
        clock: Clock = utc_now) -> QueuedJobStatus | None:
    """Run one delivery of ``job_id`` acting for its ward: claim, do, finish. Raises RetryLater when the
    attempt failed and another is due; returns the row's status afterwards (None: nothing was claimed)."""
    with transaction() as session:
        taken = claim(session, job_id, now=clock(), stale_after=stale_after(settings))
    if taken is None:
        return None
    claimed = Claimed(*astuple(taken), transaction=transaction, settings=settings, store=store)
    work = HANDLERS.get(claimed.kind)
    try:
        if work is None:
            raise LookupError(f"no handler for jobs of kind {claimed.kind!r} in this worker")
        with wards.acting_for(claimed.organisation_id):
            work(claimed)
    except Exception as exc:   # any failure is recorded on the job; the broker retries it after a back-off
        log.warning("job %s (%s, attempt %s) failed: %s", job_id, claimed.kind, claimed.attempts,
                    type(exc).__name__, exc_info=True)
        if _record_failure(transaction, job_id, f"{type(exc).__name__}: {exc}", clock):
            raise RetryLater(job_id) from exc
        return QueuedJobStatus.FAILED
    except BaseException as exc:
        # An interrupt (the broker's time limit, a shutdown): the attempt is recorded as failed, so that the
        # job is open for the retry the broker makes (else it would stay "running", held by this live process).
        _record_failure(transaction, job_id, f"interrupted: {type(exc).__name__}", clock)
        raise
    with transaction() as session:
        finish(session, job_id, now=clock())
    return QueuedJobStatus.DONE


def _record_failure(transaction: Transaction, job_id: str, error: str, clock: Clock) -> bool:
    with transaction() as session:
        return fail_attempt(session, job_id, error=error, now=clock())


def stale_after(settings: Settings) -> timedelta:
    """How long a running job's worker may stay silent before another takes the job over."""
    return timedelta(seconds=max(3 * settings.queue.heartbeat_seconds, 10))


def stalled(session: Session, *, older_than: timedelta, stale: timedelta, never_tried: timedelta,
            now: datetime | None = None, limit: int = 100) -> list[str]:
    """Jobs whose message seems lost, for the worker's tick to send again (``claim`` keeps a double delivery
    from doubling work): never tried ``never_tried`` after they were enqueued (the broker was down at commit),
    queued again and untouched for ``older_than`` (longer than any back-off: a retry ran out), running with
    their worker silent ``stale`` ago."""
    now = now or utc_now()
    queued_ = QueuedJob.status == QueuedJobStatus.QUEUED
    lost = or_(and_(queued_, QueuedJob.attempts == 0, QueuedJob.updated_at < now - never_tried),
               and_(queued_, QueuedJob.updated_at < now - older_than),
               and_(QueuedJob.status == QueuedJobStatus.RUNNING, QueuedJob.updated_at < now - stale))
    return list(session.execute(select(QueuedJob.id).where(lost).order_by(QueuedJob.updated_at).limit(limit))
                .scalars())


def ward_jobs(session: Session, *, actor: User, limit: int = 200) -> list[QueuedJob]:
    """The queue page (Hàng đợi công việc): ``actor``'s ward's jobs, open and failed first, then the newest.
    For those who read the renewal reports and the outbox (clerk, auditor, administrator); else
    PermissionDeniedError."""
    if not policy.may_read_renewals(actor):
        raise PermissionDeniedError(policy.MAY_NOT)
    order = case((QueuedJob.status == QueuedJobStatus.DONE, 1), else_=0)
    return list(session.execute(select(QueuedJob).where(QueuedJob.organisation_id == actor.organisation_id)
                                .order_by(order, QueuedJob.created_at.desc()).limit(limit)).scalars())


@dataclass(frozen=True)
class QueueStats:
    """For /metrics: jobs waiting (queued) and being done (running), and failed jobs, of every ward."""
    queued: int
    running: int
    failed: int
    done: int

    @property
    def depth(self) -> int:
        return self.queued + self.running


def queue_stats(session: Session) -> QueueStats:
    """How many jobs of every ward are in each state (one grouped query)."""
    counts = {status: int(count) for status, count in session.execute(
        select(QueuedJob.status, func.count()).group_by(QueuedJob.status))}
    return QueueStats(queued=counts.get(QueuedJobStatus.QUEUED, 0), running=counts.get(QueuedJobStatus.RUNNING, 0),
                      failed=counts.get(QueuedJobStatus.FAILED, 0), done=counts.get(QueuedJobStatus.DONE, 0))

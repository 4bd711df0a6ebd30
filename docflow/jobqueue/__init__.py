"""The job queue seen from the work that hands something over: ``enqueue`` a job of the ward, in the caller's
transaction, its message sent to the broker once that transaction commits.

With ``[queue] url = ""`` (the embedded default) nothing is enqueued: ``enqueue`` answers None and the caller
does the work as it always has (a thread of `docflow run` picks it up). With a Redis or RabbitMQ URL the job
is a ``queued_jobs`` row and `docflow worker` does it (``docflow.services.jobs.queued``). The broker's message
carries the row's id only: never a PIN, a key or a document, nothing a broker's operator could read.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docflow import appctx, unit_of_work
from docflow.config import QueueSettings, Settings
from docflow.models import QueuedJob, QueuedJobStatus, utc_now

log = logging.getLogger(__name__)


def configured(settings: Settings | None = None) -> QueueSettings | None:
    """The queue's settings when a broker is configured (of ``settings``, else of the context in hand)."""
    if settings is None:
        scope = appctx.current_or_none()
        if scope is None:
            return None
        settings = scope.context.settings
    return settings.queue if settings.queue.url else None


def enqueue(session: Session, *, kind: str, organisation_id: int, payload: Mapping[str, Any] | None = None,
            key: str | None = None, total: int = 0, settings: Settings | None = None,
            now: datetime | None = None) -> QueuedJob | None:
    """Hand ``kind`` to the queue for the ward, when a broker is configured: the job's row now, its message
    after commit. None when no broker is configured (the caller's thread does the work) or when a job with
    ``key`` exists already (someone else enqueued it). Flushes."""
    queue = configured(settings)
    if queue is None:
        return None
    job = create(session, kind=kind, organisation_id=organisation_id, payload=payload, key=key, total=total,
                 max_attempts=queue.max_attempts, now=now)
    if job is not None:
        job_id = job.id

        def send_it() -> None:
            send(queue, job_id)
        unit_of_work.after_commit(session, send_it)
    return job


def create(session: Session, *, kind: str, organisation_id: int, payload: Mapping[str, Any] | None = None,
           key: str | None = None, total: int = 0, max_attempts: int = 5, now: datetime | None = None) -> QueuedJob | None:
    """A queued job's row, in the caller's transaction; None when a job with ``key`` exists already. Flushes."""
    if key is not None and session.execute(select(QueuedJob.id).where(QueuedJob.key == key)).first() is not None:
        return None
    now = now or utc_now()
    job = QueuedJob(id=uuid.uuid4().hex, organisation_id=organisation_id, kind=kind, key=key,
                    payload=dict(payload or {}), status=QueuedJobStatus.QUEUED, attempts=0,
                    max_attempts=max_attempts, progress=0, total=total, created_at=now, updated_at=now)
    try:
        with session.begin_nested():   # two enqueuers of one key at once: the second one's insert is undone
            session.add(job)
            session.flush()
    except IntegrityError:
        if key is None:
            raise
        return None
    return job


def send(queue: QueueSettings, job_id: str) -> bool:
    """Send ``job_id``'s message; False (logged) when the broker cannot be reached: the row stays queued and
    the worker's tick sends it again (``docflow.services.jobs.queued.stalled``)."""
    # Imported here: dramatiq and its broker clients load only where a broker is configured.
    from docflow.jobqueue import broker
    try:
        broker.send(queue, job_id)
    except Exception as exc:   # a broker outage must not turn a committed action into an error page
        log.error("job %s: its message could not be sent (%s); the worker's tick sends it later", job_id,
                  type(exc).__name__)
        return False
    return True


def queue_reachable(settings: Settings) -> bool:
    """Whether the configured broker answers (True when there is none: the embedded default needs none)."""
    queue = configured(settings)
    if queue is None:
        return True
    # Imported here: dramatiq and its broker clients load only where a broker is configured.
    from docflow.jobqueue import broker
    return broker.reachable(queue)

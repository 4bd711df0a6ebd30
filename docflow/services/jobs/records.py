"""A job's row: made by the request that starts the job, moved along by whatever runs it (each change in a
short transaction of its own), read by whoever polls for its progress."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from docflow.errors import N_, DocflowError, NotFoundError
from docflow.models import Job, JobStatus, User, utc_now

ITEMS = "items"   # result["items"]: what the job recorded of each item, in order
NO_SUCH_JOB = N_("No such job.")


def create_job(session: Session, *, actor: User, kind: str, total: int, now: datetime | None = None) -> Job:
    """A queued job of ``kind`` for ``total`` items, belonging to ``actor`` and their ward. Flushes."""
    job = Job(id=uuid.uuid4().hex, organisation_id=actor.organisation_id, kind=kind, status=JobStatus.QUEUED,
              created_by_id=actor.id, created_at=now or utc_now(), total=total, processed=0, result={ITEMS: []})
    session.add(job)
    session.flush()
    return job


def create_refused_job(session: Session, *, actor: User, kind: str, total: int, error: DocflowError,
                       now: datetime | None = None) -> Job:
    """A job that failed before it could start (a wrong PIN): its page says why, like any failed job."""
    now = now or utc_now()
    job = create_job(session, actor=actor, kind=kind, total=total, now=now)
    job.status, job.started_at, job.finished_at = JobStatus.FAILED, now, now
    job.error = error_json(error.message, error.params)
    session.flush()
    return job


def job_for(session: Session, *, actor: User, job_id: str, kind: str) -> Job:
    """``actor``'s own job ``job_id`` of ``kind``, as the database holds it now. Raises NotFoundError for
    anyone else's (even in the same ward): a job's results name documents its owner chose."""
    job = session.get(Job, job_id[:32], populate_existing=True)
    if job is None or job.kind != kind or job.created_by_id != actor.id \
            or job.organisation_id != actor.organisation_id:
        raise NotFoundError(NO_SUCH_JOB)
    return job


def mark_running(session: Session, job_id: str, *, now: datetime) -> None:
    job = _locked(session, job_id)
    job.status, job.started_at = JobStatus.RUNNING, now


def add_item(session: Session, job_id: str, item: Mapping[str, Any]) -> None:
    """Append one item's outcome to the job's result and count it processed."""
    job = _locked(session, job_id)
    items = [*job.result.get(ITEMS, []), dict(item)]
    job.result = {**job.result, ITEMS: items}     # a new value: JSON columns do not track mutation
    job.processed = len(items)


def mark_done(session: Session, job_id: str, *, now: datetime) -> None:
    job = _locked(session, job_id)
    job.status, job.finished_at = JobStatus.DONE, now


def mark_failed(session: Session, job_id: str, *, message: str, params: Mapping[str, Any], now: datetime) -> None:
    """The job stopped: ``message`` (an English msgid) and its params say why."""
    job = _locked(session, job_id)
    job.status, job.finished_at, job.error = JobStatus.FAILED, now, error_json(message, params)


def error_json(message: str, params: Mapping[str, Any]) -> dict[str, Any]:
    return {"message": message, "params": json_params(params)}


def json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Message params as JSON keeps them: numbers and text as they are, anything else as its text."""
    return {key: value if value is None or isinstance(value, (str, int, float, bool)) else str(value)
            for key, value in params.items()}


def _locked(session: Session, job_id: str) -> Job:
    job = session.get(Job, job_id, with_for_update=True, populate_existing=True)
    if job is None:
        raise NotFoundError(NO_SUCH_JOB)
    return job

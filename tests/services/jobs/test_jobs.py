"""Jobs as rows: the in-process runner moves a job's row along in short transactions of its own (running,
one item at a time, then done or failed), and only the job's owner reads it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow.errors import N_, NotFoundError, ValidationError
from docflow.models import Job, JobStatus, User
from docflow.services import jobs
from docflow.services.jobs import JobContext


@pytest.fixture
def engine(committed_app: Any) -> Any:
    return committed_app.extensions["docflow.engine"]


def _transaction(engine: Any) -> jobs.Transaction:
    @contextmanager
    def transaction() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
    return transaction


def _user(engine: Any, username: str) -> User:
    with Session(engine, expire_on_commit=False) as s:
        return s.execute(select(User).where(User.username == username)).scalar_one()


def _queued(engine: Any, username: str = "phochutich1", total: int = 2) -> str:
    with Session(engine) as s, s.begin():
        actor = s.execute(select(User).where(User.username == username)).scalar_one()
        return jobs.create_job(s, actor=actor, kind="test.job", total=total).id


def _row(engine: Any, job_id: str) -> Job:
    with Session(engine, expire_on_commit=False) as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def _run(engine: Any, job_id: str, work: jobs.JobWork) -> None:
    runner = jobs.InProcessRunner(_transaction(engine))
    runner.submit(job_id, work)
    assert runner.wait(job_id, timeout=60)


def test_a_job_records_each_item_as_it_goes_and_ends_done(engine):
    job_id = _queued(engine)
    seen: list[tuple[JobStatus, int]] = []

    def work(context: JobContext) -> None:
        for n in range(2):
            row = _row(engine, context.job_id)
            seen.append((row.status, row.processed))
            context.record({"n": n})

    _run(engine, job_id, work)

    job = _row(engine, job_id)
    assert seen == [(JobStatus.RUNNING, 0), (JobStatus.RUNNING, 1)]
    assert job.status is JobStatus.DONE and job.finished and job.processed == 2 and job.total == 2
    assert job.result == {"items": [{"n": 0}, {"n": 1}]} and job.error is None
    assert job.started_at is not None and job.finished_at is not None and job.started_at <= job.finished_at


def test_a_job_that_raises_a_docflow_error_fails_with_its_message_and_keeps_what_it_did(engine):
    job_id = _queued(engine)

    def work(context: JobContext) -> None:
        context.record({"n": 0})
        raise ValidationError(N_("At most %(n)s external recipients."), n=50)

    _run(engine, job_id, work)

    job = _row(engine, job_id)
    assert job.status is JobStatus.FAILED and job.processed == 1
    assert job.error == {"message": "At most %(n)s external recipients.", "params": {"n": 50}}


def test_a_job_that_breaks_unexpectedly_fails_with_a_generic_message(engine):
    job_id = _queued(engine)

    def work(context: JobContext) -> None:
        raise RuntimeError("boom")

    _run(engine, job_id, work)

    job = _row(engine, job_id)
    assert job.status is JobStatus.FAILED and job.error == {"message": jobs.runner.UNEXPECTED, "params": {}}


def test_only_the_owner_reads_a_job(engine):
    job_id = _queued(engine)
    owner, other = _user(engine, "phochutich1"), _user(engine, "chutich")
    with Session(engine) as s:
        assert jobs.job_for(s, actor=owner, job_id=job_id, kind="test.job").id == job_id
        for actor, kind in ((other, "test.job"), (owner, "another.kind")):
            with pytest.raises(NotFoundError):
                jobs.job_for(s, actor=actor, job_id=job_id, kind=kind)
        with pytest.raises(NotFoundError):
            jobs.job_for(s, actor=owner, job_id="0" * 32, kind="test.job")


def test_a_refused_job_is_failed_from_the_start(engine):
    owner = _user(engine, "phochutich1")
    with Session(engine) as s, s.begin():
        actor = s.get(User, owner.id)
        assert actor is not None
        job = jobs.create_refused_job(s, actor=actor, kind="test.job", total=3,
                                      error=ValidationError(N_("Choose the documents to sign.")))
        job_id = job.id
    job = _row(engine, job_id)
    assert job.status is JobStatus.FAILED and job.finished and job.processed == 0 and job.total == 3
    assert job.error == {"message": "Choose the documents to sign.", "params": {}}

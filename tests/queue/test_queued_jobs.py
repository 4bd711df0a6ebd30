"""The queued jobs' rows without a broker (issue 16 §2): the embedded default enqueues nothing; a job is
claimed, finished and retried by conditional UPDATEs; a delivery of a finished job does nothing; a job held by
a live worker is not taken over; one whose worker died is; the counts /metrics reads; the ward's queue page;
notices e-mailed through the queue resume after the last one sent."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from docflow import config, db, jobqueue, mail
from docflow.cli import uses_job_queue
from docflow.errors import ConfigurationError, PermissionDeniedError
from docflow.jobqueue import broker as queue_broker
from docflow.models import Organisation, QueuedJob, QueuedJobStatus, Role, utc_now
from docflow.services.jobs import background, queued
from docflow.services.notifications import notify
from tests.conftest import make_test_app
from tests.queue.conftest import forget_queue

COUNTED: list[tuple[str, int]] = []
BUILT_IN = background.RENEWAL_JOB   # importing background registers the built-in handlers, as `docflow worker` does


class Interrupted(BaseException):
    """What the broker's time limit raises in a job's thread (dramatiq's Interrupt is a BaseException)."""


@queued.handler("test.count")
def count(job: queued.Claimed) -> None:
    COUNTED.append((job.job_id, job.attempts))
    if job.payload.get("fail"):
        raise RuntimeError("on purpose")
    if job.payload.get("interrupt"):
        raise Interrupted()


@pytest.fixture
def broker_settings(app: Flask) -> config.Settings:
    """The app's settings with a broker named (nothing is sent to it: these tests never commit for real)."""
    settings = app.extensions["docflow.settings"]
    return dataclasses.replace(settings, queue=dataclasses.replace(settings.queue, url="redis://127.0.0.1:6379/15",
                                                                   max_attempts=2))


def run(app: Flask, job_id: str) -> QueuedJobStatus | None:
    return queued.run(job_id, transaction=db.transaction, settings=app.extensions["docflow.settings"],
                      store=app.extensions["docflow.store"])


def make_job(s: Session, org: Organisation, settings: config.Settings, **payload: Any) -> QueuedJob:
    job = jobqueue.enqueue(s, kind="test.count", organisation_id=org.id, payload=payload, settings=settings)
    if job is None:
        raise AssertionError("not enqueued")
    s.info.pop("after_commit", None)   # no message: the test delivers by calling run()
    return job


def test_the_embedded_default_enqueues_nothing_and_keeps_its_threads(app: Flask, app_ctx: None, db_session: Session,
                                                                     org: Organisation) -> None:
    assert jobqueue.enqueue(db_session, kind="test.count", organisation_id=org.id) is None
    assert db_session.execute(select(QueuedJob)).first() is None
    assert not uses_job_queue(app)
    assert jobqueue.queue_reachable(app.extensions["docflow.settings"])   # nothing to reach


def test_a_job_runs_once_however_often_its_message_comes(app: Flask, app_ctx: None, db_session: Session,
                                                        org: Organisation, broker_settings: config.Settings) -> None:
    job = make_job(db_session, org, broker_settings)
    COUNTED.clear()
    assert run(app, job.id) is QueuedJobStatus.DONE
    assert run(app, job.id) is None        # delivered again: done already, nothing claimed
    assert COUNTED == [(job.id, 1)]
    db_session.refresh(job)
    assert (job.status, job.attempts, job.started_at is not None, job.finished_at is not None) == \
        (QueuedJobStatus.DONE, 1, True, True)


def test_a_failed_attempt_is_queued_again_for_the_broker_then_failed_when_attempts_are_spent(
        app: Flask, app_ctx: None, db_session: Session, org: Organisation, broker_settings: config.Settings) -> None:
    job = make_job(db_session, org, broker_settings, fail=True)
    with pytest.raises(queued.RetryLater):    # the broker's Retries middleware waits, then delivers again
        run(app, job.id)
    db_session.refresh(job)
    assert (job.status, job.attempts, job.error) == (QueuedJobStatus.QUEUED, 1, "RuntimeError: on purpose")
    assert run(app, job.id) is QueuedJobStatus.FAILED      # max_attempts = 2
    db_session.refresh(job)
    assert (job.status, job.attempts) == (QueuedJobStatus.FAILED, 2)
    assert run(app, job.id) is None


def test_a_job_interrupted_by_the_time_limit_is_open_again_for_the_brokers_retry(
        app: Flask, app_ctx: None, db_session: Session, org: Organisation, broker_settings: config.Settings) -> None:
    job = make_job(db_session, org, broker_settings, interrupt=True)
    with pytest.raises(Interrupted):
        run(app, job.id)
    db_session.refresh(job)
    assert (job.status, job.attempts, job.error) == (QueuedJobStatus.QUEUED, 1, "interrupted: Interrupted")


def test_a_running_job_is_taken_over_only_when_its_worker_is_gone(app: Flask, app_ctx: None, db_session: Session,
                                                                  org: Organisation,
                                                                  broker_settings: config.Settings) -> None:
    job = make_job(db_session, org, broker_settings)
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = queued.worker_name().rpartition(":")[0]
    try:
        now = utc_now()
        job.status, job.attempts, job.worker, job.updated_at = QueuedJobStatus.RUNNING, 1, f"{host}:{alive.pid}", now
        job.max_attempts = 5
        db_session.flush()
        with pytest.raises(queued.HeldElsewhere):          # a duplicate delivery while its worker works
            queued.claim(db_session, job.id, now=now, stale_after=timedelta(minutes=1))
        job.worker = "another-host:1234"
        db_session.flush()
        with pytest.raises(queued.HeldElsewhere):          # another host, heard from lately
            queued.claim(db_session, job.id, now=now, stale_after=timedelta(minutes=1))
        assert queued.claim(db_session, job.id, now=now + timedelta(minutes=2),
                            stale_after=timedelta(minutes=1)) is not None   # silent for too long
        job.worker = f"{host}:{dead.pid}"                  # a worker of this host that was killed
        db_session.flush()
        taken = queued.claim(db_session, job.id, now=now, stale_after=timedelta(minutes=1))
        assert taken is not None and taken.attempts == 3
    finally:
        alive.kill()
        alive.wait()


def test_queue_stats_count_every_wards_jobs_by_state(app: Flask, app_ctx: None, db_session: Session,
                                                     org: Organisation, broker_settings: config.Settings) -> None:
    before = queued.queue_stats(db_session)
    make_job(db_session, org, broker_settings)
    failed = make_job(db_session, org, broker_settings)
    failed.status = QueuedJobStatus.FAILED
    db_session.flush()
    after = queued.queue_stats(db_session)
    assert (after.queued - before.queued, after.failed - before.failed, after.depth - before.depth) == (1, 1, 1)


def test_the_queue_page_lists_the_wards_jobs_to_the_clerk_only(app: Flask, db_session: Session, org: Organisation,
                                                               make_user: Any, client: Any,
                                                               broker_settings: config.Settings) -> None:
    with app.app_context():
        job = make_job(db_session, org, broker_settings, fail=True)
        job.error = "RuntimeError: the partner's endpoint did not answer"
        db_session.flush()
        official = make_user(Role.OFFICIAL)
        with pytest.raises(PermissionDeniedError):
            queued.ward_jobs(db_session, actor=official)
    client.login(make_user(Role.CLERK))
    page = client.get("/admin/queue/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Hàng đợi công việc" in html and "Đưa vào hàng đợi" in html
    assert "the partner&#39;s endpoint did not answer" in html


def test_a_broker_url_must_be_redis_or_amqp() -> None:
    with pytest.raises(ConfigurationError, match="queue.url"):
        config.load(overrides={"queue": {"url": "http://127.0.0.1:6379"}})
    with pytest.raises(ConfigurationError, match="unknown key queue.urls"):
        config.load(overrides={"queue": {"urls": "redis://x"}})


# -- e-mail through the queue ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def queue_mail_app(database_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app with a broker named and an SMTP server that is not there (port 9: nothing listens)."""
    app = make_test_app(database_factory("queuemail"), tmp_path_factory.mktemp("queue-mail"),
                        mail={"smtp_host": "127.0.0.1", "smtp_port": 9, "starttls": False},
                        queue={"url": "redis://127.0.0.1:6379/15", "name": f"docflow_test_{uuid.uuid4().hex[:10]}"})
    yield app
    forget_queue(app.extensions["docflow.settings"].queue)
    app.extensions["docflow.engine"].dispose()


def test_urgent_notices_become_a_mail_job_in_the_same_transaction_and_fail_softly_until_the_server_answers(
        queue_mail_app: Flask) -> None:
    assert uses_job_queue(queue_mail_app)   # `docflow run` starts no background thread then
    queue = queue_mail_app.extensions["docflow.settings"].queue
    if not queue_broker.reachable(queue):
        pytest.skip("Redis is not reachable at 127.0.0.1:6379 (.ci/run starts it)")
    from docflow.services.people import ensure_organisation
    from docflow.models import User
    with queue_mail_app.app_context():
        with db.transaction() as s:
            ward = ensure_organisation(s, name="UBND phường Thư Hàng Đợi")
            users = [User(organisation_id=ward.id, username=f"u{i}", full_name=f"Bà {i}", role=Role.OFFICIAL,
                          password_hash="x", email=f"u{i}@example.org") for i in range(2)]
            s.add_all(users)
            s.flush()
            notify(s, users=users, document=None, message="Urgent: %(what)s", params={"what": "họp"}, urgent=True)
        job = db.get_session().execute(select(QueuedJob).where(QueuedJob.kind == mail.MAIL_JOB)).scalar_one()
        client = redis.Redis.from_url(queue.url)
        messages = list(client.hvals(f"dramatiq:{queue.name}.msgs"))
        client.close()
        # Its message went out after the commit, and carries the job's id, nothing of the e-mail.
        assert len(messages) == 1 and job.id.encode() in messages[0] and b"example.org" not in messages[0]
        assert (job.total, [n["to"] for n in job.payload["notices"]]) == (2, ["u0@example.org", "u1@example.org"])
        assert {mail.MAIL_JOB, BUILT_IN} <= set(queued.HANDLERS)
        with pytest.raises(queued.RetryLater):   # nothing listens on the SMTP port: retried later, not lost
            run(queue_mail_app, job.id)
        db.get_session().refresh(job)
        assert (job.status, job.progress) == (QueuedJobStatus.QUEUED, 0)
        assert "was not accepted" in (job.error or "")


def test_the_tick_enqueues_each_wards_daily_renewal_once_whoever_ticks_and_resends_lost_messages(
        app: Flask, app_ctx: None, db_session: Session, org: Organisation, broker_settings: config.Settings) -> None:
    settings = dataclasses.replace(
        broker_settings, archive=dataclasses.replace(broker_settings.archive, renew_at="00:00"),
        queue=dataclasses.replace(broker_settings.queue, name=f"docflow_test_{uuid.uuid4().hex[:10]}"))
    now = utc_now()
    try:
        assert background.enqueue_due(db.transaction, settings=settings, now=now) == []
        background.enqueue_due(db.transaction, settings=settings, now=now + timedelta(seconds=1))   # a 2nd worker
        renewals = db_session.execute(select(QueuedJob).where(QueuedJob.kind == background.RENEWAL_JOB,
                                                              QueuedJob.organisation_id == org.id)).scalars().all()
        assert len(renewals) == 1 and renewals[0].status is QueuedJobStatus.QUEUED
        # A message lost (the broker was down at commit): the tick hands the job's id back to be sent again.
        assert background.enqueue_due(db.transaction, settings=settings, now=now + timedelta(seconds=30)) == []
        later = now + timedelta(seconds=2 * settings.queue.tick_seconds + 61)
        assert renewals[0].id in background.enqueue_due(db.transaction, settings=settings, now=later)
    finally:
        forget_queue(settings.queue)


def test_a_renewal_started_by_the_clerk_goes_to_the_queue_and_runs_once(queue_mail_app: Flask) -> None:
    from docflow.models import Job, JobStatus, User
    from docflow.services import renewal
    from docflow.services.people import ensure_organisation
    app = queue_mail_app
    with app.app_context():
        with db.transaction() as s:
            ward = ensure_organisation(s, name="UBND phường Thư Hàng Đợi")
            clerk = User(organisation_id=ward.id, username=f"clerk-{uuid.uuid4().hex[:6]}", full_name="Văn thư",
                         role=Role.CLERK, password_hash="x")
            s.add(clerk)
            s.flush()
            job, _work = renewal.start_renewal(s, settings=app.extensions["docflow.settings"],
                                               store=app.extensions["docflow.store"], actor=clerk, dry_run=True)
            assert renewal.queue_renewal(s, job=job, dry_run=True)
            job_id = job.id
        session = db.get_session()
        item = session.execute(select(QueuedJob).where(QueuedJob.kind == renewal.RENEWAL_RUN_JOB)
                               .order_by(QueuedJob.created_at.desc())).scalars().first()
        assert item is not None and item.payload["job_id"] == job_id and item.organisation_id == ward.id
        assert run(app, item.id) is QueuedJobStatus.DONE
        assert run(app, item.id) is None
        row = session.get(Job, job_id, populate_existing=True)
        assert row is not None and row.status is JobStatus.DONE and len(row.result["items"]) == 1

"""The job queue on a real broker (Redis and RabbitMQ) with real `docflow worker` processes (issue 16 §2):
a worker killed mid-job loses nothing and doubles nothing; a failing job is retried with back-off and ends
failed once its attempts are spent; a message delivered twice does the work once."""

from __future__ import annotations

import os
import signal

from docflow import db, jobqueue
from docflow.models import QueuedJobStatus
from tests.queue import testjobs
from tests.queue.conftest import QueueWorld, stop


def enqueue(world: QueueWorld, kind: str, **payload: object) -> str:
    with world.app.app_context(), db.transaction() as session:
        job = jobqueue.enqueue(session, kind=kind, organisation_id=world.ward, payload=payload)
        if job is None:
            raise AssertionError("no job was enqueued: is [queue] url set?")
        return job.id


def test_a_worker_killed_mid_job_leaves_the_job_to_the_next_worker_which_does_it_once(queue_world: QueueWorld) -> None:
    job_id = enqueue(queue_world, testjobs.SLOW, steps=8, seconds=0.5)
    first = queue_world.worker()
    try:
        started = queue_world.wait_for(job_id, lambda j: j.progress >= 2)
        assert started.status is QueuedJobStatus.RUNNING and started.attempts == 1, started.error
        os.killpg(first.pid, signal.SIGKILL)   # mid-job: no acknowledgement, no clean-up
        first.wait()
    finally:
        stop(first)
    assert queue_world.job(job_id).status is QueuedJobStatus.RUNNING   # nobody finished it
    second = queue_world.worker()
    try:
        job = queue_world.wait_for(job_id, lambda j: j.finished)
    finally:
        stop(second)
    assert job.status is QueuedJobStatus.DONE, job.error
    assert job.attempts >= 2 and job.progress == job.total == 8
    assert len(queue_world.effects(job_id, "effect")) == 1          # the work's effect, exactly once
    assert [a for a, _ in queue_world.effects(job_id, "attempt")] == [1, 2]
    assert job.organisation_id == queue_world.ward


def test_a_failing_job_is_retried_with_back_off_then_done_and_one_that_never_works_ends_failed(
        queue_world: QueueWorld) -> None:
    flaky = enqueue(queue_world, testjobs.FLAKY, failures=2)
    failing = enqueue(queue_world, testjobs.FAILING)
    worker = queue_world.worker()
    try:
        done = queue_world.wait_for(flaky, lambda j: j.finished)
        failed = queue_world.wait_for(failing, lambda j: j.finished)
    finally:
        stop(worker)
    assert done.status is QueuedJobStatus.DONE and done.attempts == 3 and done.error is None
    attempts = queue_world.effects(flaky, "attempt")
    assert [a for a, _ in attempts] == [1, 2, 3]
    gaps = [later - earlier for (_, earlier), (_, later) in zip(attempts, attempts[1:])]
    # [queue] retry_min_seconds = 1: Dramatiq waits about 1 s × 2^n, less up to half of it (its jitter).
    assert all(gap >= 500 for gap in gaps), gaps
    assert len(queue_world.effects(flaky, "effect")) == 1
    assert failed.status is QueuedJobStatus.FAILED and failed.attempts == 3   # [queue] max_attempts
    assert failed.error is not None and "always fails" in failed.error
    assert len(queue_world.effects(failing, "attempt")) == 3


def test_a_message_delivered_again_after_its_job_is_done_does_nothing(queue_world: QueueWorld) -> None:
    job_id = enqueue(queue_world, testjobs.SLOW, steps=1, seconds=0.1)
    assert jobqueue.send(queue_world.queue, job_id)   # the same job's message twice, as a redelivery would
    worker = queue_world.worker()
    try:
        done = queue_world.wait_for(job_id, lambda j: j.finished)
        assert done.status is QueuedJobStatus.DONE
        assert jobqueue.send(queue_world.queue, job_id)   # and once more after it is done
        other = enqueue(queue_world, testjobs.SLOW, steps=1, seconds=0.1)   # behind it in the queue
        assert queue_world.wait_for(other, lambda j: j.finished).status is QueuedJobStatus.DONE
    finally:
        stop(worker)
    assert len(queue_world.effects(job_id, "effect")) == 1
    assert queue_world.job(job_id).attempts == 1     # the later deliveries found it done and claimed nothing

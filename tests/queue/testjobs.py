"""Job kinds that exist only in the tests (registered when this module is imported: by the tests, and by the
worker subprocesses the tests start with ``-c "import tests.queue.testjobs; ..."``). Their effects are rows of
``queue_test_effects``, a table the tests create in their throw-away database."""

from __future__ import annotations

import time

from sqlalchemy import text

from docflow.services.jobs.queued import Claimed, handler

SLOW = "test.slow"
FLAKY = "test.flaky"
FAILING = "test.failing"
EFFECTS = "CREATE TABLE IF NOT EXISTS queue_test_effects (job_id VARCHAR(32) NOT NULL, what VARCHAR(20) NOT NULL, " \
          "attempt INTEGER NOT NULL, at_ms BIGINT NOT NULL)"


def record(job: Claimed, what: str) -> None:
    with job.transaction() as session:
        session.execute(text("INSERT INTO queue_test_effects (job_id, what, attempt, at_ms) VALUES (:j, :w, :a, :t)"),
                        {"j": job.job_id, "w": what, "a": job.attempts, "t": int(time.time() * 1000)})


def done_before(job: Claimed) -> bool:
    with job.transaction() as session:
        return bool(session.execute(text("SELECT count(*) FROM queue_test_effects WHERE job_id = :j AND what = 'effect'"),
                                    {"j": job.job_id}).scalar())


@handler(SLOW)
def slow(job: Claimed) -> None:
    """``steps`` steps of ``seconds`` each, progress recorded after each, then its one effect (skipped when a
    delivery before did it: the idempotence every real handler has in its own way)."""
    record(job, "attempt")
    if done_before(job):
        return
    steps, seconds = int(job.payload["steps"]), float(job.payload["seconds"])
    for step in range(job.progress, steps):
        time.sleep(seconds)
        job.record_progress(step + 1, steps)
    record(job, "effect")


@handler(FLAKY)
def flaky(job: Claimed) -> None:
    """Fails its first ``failures`` attempts, then does its effect."""
    record(job, "attempt")
    if job.attempts <= int(job.payload["failures"]):
        raise RuntimeError(f"attempt {job.attempts} fails on purpose")
    record(job, "effect")


@handler(FAILING)
def failing(job: Claimed) -> None:
    record(job, "attempt")
    raise RuntimeError("this job always fails")

"""A real broker (Redis and RabbitMQ, both where they run) and an app on a throw-away database whose jobs go
to a queue of its own; `docflow worker` subprocesses on the same configuration. A test skips, saying why, only
when its broker cannot be reached (.ci/run starts both)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from docflow import db
from docflow.config import QueueSettings
from docflow.jobqueue import broker as queue_broker
from docflow.models import QueuedJob
from docflow.services.people import ensure_organisation
from tests.processes import stop_group
from tests.conftest import make_test_app
from tests.queue import testjobs

ROOT = Path(__file__).resolve().parents[2]
BROKERS = {"redis": "redis://127.0.0.1:6379/15", "rabbitmq": "amqp://guest:guest@127.0.0.1:5672/%2F"}
FAST = {"max_attempts": 3, "retry_min_seconds": 1, "retry_max_seconds": 4, "heartbeat_seconds": 2,
        "tick_seconds": 3600}


@dataclass
class QueueWorld:
    app: Flask
    config: Path
    queue: QueueSettings
    ward: int

    def worker(self, threads: int = 2) -> subprocess.Popen[bytes]:
        """`docflow worker` in a subprocess, with the test-only job kinds registered."""
        env = {**os.environ, "DOCFLOW_CONFIG": str(self.config), "PYTHONPATH": str(ROOT)}
        return subprocess.Popen([sys.executable, "-c", "import tests.queue.testjobs; from docflow.cli import main; "
                                 "main()", "worker", "--threads", str(threads)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def job(self, job_id: str) -> QueuedJob:
        with self.app.app_context():
            job = db.get_session().get(QueuedJob, job_id, populate_existing=True)
            if job is None:
                raise LookupError(job_id)
            db.get_session().expunge(job)
            return job

    def wait_for(self, job_id: str, ready: Callable[[QueuedJob], bool], timeout: float = 90) -> QueuedJob:
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if ready(job) or time.monotonic() > deadline:
                return job
            time.sleep(0.2)

    def effects(self, job_id: str, what: str) -> list[tuple[int, int]]:
        """(attempt, at_ms) of each ``what`` the job's handler recorded."""
        with self.app.app_context():
            rows = db.get_session().execute(text(
                "SELECT attempt, at_ms FROM queue_test_effects WHERE job_id = :j AND what = :w ORDER BY at_ms"),
                {"j": job_id, "w": what}).all()
            db.get_session().rollback()
        return [(int(a), int(t)) for a, t in rows]


def _reachable_or_skip(name: str) -> str:
    url = BROKERS[name]
    if not queue_broker.reachable(QueueSettings(url=url)):
        pytest.skip(f"{name} is not reachable at {url} (.ci/run starts it; here start it by hand)")
    return url


@pytest.fixture(params=sorted(BROKERS))
def queue_world(request: pytest.FixtureRequest, database_factory: Callable[[str], str],
                tmp_path: Path) -> Iterator[QueueWorld]:
    url = _reachable_or_skip(request.param)
    name = f"docflow_test_{uuid.uuid4().hex[:10]}"
    data_dir = tmp_path / "data"
    database_url = database_factory("queue")
    queue: dict[str, Any] = {"url": url, "name": name, **FAST}
    app = make_test_app(database_url, data_dir, queue=queue, archive={"renew_at": ""})
    config = tmp_path / "docflow.toml"
    config.write_text(_toml({
        "app": {"mode": "testing", "data_dir": str(data_dir), "keys_dir": str(data_dir / "keys")},
        "database": {"url": database_url},
        "signing": {"pin_kdf_memory_kib": 64, "pin_kdf_time_cost": 1},
        "archive": {"renew_at": ""},
        "queue": queue}), encoding="utf-8")
    with app.app_context(), db.transaction() as session:
        session.execute(text(testjobs.EFFECTS))
        ward = ensure_organisation(session, name="UBND phường Hàng Đợi").id
    world = QueueWorld(app, config, app.extensions["docflow.settings"].queue, ward)
    try:
        yield world
    finally:
        forget_queue(world.queue)
        app.extensions["docflow.engine"].dispose()


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a worker the test started (its own process group: nothing else is signalled)."""
    stop_group(process, grace_seconds=30)


def forget_queue(queue: QueueSettings) -> None:
    """Remove the test's queues from the broker."""
    if queue.url.startswith("redis"):
        import redis   # the broker's client, for clean-up only
        client = redis.Redis.from_url(queue.url)
        for key in client.scan_iter(f"dramatiq:{queue.name}*"):
            client.delete(key)
        client.close()
        return
    import pika   # the broker's client, for clean-up only
    connection = pika.BlockingConnection(pika.URLParameters(queue.url))
    channel = connection.channel()
    for suffix in ("", ".DQ", ".XQ"):
        channel.queue_delete(queue.name + suffix)
    connection.close()


def _toml(sections: dict[str, dict[str, Any]]) -> str:
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {_value(value)}")
    return "\n".join(lines) + "\n"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'

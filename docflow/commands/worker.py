"""`docflow worker`: do the jobs of the queue ([queue] url, Redis or RabbitMQ) — OCR of scanned pages, the daily
long-term renewal, e-mail, delivery of the exchange outbox — in ``--threads`` threads of each of ``--processes``
processes, and enqueue the periodic work every [queue] tick_seconds. Run as many as the load needs, on any host
that reaches the database, the blob store and the broker. Stops cleanly on SIGTERM or Ctrl-C (a job in hand
is finished first); a worker killed outright loses nothing: its unacknowledged job is delivered again.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from functools import partial

import click

from docflow import appctx, db, jobqueue
from docflow.appctx import AppContext
from docflow.commands.context import with_app
from docflow.config import QueueSettings
from docflow.jobqueue import broker as queue_broker
from docflow.models import utc_now
from docflow.services.jobs import background, queued
from docflow.services.jobs.loop import BackgroundLoop

log = logging.getLogger(__name__)
STOP_TIMEOUT_MS = 60_000


def perform(context: AppContext, job_id: str) -> None:
    """The broker's actor: run one delivery of a job in the worker's context (its own session)."""
    with appctx.bound(context):
        queued.run(job_id, transaction=db.transaction, settings=context.settings, store=context.store)


class QueueTicker(BackgroundLoop):
    """Every tick_seconds: enqueue what is due (background.enqueue_due) and resend lost messages."""

    def __init__(self, context: AppContext, queue: QueueSettings) -> None:
        super().__init__(name="docflow-queue-tick", poll_seconds=queue.tick_seconds)
        self._context, self._queue = context, queue

    def round(self) -> int:
        with appctx.bound(self._context):
            lost = background.enqueue_due(db.transaction, settings=self._context.settings)
        for job_id in lost:
            jobqueue.send(self._queue, job_id)
        return len(lost)


class Heartbeat(BackgroundLoop):
    """Every heartbeat_seconds: mark this process's running jobs alive, so no other worker takes them over."""

    def __init__(self, context: AppContext, queue: QueueSettings) -> None:
        super().__init__(name="docflow-queue-heartbeat", poll_seconds=queue.heartbeat_seconds)
        self._context = context

    def round(self) -> int:
        with appctx.bound(self._context), db.transaction() as session:
            return queued.touch_held(session, now=utc_now())


@click.command("worker")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64),
              help="worker processes (this one and N-1 children)")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256), help="threads per process")
@with_app
def worker(processes: int, threads: int) -> None:
    """Do the queued background jobs ([queue] url must name a Redis or RabbitMQ broker)."""
    context = appctx.current().context
    queue = jobqueue.configured(context.settings)
    if queue is None:
        raise click.ClickException("[queue] url is empty: `docflow run` does the background work itself; "
                                   "set it to a redis:// or amqp:// URL to use workers")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pika").setLevel(logging.WARNING)   # it logs every connection's every step at INFO
    children = [subprocess.Popen([sys.executable, "-c", "from docflow.cli import main; main()", "worker",
                                  "--processes", "1", "--threads", str(threads)]) for _ in range(processes - 1)]
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    # Imported here: dramatiq loads only for the command that consumes (the web process only sends).
    import dramatiq
    consumer = dramatiq.Worker(queue_broker.declare(queue, partial(perform, context)), worker_threads=threads)
    consumer.start()
    loops = [Heartbeat(context, queue).start(), QueueTicker(context, queue).start()]
    click.echo(f"docflow worker: {threads} thread(s) on queue {queue.name!r}.")
    try:
        stop.wait()
    finally:
        consumer.stop(timeout=STOP_TIMEOUT_MS)
        for loop in loops:
            loop.stop(timeout=5)
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=STOP_TIMEOUT_MS / 1000)

"""The broker behind ``[queue] url``, through Dramatiq: Redis (``redis://``) or RabbitMQ (``amqp://``).

Why Dramatiq: a message is acknowledged only after the job returns (a worker killed mid-job leaves it
unacknowledged, and the broker delivers it again: RabbitMQ as soon as the connection drops, Redis once the
dead worker's heartbeat is ``heartbeat_seconds`` old); its Retries middleware waits an exponential back-off
between attempts; one API over both brokers; threads in a plain process (no prefork pool to tune, unlike
Celery; RQ forks per job and speaks Redis only).

One broker per process and configuration; the web process only sends (``send``), `docflow worker` also
declares the actor that runs the jobs (``declare``)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries, ShutdownNotifications, TimeLimit

from docflow.config import QueueSettings

ACTOR = "docflow_job"
# Of a million Redis commands, how many also look for dead workers' messages (Dramatiq's default is 1000:
# a killed worker's job would wait minutes more). A worker's idle poll is one command a second or so.
REDIS_MAINTENANCE_CHANCE = 100_000
_brokers: dict[tuple[str, str, int, int, int, int, int], dramatiq.Broker] = {}
_lock = threading.Lock()


def broker_for(queue: QueueSettings) -> dramatiq.Broker:
    """This process's broker for ``queue`` (made on first use, then kept: it holds the connections)."""
    key = (queue.url, queue.name, queue.max_attempts, queue.retry_min_seconds, queue.retry_max_seconds,
           queue.time_limit_minutes, queue.heartbeat_seconds)
    with _lock:
        broker = _brokers.get(key)
        if broker is None:
            broker = _brokers[key] = _make(queue)
        return broker


def _make(queue: QueueSettings) -> dramatiq.Broker:
    # The attempts are counted in the job's row (docflow.services.jobs.queued), which ends a job that has
    # spent them; the broker retries whatever the actor raises, a few more times than that as a backstop.
    middleware = [AgeLimit(), TimeLimit(time_limit=queue.time_limit_minutes * 60_000), ShutdownNotifications(),
                  Callbacks(), Pipelines(),
                  Retries(max_retries=queue.max_attempts + 2, min_backoff=queue.retry_min_seconds * 1000,
                          max_backoff=queue.retry_max_seconds * 1000)]
    broker: dramatiq.Broker
    if queue.url.startswith(("redis://", "rediss://")):
        broker = RedisBroker(url=queue.url, middleware=middleware, heartbeat_timeout=queue.heartbeat_seconds * 1000,
                             maintenance_chance=REDIS_MAINTENANCE_CHANCE, socket_timeout=10, socket_connect_timeout=5)
    else:
        broker = RabbitmqBroker(url=queue.url, middleware=middleware, confirm_delivery=True)
    broker.declare_queue(queue.name)
    return broker


def send(queue: QueueSettings, job_id: str) -> None:
    """Put the message of the job ``job_id`` (its id only) on the queue. Raises the broker client's error."""
    broker = broker_for(queue)
    broker.enqueue(dramatiq.Message(queue_name=queue.name, actor_name=ACTOR, args=(job_id,), kwargs={},
                                    options={}))


def declare(queue: QueueSettings, perform: Callable[[str], object]) -> dramatiq.Broker:
    """Declare the actor that runs a job by its id (`docflow worker`); the broker it is declared on."""
    broker = broker_for(queue)
    if ACTOR not in broker.actors:
        dramatiq.Actor(perform, broker=broker, actor_name=ACTOR, queue_name=queue.name, priority=0, options={})
    return broker


def reachable(queue: QueueSettings, timeout: float = 3.0) -> bool:
    """Whether the broker answers within ``timeout`` seconds (a fresh connection, not the kept one)."""
    try:
        if queue.url.startswith(("redis://", "rediss://")):
            # Imported here: the redis client is loaded by dramatiq's Redis broker anyway, named only here.
            import redis
            client = redis.Redis.from_url(queue.url, socket_timeout=timeout, socket_connect_timeout=timeout)
            try:
                return bool(client.ping())
            finally:
                client.close()
        # Imported here: the RabbitMQ client, as above.
        import pika
        parameters = pika.URLParameters(queue.url)
        parameters.socket_timeout = parameters.blocked_connection_timeout = timeout
        parameters.connection_attempts = 1
        connection = pika.BlockingConnection(parameters)
        connection.close()
        return True
    except Exception:   # any failure to connect or answer is "not reachable" (/ready says 503)
        return False

"""Readiness checks and the figures /metrics reads from the database at scrape time: how much work waits in
each background queue, how much of it failed, and how old the last signed audit checkpoint is.

Every figure is the deployment's, across wards: a scrape binds no ward. On PostgreSQL with row-level security
the scrape's queries must run as a role that sees every ward's rows (README, "Running a province deployment").
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from docflow.models import AuditCheckpoint, AuditHead
from docflow.models.jobs import Job, JobStatus
from docflow.models.ocrtask import OcrStatus, OcrTask
from docflow.models.outbox import OutboxItem, OutboxStatus

QUEUE_PORTS = {"redis": 6379, "rediss": 6379, "amqp": 5672, "amqps": 5671}


@dataclass(frozen=True)
class QueueDepth:
    """One background queue: rows waiting or being worked on, and rows that failed for good."""
    queue: str
    waiting: int
    failed: int


def database_reachable(engine: Engine) -> bool:
    """Whether a connection answers ``SELECT 1`` now (a fresh check, not the request's session)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure to answer is "not ready"; the probe says so, never raises
        return False
    return True


def queue_reachable(url: str, *, timeout: float = 2.0) -> bool:
    """Whether the job queue's broker (a redis:// or amqp:// URL) accepts a TCP connection now."""
    parts = urlsplit(url)
    port = parts.port or QUEUE_PORTS.get(parts.scheme)
    if not parts.hostname or port is None:
        return False
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def queue_depths(session: Session) -> list[QueueDepth]:
    """The queues docflow keeps in its own tables: batch jobs, OCR of scanned pages, the exchange outbox.
    (A job queue on Redis or RabbitMQ adds its own depth here when it keeps one.)"""
    jobs = _by_status(session, Job.status)
    ocr = _by_status(session, OcrTask.status)
    outbox = _by_status(session, OutboxItem.status)
    return [
        QueueDepth("jobs", jobs.get(JobStatus.QUEUED, 0) + jobs.get(JobStatus.RUNNING, 0),
                   jobs.get(JobStatus.FAILED, 0)),
        QueueDepth("ocr", ocr.get(OcrStatus.QUEUED, 0) + ocr.get(OcrStatus.RUNNING, 0), ocr.get(OcrStatus.FAILED, 0)),
        QueueDepth("outbox", outbox.get(OutboxStatus.PENDING, 0) + outbox.get(OutboxStatus.SENDING, 0),
                   outbox.get(OutboxStatus.REJECTED, 0)),
    ]


def _by_status(session: Session, column: object) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).group_by(column)).all()   # type: ignore[call-overload]
    return {str(status): int(count) for status, count in rows}


def checkpoint_age_seconds(session: Session, now: datetime) -> float | None:
    """Seconds since the newest signed audit checkpoint, or None when none was ever made."""
    newest = session.scalar(select(func.max(AuditCheckpoint.created_at)))
    if newest is None:
        return None
    if newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return max(0.0, (now - newest).total_seconds())


def unsigned_events(session: Session) -> int:
    """Audit events no signed checkpoint covers yet, over every chain (a ward whose system key is missing shows
    here, however fresh the other wards' checkpoints are)."""
    return int(session.scalar(select(func.coalesce(func.sum(AuditHead.seq - AuditHead.checkpoint_seq), 0))) or 0)


class _DatabaseFigures(Collector):
    def __init__(self, depths: Iterable[QueueDepth], checkpoint_age: float | None, unsigned: int) -> None:
        self.depths, self.checkpoint_age, self.unsigned = list(depths), checkpoint_age, unsigned

    def collect(self) -> Iterator[GaugeMetricFamily]:
        waiting = GaugeMetricFamily("docflow_queue_depth", "Work waiting or running, by queue (from the database).",
                                    labels=["queue"])
        failed = GaugeMetricFamily("docflow_queue_failed", "Work that failed for good, by queue (from the database).",
                                   labels=["queue"])
        for depth in self.depths:
            waiting.add_metric([depth.queue], depth.waiting)
            failed.add_metric([depth.queue], depth.failed)
        yield waiting
        yield failed
        yield GaugeMetricFamily("docflow_audit_unsigned_events", "Audit events no signed checkpoint covers yet.",
                                value=self.unsigned)
        if self.checkpoint_age is not None:
            yield GaugeMetricFamily("docflow_audit_checkpoint_age_seconds",
                                    "Seconds since the last signed audit checkpoint.", value=self.checkpoint_age)


def scrape_registry(session: Session, now: datetime) -> CollectorRegistry:
    """A registry of this scrape's database figures (read now, in ``session``)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_DatabaseFigures(queue_depths(session), checkpoint_age_seconds(session, now),
                                       unsigned_events(session)))
    return registry

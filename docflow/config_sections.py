"""The smaller ``docflow.config`` sections (mail, audit checkpoints, OCR, archive renewal, API), kept apart from
``docflow.config`` for its size; ``docflow.config`` re-exports them, so either import works."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MailSettings:
    # Empty: notices stay in the app. Otherwise urgent documents and escalations are also e-mailed.
    smtp_host: str = ""
    smtp_port: int = 587
    starttls: bool = True
    username: str = ""
    password_env: str | None = None
    sender: str = "docflow@localhost"


@dataclass(frozen=True)
class AuditSettings:
    # The chain head is signed with the ward's system key after this many events (0: never by count) ...
    checkpoint_every_events: int = 1000
    # ... or at the first event this many minutes after the last checkpoint (0: never by time).
    checkpoint_every_minutes: int = 60


@dataclass(frozen=True)
class OcrSettings:
    # Pages without a text layer (scans) are read by Debian's tesseract (tesseract-ocr-vie) in the background:
    # a thread inside `docflow run`, or `docflow ocr run` from the command line or cron.
    enabled: bool = True
    language: str = "vie"
    dpi: int = 300
    timeout_seconds: int = 120        # per page; then tesseract is ended and the attempt fails
    poll_seconds: int = 5             # how often an idle worker looks for queued pages
    max_attempts: int = 3             # a page that failed (or whose worker died) this often is marked failed
    stale_minutes: int = 15           # a page "running" longer than this lost its worker: it is claimed again


@dataclass(frozen=True)
class ArchiveSettings:
    # An issued version is renewed (a document timestamp, PAdES B-LTA) once its last timestamp authority's
    # certificate, or before any document timestamp a signing certificate, expires within this many days.
    renew_days_before: int = 90
    renew_at: str = "02:30"   # `docflow run` renews daily at this HH:MM of the ward's clock; "" turns it off


@dataclass(frozen=True)
class ApiSettings:
    # Calls one API client may make per window (429 with Retry-After beyond it), counted in the database.
    rate_limit: int = 120
    rate_window_seconds: int = 60


@dataclass(frozen=True)
class QueueSettings:
    # The job queue. "" (the embedded default): background work runs in threads of `docflow run`, as before.
    # "redis://HOST:6379/0" or "amqp://USER:PASS@HOST:5672/VHOST": the work is enqueued on that broker and
    # done by `docflow worker`; `docflow run` then runs no background threads.
    url: str = ""
    # The broker's queue name (one per deployment sharing a broker).
    name: str = "docflow"
    # Attempts per job; between them the wait doubles from retry_min_seconds up to retry_max_seconds.
    max_attempts: int = 5
    retry_min_seconds: int = 15
    retry_max_seconds: int = 3600
    # Longest a job may run (then it is interrupted and retried).
    time_limit_minutes: int = 60
    # Redis only: a worker silent this long is dead, and the messages it held are delivered again
    # (RabbitMQ redelivers as soon as the worker's connection drops).
    heartbeat_seconds: int = 60
    # How often `docflow worker` enqueues the periodic work (outbox delivery, OCR sweep, the daily renewal).
    tick_seconds: int = 30

"""The process's Prometheus metrics (served by /metrics, docflow.web.ops): requests, latency, signatures and
verifications counted as they happen. The figures read from the database at scrape time (queue depths, job
failures, the audit checkpoint's age) are ``docflow.services.ops``'s.

One registry per process: each `docflow run` process is scraped on its own port (deploy/, README "Running a
province deployment"), so its counters need no sharing. A pre-forking server (gunicorn) instead sets
PROMETHEUS_MULTIPROC_DIR before start; prometheus-client then keeps the counters in files there, and
``exposition`` adds them up across the host's processes.
"""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter("docflow_http_requests", "HTTP requests answered, by method, endpoint and status.",
                        ["method", "endpoint", "status"])
HTTP_LATENCY = Histogram("docflow_http_request_duration_seconds", "Time to answer a request, by endpoint.",
                         ["endpoint"], buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
SIGNATURES = Counter("docflow_signatures", "Signatures applied (every kind goes through one helper), by kind.",
                     ["kind"])
VERIFICATIONS = Counter("docflow_verifications", "PDF signature verifications run (not cached), by outcome.",
                        ["outcome"])


# Any other method a client invents is counted as "other": labels stay a bounded set, whatever is sent.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def count_request(method: str, endpoint: str, status: int, seconds: float) -> None:
    """One answered request; ``endpoint`` is the route's name (or "unmatched"), never the path."""
    method = method if method in METHODS else "other"
    HTTP_REQUESTS.labels(method=method, endpoint=endpoint, status=str(status)).inc()
    HTTP_LATENCY.labels(endpoint=endpoint).observe(seconds)


def count_signature(kind: str) -> None:
    SIGNATURES.labels(kind=kind).inc()


def count_verification(outcome: str) -> None:
    """``outcome``: "valid", "invalid" or "unreadable"."""
    VERIFICATIONS.labels(outcome=outcome).inc()


def exposition(extra: CollectorRegistry | None = None) -> bytes:
    """The text exposition of this process's metrics (or the host's, in multiprocess mode), then ``extra``'s."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    return text + (generate_latest(extra) if extra is not None else b"")

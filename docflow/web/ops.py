"""Probes and observability (issue 16 §3): /health (the process answers), /ready (the database, and the job queue
when one is configured, answer), /metrics (Prometheus text, to the addresses ``[metrics] allow`` permits), and
per request: its id (``X-Request-Id``), its log fields, its count and latency.

The probes take no sign-in, set no cookie, need no CSRF token (GET only) and count against no rate limit: a load
balancer or systemd may call them every second.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, Flask, Response, abort, g, jsonify, request
from sqlalchemy import inspect

from docflow import appctx, db, logformat, metrics
from docflow.models import utc_now
from docflow.services import ops as ops_service
from docflow.web import helpers

bp = Blueprint("ops", __name__)
access_log = logging.getLogger("docflow.access")
PROBES = frozenset({"ops.health", "ops.ready", "ops.metrics"})


def init_app(app: Flask) -> None:
    """The probes' blueprint (GET only: CSRF checks no GET) and the per-request hooks, registered before every
    other hook, so the request's id is bound first and its count and access line see the final status."""
    app.register_blueprint(bp)
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_end)


@bp.get("/health")
def health() -> Any:
    """Liveness: the process answers. Touches nothing else (a busy database must not get the process restarted)."""
    return _probe({"status": "ok"}, 200)


@bp.get("/ready")
def ready() -> Any:
    """Readiness: the database answers, and the job queue's broker when ``[queue] url`` names one."""
    checks = {"database": ops_service.database_reachable(appctx.engine())}
    queue_url = _queue_url()
    if queue_url:
        checks["queue"] = ops_service.queue_reachable(queue_url)
    ok = all(checks.values())
    return _probe({"status": "ready" if ok else "unavailable", "checks": checks}, 200 if ok else 503)


@bp.get("/metrics")
def metrics_text() -> Any:
    """Prometheus text exposition, only to the allowed addresses (404 to every other: nothing to discover)."""
    settings = helpers.settings()
    # Behind a proxy the app trusts no X-Forwarded-For (security.trusted_proxies = 0), every client would look like
    # the proxy's loopback address: a forwarded request is then refused whatever address it came from.
    forwarded = "X-Forwarded-For" in request.headers and not settings.security.trusted_proxies
    if forwarded or not settings.metrics.allows(request.remote_addr):
        abort(404)
    registry = ops_service.scrape_registry(db.get_session(), utc_now())
    g.no_store = True
    return Response(metrics.exposition(registry), mimetype="text/plain", headers={"Content-Type":
                    "text/plain; version=0.0.4; charset=utf-8"})


def _queue_url() -> str:
    # The job queue's section arrives with the queue (issue 16 §2); without it there is no broker to check.
    queue = getattr(helpers.settings(), "queue", None)
    return str(getattr(queue, "url", "") or "")


def _probe(body: dict[str, Any], status: int) -> Any:
    g.no_store = True
    return jsonify(body), status


def _start() -> None:
    g.request_started = time.perf_counter()
    g.request_id = logformat.request_id_from(request.headers.get(logformat.REQUEST_ID_HEADER))
    g.log_token = logformat.bind_request(request_id=g.request_id, method=request.method, path=request.path)


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:
        return response
    response.headers[logformat.REQUEST_ID_HEADER] = g.request_id
    seconds = time.perf_counter() - started
    endpoint = request.endpoint or "unmatched"
    metrics.count_request(request.method, endpoint, response.status_code, seconds)
    if endpoint not in PROBES:
        # The user's row id only: get_id() carries the session stamp, which belongs in the cookie alone. Only a
        # user the request already loaded (flask-login keeps it on g): loading one here would query a database
        # that may just have failed (a 503 would become a 500).
        # Read from the row's identity, never its attributes: after a failed commit they are expired, and
        # reading one would query again.
        state = inspect(g.get("_login_user"), raiseerr=False)
        user_id = state.identity[0] if state is not None and state.identity else None
        access_log.info("%s %s %s %.1fms", request.method, logformat.printable(request.path), response.status_code,
                        seconds * 1000,
                        extra={"request": {"status": response.status_code, "duration_ms": round(seconds * 1000, 1),
                                           "user_id": user_id}})
    return response


def _end(_exc: BaseException | None) -> None:
    token = g.pop("log_token", None)
    if token is not None:
        logformat.unbind_request(token)

"""The /api/v1 blueprint's front door: a bearer token (never a session cookie) names the client and the user it
acts as, the client's rate limit is counted, the route's scope is checked, and every call leaves one audit row
(in the change's own transaction for a write, in its own transaction after the work for a read or a refusal)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, request
from sqlalchemy.orm import Session

from docflow import db, wards
from docflow.errors import N_, PermissionDeniedError
from docflow.models import ApiClient, User, utc_now
from docflow.services import api as api_service
from docflow.services import ratelimit
from docflow.services.people import find_organisation
from docflow.web.helpers import settings

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api/v1")
PUBLIC_ENDPOINTS = frozenset({"api.openapi"})     # the OpenAPI document: no data, no token needed
# Calls with no token or one docflow never made, per client address: a program misconfigured makes a few, a
# guesser thousands (each a database look-up); beyond this the address gets 429 until the window ends.
UNKNOWN_TOKEN_LIMIT, UNKNOWN_TOKEN_WINDOW = 30, timedelta(minutes=10)
F = TypeVar("F", bound=Callable[..., Any])


def scope(name: str) -> Callable[[F], F]:
    """The scope a client needs for this route (its user's own permissions are checked by the services)."""
    if name not in api_service.SCOPES:
        raise ValueError(f"unknown API scope {name}")

    def mark(view: F) -> F:
        view.api_scope = name  # type: ignore[attr-defined]
        return view
    return mark


def client() -> ApiClient:
    found: ApiClient = g.api_client
    return found


def actor() -> User:
    """The docflow user the calling client acts as."""
    return client().user


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    kind, _, token = header.partition(" ")
    return token.strip() if kind.lower() == "bearer" and token.strip() else None


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    token, now = _bearer(), utc_now()
    if token is None:
        _count_unknown(now)
        if request.cookies:
            log.warning("API call refused: a cookie without a bearer token from %s", request.remote_addr)
            raise api_service.UnauthenticatedError(
                N_("The API takes a bearer token (Authorization: Bearer …), not a session cookie."))
        raise api_service.UnauthenticatedError(N_("The API token is missing, unknown, expired or revoked."))
    found = api_service.find_client_by_token(db.get_session(), token)
    if found is None:
        _count_unknown(now)
        log.warning("API call refused: a token docflow never made, from %s", request.remote_addr)
        raise api_service.UnauthenticatedError(N_("The API token is missing, unknown, expired or revoked."))
    # Counted before the token is judged: a revoked client's retries are limited (and audited) like any calls.
    g.api_client, g.api_refused = found, api_service.refusal_reason(found, now=now)
    # The call acts for the client's ward (docflow.wards); docflow.web unbinds it at teardown.
    if "ward_token" in g:  # a session cookie sent beside the token: the token's user is the one acting
        wards.unbind(g.pop("ward_token"))
    g.ward_token = wards.bind(found.organisation_id)
    limits = settings().api
    with db.transaction() as session:
        ratelimit.take(session, organisation_id=found.organisation_id, bucket="api.client", caller=str(found.id),
                       limit=limits.rate_limit, per=timedelta(seconds=limits.rate_window_seconds), now=now)
    api_service.check_usable(found, now=now)
    view = current_app.view_functions.get(request.endpoint or "")
    needed = getattr(view, "api_scope", None)
    if needed is None or needed not in found.scope_set:
        raise PermissionDeniedError(N_("This API client has no scope %(scope)s."), scope=needed or "?")


def _count_unknown(now: datetime) -> None:
    """One refused call without a known client, counted for the caller's address in its own transaction (so
    the count stays); raises RateLimitedError (429) once the address has made too many."""
    with db.transaction() as session:
        organisation = find_organisation(session)
        if organisation is None:     # not initialised: no client exists to guess, and no ward to count for
            return
        ratelimit.take(session, organisation_id=organisation.id, bucket="api.unknown_token",
                       caller=request.remote_addr or "", limit=UNKNOWN_TOKEN_LIMIT, per=UNKNOWN_TOKEN_WINDOW,
                       now=now)


def _path_template() -> str:
    return request.url_rule.rule if request.url_rule is not None else request.path[:200]


@contextmanager
def audited_transaction(status: int) -> Iterator[Session]:
    """The write's transaction with the call's audit row inside it, so the two commit or fail together."""
    with db.transaction() as session:
        yield session
        api_service.record_call(session, client=client(), method=request.method, path=_path_template(),
                                status=status)
    g.api_audited = True


@bp.after_request
def _audit_call(response: Response) -> Response:
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="docflow"'
    response.headers["Cache-Control"] = "no-store"
    found: ApiClient | None = g.get("api_client")
    if found is None or g.get("api_audited"):
        return response
    session = db.get_session()
    session.rollback()      # whatever a failed call left undone is not committed by its audit row
    with db.transaction() as session:
        api_service.record_call(session, client=session.merge(found), method=request.method,
                                path=_path_template(), status=response.status_code, refused=g.get("api_refused", ""))
    return response

"""Thin blueprints, i18n, CSRF, sign-in wiring and one error handler for every DocflowError."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import Babel, get_locale, gettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from docflow import db, policy, wards
from docflow.errors import N_, DocflowError, RateLimitedError, ValidationError
from docflow.paths import TRANSLATIONS_DIR
from docflow.storage import BlobMissingError
from docflow.web import (
    admin,
    api,
    archive,
    attachments,
    audit,
    auth,
    citizens,
    copies,
    dashboard,
    delegations,
    documents,
    exchange,
    formatchecks,
    helpers,
    home,
    incoming,
    jobqueue,
    notifications,
    ops,
    outbox,
    outgoing,
    outgoing_files,
    petitions,
    phrases,
    province,
    public,
    queues,
    records,
    registers,
    search,
    sessions,
    signing,
    textindex,
)

log = logging.getLogger(__name__)
# Modules whose routes belong to another module's blueprint: imported so that the routes exist.
ROUTES_ONLY = (outgoing_files,)
LOCALES = ("vi", "en")

csrf = CSRFProtect()


def select_locale() -> str:
    # The signed-in user's choice, unless the database cannot be reached to load the user (_database_unavailable).
    if (not g.get("database_unavailable") and getattr(current_user, "is_authenticated", False)
            and current_user.locale in LOCALES):
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in LOCALES:
        return str(chosen)
    return str(helpers.settings().app.default_locale)


def register(app: Flask) -> None:
    app.url_map.converters["int"] = helpers.BoundedIntConverter
    ops.init_app(app)   # first: the request's id and timing are bound before any other hook runs; the probes
    proxies = app.extensions["docflow.settings"].security.trusted_proxies
    if proxies:
        # request.remote_addr becomes the client's address as the trusted proxies saw it (sign-in limits and
        # the audit log use it); without trusted proxies a forged X-Forwarded-For changes nothing.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)  # type: ignore[method-assign]
    Babel(app, locale_selector=select_locale,
          default_translation_directories=str(TRANSLATIONS_DIR))
    # Re-signed on every request (the idle limit), except where that would put back messages already shown.
    app.session_interface = sessions.SessionInterface()
    csrf.init_app(app)
    auth.init_login(app)
    for module in (auth, home, documents, admin, audit, signing, registers, incoming, outgoing, delegations, queues,
                   notifications, attachments, copies, formatchecks, textindex, dashboard, phrases, records,
                   archive, outbox, exchange, public, petitions, citizens, province):
        app.register_blueprint(module.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(jobqueue.bp)
    # The API takes bearer tokens only, never the session cookie: nothing a browser sends on its own to forge.
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)
    app.register_blueprint(api.admin_bp)
    app.register_blueprint(api.mine_bp)
    # OCSP clients post binary requests without a session: no form, no cookie, nothing to forge.
    csrf.exempt(signing.pki_ocsp)
    app.before_request(_refuse_nul)
    app.before_request(_bind_ward)
    app.teardown_request(_unbind_ward)
    app.register_error_handler(DocflowError, _docflow_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(StaleDataError, _concurrent_change)
    app.register_error_handler(IntegrityError, _concurrent_change)
    app.register_error_handler(OperationalError, _database_busy)
    app.after_request(_security_headers)
    app.context_processor(helpers.template_globals)
    app.context_processor(_permissions)
    app.jinja_env.filters.update(helpers.FILTERS)


def _permissions() -> dict[str, Any]:
    """Every template gets the signed-in user's answers as ``perms``: templates test them, never a role."""
    signed_in = getattr(current_user, "is_authenticated", False)
    return {"perms": policy.permissions_for(helpers.current_actor() if signed_in else None)}


def _bind_ward() -> None:
    """A signed-in user's request acts for the user's ward (docflow.wards): every "this ward" of the services
    is theirs. Others (sign-in, public pages) stay unbound: the deployment's only ward, or the ward their own
    route resolves."""
    if request.endpoint in ops.PROBES:
        return   # a probe touches no user (nor the database, for /health), whatever cookie it carries
    if getattr(current_user, "is_authenticated", False):
        g.ward_token = wards.bind(current_user.organisation_id)


def _unbind_ward(_exc: BaseException | None) -> None:
    token = g.pop("ward_token", None)
    if token is not None:
        wards.unbind(token)


def _refuse_nul() -> None:
    # No field of docflow ever holds a NUL, and PostgreSQL refuses one in text deep inside a query (a 500):
    # refused here with a 400, on every page and the API alike (found by schemathesis).
    values = [*request.args.listvalues(), *(request.form.listvalues() if request.method == "POST" else [])]
    if any("\x00" in value for group in values for value in group):
        raise ValidationError(N_("The request contains a character that is not allowed."))


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render_error(status: int, message: str) -> ResponseReturnValue:
    if _wants_json():
        return jsonify({"error": message, "status": status}), status
    return render_template("errors/error.html", status=status, message=message), status


def _docflow_error(exc: DocflowError) -> ResponseReturnValue:
    if isinstance(exc, BlobMissingError):
        log.error("blob missing: %s", exc)
    elif exc.status_code >= 500:
        log.exception("docflow error: %s", exc)
    response = make_response(_render_error(exc.status_code, gettext(exc.message, **exc.params)))
    if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _csrf_error(exc: CSRFError) -> ResponseReturnValue:
    return _render_error(400, gettext("The form has expired or did not come from docflow. "
                                      "Go back, reload the page and submit it again; nothing was changed."))


_HTTP_MESSAGES: dict[int, str] = {
    403: "You do not have access to this page.",
    404: "This page does not exist.",
    405: "This action is not allowed here.",
    413: "The file is too large to upload.",
    429: "Too many attempts. Please wait and try again.",
}


def _concurrent_change(exc: Exception) -> ResponseReturnValue:
    # A safety net: services lock rows, but a lost race must still read as a conflict, never a 500.
    log.warning("concurrent change refused: %s", type(exc).__name__)
    return _render_error(409, gettext("Someone else changed this at the same moment. Nothing of yours was "
                                      "saved; reload the page and try again."))


BUSY_RETRY_AFTER_SECONDS = 5


def _database_busy(exc: OperationalError) -> ResponseReturnValue:
    # Contention and an unreachable database (a failover, a restart) are answered "try again": any other database
    # failure stays a logged 500.
    if db.is_unavailable(exc):
        response = _database_unavailable(exc)
    elif db.is_busy(exc):
        log.warning("database busy, answered 503: %s", exc.orig)
        response = make_response(_render_error(503, gettext("The system is busy. Nothing was changed; please try "
                                                            "again in a few seconds.")))
    else:
        raise exc
    response.headers["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
    return response


def _database_unavailable(exc: OperationalError) -> Response:
    """503 for a database that cannot be reached, rendered without asking it anything: no page that extends
    base.html (its menu reads the signed-in user, who may need reloading; its bell counts notices), no context
    processor, not the signed-in user's language. The next request connects afresh (docflow.db.is_unavailable)."""
    log.warning("database unreachable, answered 503: %s", exc.orig)
    g.database_unavailable = True
    # The connection may have gone between the commit and its acknowledgement: a change may have been saved.
    message = (gettext("The database cannot be reached for a moment. Your change may or may not have been saved: "
                       "look before submitting it again in a few seconds.")
               if request.method not in ("GET", "HEAD", "OPTIONS") else
               gettext("The database cannot be reached for a moment; please try again in a few seconds."))
    if _wants_json():
        return make_response(jsonify({"error": message, "status": 503}), 503)
    page = current_app.jinja_env.get_template("errors/unavailable.html").render(message=message,
                                                                               locale=str(get_locale()))
    return make_response(page, 503)


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    if status >= 500:
        log.error("HTTP %s: %s", status, exc)
    message = _HTTP_MESSAGES.get(status)
    text = gettext(message) if message else gettext("Something went wrong. Please try again.")
    if status == 413:
        text = gettext("The file is larger than the limit of %(limit)s MB.",
                       limit=helpers.settings().uploads.max_upload_mb)
    return _render_error(status, text)


def _security_headers(response: Any) -> Any:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'self'; img-src 'self' data:")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    # Pages show documents and names: neither the browser nor a shared proxy keeps a copy (the back button
    # on a shared PC after sign-out shows nothing).
    if response.mimetype == "text/html" or g.get("no_store"):
        response.headers["Cache-Control"] = "no-store"
    if helpers.settings().app.mode == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response

"""Sign in, sign out, change password, choose the language."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response
from flask_babel import format_datetime, gettext
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from sqlalchemy.orm import joinedload

from docflow import db
from docflow.config import Settings
from docflow.errors import N_, ValidationError
from docflow.models import User, utc_now
from docflow.services.people import list_wards
from docflow.services.people import signin as auth_service
from docflow.services.people import users as user_service
from docflow.services.people import PasswordCheckGate, SignInOutcome, SignInPolicy, SignInResult
from docflow.web.helpers import current_actor, safe_next, settings

bp = Blueprint("auth", __name__)
SIGNED_IN_AT = "signed_in_at"  # session key: when this session's sign-in happened (Unix seconds)


def init_login(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = ""
    manager.session_protection = "strong"
    cfg: Settings = app.extensions["docflow.settings"]
    app.extensions["docflow.password_checks"] = PasswordCheckGate(cfg.security.login_concurrent_checks)

    @manager.user_loader
    def load_user(token: str) -> User | None:
        # The token carries the password-change time, so changing a password ends other sessions.
        user_id, _, stamp = token.partition(".")
        if not user_id.isdigit() or not _session_is_young():
            return None
        # With its ward: every page names it (the menu), so it comes in the same query.
        user = db.get_session().get(User, int(user_id), options=[joinedload(User.organisation)])
        if user is None or not user.is_active or stamp != user.session_stamp:
            return None
        return user


def _session_is_young() -> bool:
    """A session ends a fixed time after its sign-in, however active: a stolen cookie is not good forever.
    Sessions from before this rule (no sign-in time) end too."""
    signed_in_at = session.get(SIGNED_IN_AT)
    max_age = settings().security.session_max_age_hours * 3600
    if isinstance(signed_in_at, int) and 0 <= utc_now().timestamp() - signed_in_at <= max_age:
        return True
    session.clear()
    flash(gettext("Your session has ended. Please sign in again."), "info")
    return False


def password_checks() -> PasswordCheckGate:
    gate: PasswordCheckGate = current_app.extensions["docflow.password_checks"]
    return gate


def _login_page(next_url: str | None, **extra: str) -> str:
    """The sign-in page, naming the ward as the database knows it (the configured name before `docflow init`)."""
    # One ward: its name. A province's deployment serves several: the configured name of the deployment.
    wards = list_wards(db.get_session())
    ward = wards[0].name if len(wards) == 1 else settings().app.organisation_name
    return render_template("auth/login.html", next=next_url, ward=ward, **extra)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the sign-in form; check credentials and throttle on POST."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return _login_page(next_url)
    username = request.form.get("username", "")[:200]
    with db.transaction() as s:
        result = auth_service.sign_in(s, username=username, password=request.form.get("password", "")[:1000],
                                      policy=SignInPolicy.from_settings(settings().security),
                                      gate=password_checks(), remote_addr=request.remote_addr or "",
                                      device=_known_device(username))
    if result.outcome is SignInOutcome.OK and result.user is not None:
        chosen = session.get("locale")
        session.clear()  # a fresh session on sign-in: nothing from before it is trusted
        if chosen and result.user.locale is None:
            session["locale"] = chosen
        login_user(result.user)
        session[SIGNED_IN_AT] = int(utc_now().timestamp())
        session.permanent = True
        response = redirect(next_url or url_for("home.index"))
        _remember_device(response, username)
        return response
    return _refused(result, next_url)


# A browser that signed in as a username gets a signed cookie naming it; its later attempts for that
# username wait on their own failures only (services.people.sign_in ``device``), so a guesser elsewhere cannot
# keep the owner out. OWASP's "device cookie" defence against lockout abuse.
DEVICE_COOKIE = "docflow_device"
_DEVICE_DAYS = 180


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="docflow-known-device")


def _username_digest(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _known_device(username: str) -> str | None:
    """The device token of this browser if it signed in as ``username`` before (within 180 days)."""
    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie or not username:
        return None
    try:
        value = _device_serializer().loads(cookie, max_age=_DEVICE_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(value, dict) or value.get("u") != _username_digest(username):
        return None
    token = value.get("d")
    return token if isinstance(token, str) else None


def _remember_device(response: Response, username: str) -> None:
    token = _known_device(username) or secrets.token_hex(16)
    response.set_cookie(DEVICE_COOKIE, _device_serializer().dumps({"u": _username_digest(username), "d": token}),
                        max_age=_DEVICE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))


def _refused(result: SignInResult, next_url: str | None) -> ResponseReturnValue:
    """The sign-in page again, saying why and, when waiting helps, until when (also as Retry-After)."""
    if result.outcome is SignInOutcome.BAD_CREDENTIALS or result.retry_at is None:
        return _login_page(next_url,
                               error=gettext("Wrong username or password, or the account is inactive.")), 401
    time = format_datetime(result.retry_at, "HH:mm:ss")
    status, message = {
        SignInOutcome.DELAYED: (429, gettext(
            "Too many failed sign-ins for this username. Wait until %(time)s, then try again: the right "
            "password will work.", time=time)),
        SignInOutcome.ADDRESS_LIMITED: (429, gettext(
            "Too many failed sign-ins from your network address. Try again after %(time)s.", time=time)),
        SignInOutcome.BUSY: (503, gettext("docflow is busy checking other sign-ins. Try again in a few seconds.")),
    }[result.outcome]
    return (_login_page(next_url, error=message), status,
            {"Retry-After": str(_seconds_until(result.retry_at))})


def _seconds_until(moment: datetime) -> int:
    return max(1, math.ceil((moment - utc_now()).total_seconds()))


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out (POST only, so a link on another site cannot sign you out)."""
    with db.transaction() as s:
        auth_service.sign_out(s, user=s.merge(current_actor()))
    logout_user()
    session.clear()
    flash(gettext("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """Change one's own password."""
    if request.method == "GET":
        return render_template("auth/password.html")
    new, confirm = request.form.get("new_password", ""), request.form.get("confirm_password", "")
    try:
        if new != confirm:
            raise ValidationError(N_("The two new passwords do not match."), field="confirm_password")
        with db.transaction() as s:
            user_service.change_password(s, actor=current_actor(),
                                         current_password=request.form.get("current_password", "")[:1000],
                                         new_password=new[:1000])
    except ValidationError as exc:
        retry_at = _count_wrong_current_password() if exc.field == "current_password" else None
        if retry_at is not None:
            logout_user()
            session.clear()
            flash(gettext("Too many wrong passwords: you have been signed out. You can sign in again after "
                          "%(time)s.", time=format_datetime(retry_at, "HH:mm:ss")), "danger")
            return redirect(url_for("auth.login"))
        return render_template("auth/password.html", error=gettext(exc.message, **exc.params)), 400
    login_user(current_actor())
    flash(gettext("Your password has been changed."), "success")
    return redirect(url_for("home.index"))


def _count_wrong_current_password() -> datetime | None:
    """A wrong current password counts like a failed sign-in (an unattended PC is no guessing machine);
    returns when sign-in may be tried again once the failures have reached the waits."""
    with db.transaction() as s:
        user = current_actor()
        return auth_service.record_password_change_failure(
            s, user=user, policy=SignInPolicy.from_settings(settings().security),
            device=_known_device(user.username))


@bp.post("/language")
def set_language() -> ResponseReturnValue:
    """Switch the interface language; remembered for the session and, when signed in, the account."""
    locale = request.form.get("locale", "")
    if locale in user_service.LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            with db.transaction() as s:
                user_service.set_language(s, actor=current_actor(), locale=locale)
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))

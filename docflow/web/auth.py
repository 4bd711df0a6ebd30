"""Sign in, sign out, change password, choose the language."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime, gettext
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from docflow import db
from docflow.errors import N_, ValidationError
from docflow.models import User
from docflow.services import auth as auth_service
from docflow.services import users as user_service
from docflow.web.helpers import current_actor, safe_next, settings

bp = Blueprint("auth", __name__)


def init_login(app: Flask) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = ""
    manager.session_protection = "strong"

    @manager.user_loader
    def load_user(token: str) -> User | None:
        # The token carries the password-change time, so changing a password ends other sessions.
        user_id, _, stamp = token.partition(".")
        if not user_id.isdigit():
            return None
        user = db.get_session().get(User, int(user_id))
        if user is None or not user.is_active or stamp != user.session_stamp:
            return None
        return user


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show the sign-in form; check credentials and throttle on POST."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("auth/login.html", next=next_url)
    cfg = settings().security
    with db.transaction() as s:
        result = auth_service.sign_in(s, username=request.form.get("username", "")[:200],
                                      password=request.form.get("password", "")[:1000],
                                      max_failures=cfg.login_max_failures,
                                      lockout=timedelta(minutes=cfg.login_lockout_minutes),
                                      remote_addr=request.remote_addr or "")
    if result.outcome is auth_service.SignInOutcome.OK and result.user is not None:
        chosen = session.get("locale")
        session.clear()  # a fresh session on sign-in: nothing from before it is trusted
        if chosen and result.user.locale is None:
            session["locale"] = chosen
        login_user(result.user)
        session.permanent = True
        return redirect(next_url or url_for("home.index"))
    if result.outcome is auth_service.SignInOutcome.LOCKED and result.locked_until is not None:
        message = gettext("Too many failed sign-ins. This account is locked until %(time)s.",
                          time=format_datetime(result.locked_until, "HH:mm dd/MM/yyyy"))
        return render_template("auth/login.html", next=next_url, error=message), 429
    return render_template("auth/login.html", next=next_url,
                           error=gettext("Wrong username or password, or the account is inactive.")), 401


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
        if exc.field == "current_password" and _count_wrong_current_password():
            logout_user()
            session.clear()
            flash(gettext("Too many wrong passwords: you have been signed out and the account is locked "
                          "for a while."), "danger")
            return redirect(url_for("auth.login"))
        return render_template("auth/password.html", error=gettext(exc.message, **exc.params)), 400
    login_user(current_actor())
    flash(gettext("Your password has been changed."), "success")
    return redirect(url_for("home.index"))


def _count_wrong_current_password() -> bool:
    """A wrong current password counts like a failed sign-in (an unattended PC is no guessing machine)."""
    cfg = settings().security
    with db.transaction() as s:
        return auth_service.record_password_change_failure(
            s, user=current_actor(), max_failures=cfg.login_max_failures,
            lockout=timedelta(minutes=cfg.login_lockout_minutes))


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

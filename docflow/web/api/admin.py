"""The administrator's screen of API clients: the list, a new client (its token shown once), revocation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db, policy
from docflow.errors import N_, NotFoundError, ValidationError
from docflow.models import User
from docflow.services import api as api_service
from docflow.services.people import users as user_service
from docflow.web.helpers import current_actor, form_int, form_str

bp = Blueprint("api_admin", __name__, url_prefix="/admin/api-clients")


@bp.before_request
@login_required
def _admins_only() -> None:
    # The services check again; this only keeps non-admins off the screen.
    if not policy.may_administer(current_actor()):
        abort(403)


def _page(status: int = 200, **extra: object) -> ResponseReturnValue:
    session, actor = db.get_session(), current_actor()
    return render_template("admin/api_clients.html", scopes=api_service.SCOPES,
                           clients=api_service.list_clients(session, organisation_id=actor.organisation_id),
                           users=[u for u in user_service.list_users(session)
                                  if u.is_active and u.organisation_id == actor.organisation_id],
                           max_days=api_service.MAX_EXPIRY_DAYS, **extra), status


@bp.get("/")
def index() -> ResponseReturnValue:
    """The ward's API clients and the form for a new one."""
    return _page()


@bp.post("/")
def create() -> ResponseReturnValue:
    """Make a client; its token is on this answer only."""
    actor = current_actor()
    try:
        user = db.get_session().get(User, form_int("user_id", required=True) or 0)
        if user is None:
            raise NotFoundError(N_("User not found."))
        with db.transaction() as session:
            made = api_service.create_client(
                session, actor=actor, user=session.merge(user), name=form_str("name", max_length=200),
                scopes=api_service.parse_scopes(request.form.getlist("scopes")),
                expires_days=form_int("expires_days"))
    except (ValidationError, NotFoundError) as exc:
        return _page(400, error=gettext(exc.message, **exc.params), form=request.form)
    return _page(201, new_token=made.token, new_client=made.client)


@bp.post("/<int:client_id>/revoke")
def revoke(client_id: int) -> ResponseReturnValue:
    """Revoke a client's token at once."""
    actor = current_actor()
    with db.transaction() as session:
        api_service.revoke_client(session, actor=actor, organisation_id=actor.organisation_id, client_id=client_id)
    flash(gettext("The API client has been revoked."), "success")
    return redirect(url_for("api_admin.index"))

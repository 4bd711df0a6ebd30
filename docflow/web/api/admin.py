"""API clients on the screens: each person's own (/account/api-clients: make one, its token shown once, revoke it)
and the administrator's view of the ward's (/admin/api-clients: every client, revoke any). Nobody makes a client for
someone else: it would act, and be audited, as that person (the services refuse it)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db, policy
from docflow.errors import ValidationError
from docflow.services import api as api_service
from docflow.web.helpers import current_actor, form_int, form_str

bp = Blueprint("api_admin", __name__, url_prefix="/admin/api-clients")
mine_bp = Blueprint("api_mine", __name__, url_prefix="/account/api-clients")


@bp.before_request
@login_required
def _admins_only() -> None:
    # The services check again; this only keeps non-admins off the screen.
    if not policy.may_administer(current_actor()):
        abort(403)


@mine_bp.before_request
@login_required
def _signed_in() -> None:
    """Every signed-in person manages their own clients."""


def _page(*, mine: bool, status: int = 200, **extra: object) -> ResponseReturnValue:
    actor = current_actor()
    clients = api_service.list_clients(db.get_session(), organisation_id=actor.organisation_id,
                                       user_id=actor.id if mine else None)
    return render_template("admin/api_clients.html", scopes=api_service.SCOPES, clients=clients, mine=mine,
                           max_days=api_service.MAX_EXPIRY_DAYS, **extra), status


@bp.get("/")
def index() -> ResponseReturnValue:
    """The ward's API clients, for the administrator."""
    return _page(mine=False)


@bp.post("/<int:client_id>/revoke")
def revoke(client_id: int) -> ResponseReturnValue:
    """Revoke any client's token at once."""
    return _revoke(client_id, "api_admin.index")


@mine_bp.get("/")
def mine() -> ResponseReturnValue:
    """My API clients and the form for a new one."""
    return _page(mine=True)


@mine_bp.post("/")
def create() -> ResponseReturnValue:
    """Make a client acting as me; its token is on this answer only."""
    actor = current_actor()
    try:
        with db.transaction() as session:
            made = api_service.create_client(
                session, actor=actor, user=session.merge(actor), name=form_str("name", max_length=200),
                scopes=api_service.parse_scopes(request.form.getlist("scopes")),
                expires_days=form_int("expires_days"))
    except ValidationError as exc:
        return _page(mine=True, status=400, error=gettext(exc.message, **exc.params), form=request.form)
    return _page(mine=True, status=201, new_token=made.token, new_client=made.client)


@mine_bp.post("/<int:client_id>/revoke")
def revoke_mine(client_id: int) -> ResponseReturnValue:
    """Revoke one of my clients at once."""
    return _revoke(client_id, "api_mine.mine")


def _revoke(client_id: int, back: str) -> ResponseReturnValue:
    actor = current_actor()
    with db.transaction() as session:
        api_service.revoke_client(session, actor=actor, organisation_id=actor.organisation_id, client_id=client_id)
    flash(gettext("The API client has been revoked."), "success")
    return redirect(url_for(back))

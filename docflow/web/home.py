"""The home page of each role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required

from docflow import db
from docflow.models import Role
from docflow.services import home as home_service
from docflow.web.helpers import current_actor

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The signed-in user's work, by role."""
    actor = current_actor()
    session = db.get_session()
    events = home_service.recent_events(session) if actor.role in (Role.ADMIN, Role.AUDITOR) else []
    return render_template("home/index.html", sections=home_service.sections_for(session, actor),
                           events=events)

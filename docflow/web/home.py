"""The home page of each role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required

from docflow import db, policy
from docflow.models import utc_now
from docflow.services import queues
from docflow.services.queues import home as home_service
from docflow.web.helpers import current_actor, settings
from docflow.web.queues import today

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The signed-in user's work queues, or for administrators and auditors the latest activity."""
    actor = current_actor()
    session = db.get_session()
    day = today()
    cards = home_service.cards_for(session, actor=actor, day=day)
    oversight = policy.may_read_audit_log(actor)
    limits = queues.time_limits(session, actor=actor, calendar=day.calendar, now=utc_now(), tz=settings().app.zone)
    return render_template("home/index.html", cards=cards, limits=limits,
                           documents=home_service.recent_documents(session, actor) if not cards else [],
                           events=home_service.recent_events(session) if oversight else [])

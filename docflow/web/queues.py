"""Work queues per role (/queues/<name>), and the navigation helpers every page's menu uses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from docflow import db
from docflow.models.base import utc_now
from docflow.services import notifications
from docflow.services import queues as queue_service
from docflow.services.calendar import WorkingCalendar
from docflow.services.queues import Day, QueueName
from docflow.services.signatures import local_today
from docflow.web.helpers import current_actor, settings, small_int

bp = Blueprint("queues", __name__, url_prefix="/queues")


def today() -> Day:
    """Today in the ward's time zone, on the ward's working calendar."""
    s = settings()
    return Day(local_today(s, utc_now()), WorkingCalendar.load(s), s.workflow.at_risk_working_days)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The queues live on the home page."""
    return redirect(url_for("home.index"))


@bp.get("/<name>")
@login_required
def show(name: str) -> ResponseReturnValue:
    """One page of one of the user's work queues."""
    try:
        queue = QueueName(name)
    except ValueError:
        abort(404)
    session = db.get_session()
    actor = current_actor()
    day = today()
    page = queue_service.list_queue(session, actor=actor, name=queue, day=day,
                                    page=small_int(request.args.get("page")) or 1)
    return render_template("queues/show.html", page=page, names=queue_service.queues_for(actor), day=day)


def unread_notices() -> int | None:
    """The signed-in user's unread notices (None when nobody is signed in)."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    count: int = notifications.unread_count(db.get_session(), current_actor())
    return count


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    return {"unread_notices": unread_notices, "QUEUE_INFO": queue_service.QUEUE_INFO,
            "TASK_LABELS": queue_service.TASK_LABELS}

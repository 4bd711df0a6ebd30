"""Work queues per role (/queues/<name>), and the navigation helpers every page's menu uses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.exceptions import HTTPException

from docflow import db
from docflow.models.base import utc_now
from docflow.services import queues as queue_service
from docflow.services.calendar import WorkingCalendar
from docflow.services.queues import Day, QueueName
from docflow.services.signing import local_today
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


def has_endpoint(endpoint: str) -> bool:
    """Whether a view exists: the workflow's blueprints land one by one, so the menu asks before linking."""
    return endpoint in current_app.view_functions


def nav_url(path: str) -> str | None:
    """``url_for`` of the view that answers GET ``path``, or None while no blueprint serves it yet."""
    try:
        endpoint, values = current_app.url_map.bind("").match(path, method="GET")
    except HTTPException:
        return None
    return url_for(endpoint, **values)


def unread_notices() -> int | None:
    """The signed-in user's unread notices, or None while the notifications service is not installed."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    try:
        from docflow.services import notifications
    except ImportError:
        return None
    count: int = notifications.unread_count(db.get_session(), current_actor())
    return count


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    return {"has_endpoint": has_endpoint, "nav_url": nav_url, "unread_notices": unread_notices, "QUEUE_INFO": queue_service.QUEUE_INFO,
            "TASK_LABELS": queue_service.TASK_LABELS}

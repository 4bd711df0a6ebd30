"""Liên thông → Hộp thư đi: the ward's exchange outbox, each message's status, attempts, next attempt and last
error; the clerk or the administrator queues a refused message again."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db
from docflow.models import OutboxStatus, utc_now
from docflow.services.exchange import outbox
from docflow.web.helpers import current_actor

bp = Blueprint("outbox", __name__, url_prefix="/exchange/outbox")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The outbox, newest first, optionally one status."""
    actor = current_actor()
    raw = request.args.get("status", "")
    status = OutboxStatus(raw) if raw in set(OutboxStatus) else None
    items = outbox.list_items(db.get_session(), organisation_id=actor.organisation_id, status=status, actor=actor)
    return render_template("outbox/index.html", items=items, status=status, statuses=list(OutboxStatus),
                           may_requeue=actor.role.value in ("clerk", "admin"))


@bp.post("/<int:item_id>/requeue")
@login_required
def requeue(item_id: int) -> ResponseReturnValue:
    """Queue a refused message again, due now."""
    actor = current_actor()
    with db.transaction() as s:
        outbox.requeue(s, organisation_id=actor.organisation_id, item_id=item_id, actor=actor, now=utc_now())
    flash(gettext("The message is queued again."), "success")
    return redirect(url_for("outbox.index"))

"""The user's notices: the list, marking them read, and the unread count for the navigation bar."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required

from docflow import db, policy
from docflow.services import notifications as notices
from docflow.web.helpers import current_actor, small_int

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The signed-in user's notices, newest first, unread ones highlighted."""
    actor = current_actor()
    page = notices.list_for(db.get_session(), actor, small_int(request.args.get("page")) or 1)
    visible = {row.notification.id for row in page.items
               if row.document is not None and policy.can_view(actor, row.document)}
    return render_template("notifications/index.html", page=page, visible=visible, notice_text=notice_text)


@bp.post("/read")
@login_required
def mark_read() -> ResponseReturnValue:
    """Mark the chosen notices (or all of them) as read."""
    everything = request.form.get("all") == "1"
    ids = [i for i in (small_int(v) for v in request.form.getlist("id")) if i is not None]
    with db.transaction() as s:
        changed = notices.mark_read(s, current_actor(), None if everything else ids)
    flash(ngettext("%(num)s notice marked as read.", "%(num)s notices marked as read.", changed), "success")
    return redirect(url_for("notifications.index", page=small_int(request.form.get("page")) or None))


@bp.post("/<int:notification_id>/open")
@login_required
def open_notice(notification_id: int) -> ResponseReturnValue:
    """Mark one notice read and go to its document."""
    with db.transaction() as s:
        notices.mark_read(s, current_actor(), [notification_id])
        document_id = notices.document_of(s, current_actor(), notification_id)
    if document_id is None:
        return redirect(url_for("notifications.index"))
    return redirect(url_for("documents.detail", document_id=document_id))


@bp.get("/unread-count")
@login_required
def unread() -> ResponseReturnValue:
    """The unread count as JSON, for a page that refreshes the badge without reloading."""
    return jsonify({"unread": unread_notice_count()})


def unread_notice_count() -> int:
    """For templates: the signed-in user's unread notices (0 when signed out), counted once per request."""
    if not getattr(current_user, "is_authenticated", False):
        return 0
    if "unread_notices" not in g:
        g.unread_notices = notices.unread_count(db.get_session(), current_actor())
    count: int = g.unread_notices
    return count


def notice_text(row: notices.NoticeRow) -> str:
    """A notice in the reader's language; a stored notice whose placeholders no longer match its
    message shows the message as it stands rather than failing the page."""
    try:
        return gettext(row.notification.message, **row.params)
    except (KeyError, ValueError, TypeError):
        return gettext(row.notification.message)


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    return {"unread_notice_count": unread_notice_count}

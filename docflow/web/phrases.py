"""A leader's instruction phrases: the small screen where he keeps the list the direction form offers."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db, policy
from docflow.errors import ValidationError
from docflow.services import incoming
from docflow.web.helpers import current_actor, form_str

bp = Blueprint("phrases", __name__, url_prefix="/phrases")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The leader's phrases, in his order, with the form to add one."""
    actor = current_actor()
    if not policy.may_direct(actor):
        abort(403)
    return render_template("phrases/index.html", phrases=incoming.list_phrases(db.get_session(), actor=actor))


@bp.post("/")
@login_required
def add() -> ResponseReturnValue:
    """Add a phrase at the end of the list."""
    text = form_str("text", max_length=2000)
    try:
        with db.transaction() as s:
            incoming.add_phrase(s, actor=current_actor(), text=text)
    except ValidationError as exc:
        phrases = incoming.list_phrases(db.get_session(), actor=current_actor())
        return render_template("phrases/index.html", phrases=phrases, text=text,
                               error=gettext(exc.message, **exc.params)), 400
    flash(gettext("The phrase has been added."), "success")
    return redirect(url_for("phrases.index"))


@bp.post("/<int:phrase_id>/delete")
@login_required
def delete(phrase_id: int) -> ResponseReturnValue:
    """Remove a phrase."""
    with db.transaction() as s:
        incoming.remove_phrase(s, actor=current_actor(), phrase_id=phrase_id)
    flash(gettext("The phrase has been removed."), "success")
    return redirect(url_for("phrases.index"))


@bp.post("/<int:phrase_id>/up", defaults={"direction": "up"})
@bp.post("/<int:phrase_id>/down", defaults={"direction": "down"})
@login_required
def move(phrase_id: int, direction: str) -> ResponseReturnValue:
    """Move a phrase one place up or down."""
    with db.transaction() as s:
        incoming.move_phrase(s, actor=current_actor(), phrase_id=phrase_id, up=direction == "up")
    return redirect(url_for("phrases.index"))

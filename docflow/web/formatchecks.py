"""The Annex I format check on the pages: the ward's policy screen (administrator only) and the findings of a
document's format review, translated for the page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db, formatcheck, policy
from docflow.formatcheck import Finding
from docflow.models import Document
from docflow.services import formatcheck as format_service
from docflow.web.helpers import current_actor, store

bp = Blueprint("formatchecks", __name__, url_prefix="/admin/format-checks")


@bp.before_request
@login_required
def _admins_only() -> None:
    # The service checks again; this only keeps non-admins off the screen.
    if not policy.may_administer(current_actor()):
        abort(403)


@bp.get("")
def index() -> ResponseReturnValue:
    """Which format checks block signing in the ward, which only warn."""
    blocking = format_service.blocking_codes(db.get_session(), current_actor().organisation_id)
    return render_template("admin/format_checks.html", codes=formatcheck.ALL_CODES, labels=formatcheck.CODE_LABELS,
                           blocking=blocking)


@bp.post("")
def update() -> ResponseReturnValue:
    """Move checks between blocking and warning."""
    chosen = [code for code in formatcheck.ALL_CODES if request.form.get(f"level_{code}") == "block"]
    with db.transaction() as s:
        format_service.set_blocking_codes(s, actor=current_actor(), blocking=chosen)
    flash(gettext("The format-check policy has been saved."), "success")
    return redirect(url_for("formatchecks.index"))


def finding_text(finding: Finding) -> str:
    """The finding's message in the user's language (its string parameters are msgids or page text)."""
    params = {k: gettext(v) if isinstance(v, str) and v else v for k, v in finding.params.items()}
    return gettext(finding.message, **params) if params else gettext(finding.message)


def review_rows(document: Document) -> list[dict[str, Any]] | None:
    """The format review of the document's current version for its page, blocking findings first (kept by
    version from the first look on). Commits when it checks the version for the first time."""
    with db.transaction() as s:
        review = format_service.review_of(s, store=store(), document=document)
    if review is None:
        return None
    return [{"blocking": blocking, "text": finding_text(f), "rule": f.rule, "code": f.code, "page": f.page,
             "x_mm": f.x_mm, "y_mm": f.y_mm}
            for blocking, group in ((True, review.blocking), (False, review.warnings)) for f in group]

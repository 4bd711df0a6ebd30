"""The long-term renewal of the issued documents' signatures: the ward's runs and their reports (clerk, auditor,
administrator), and a run started in the background (clerk, administrator)."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db
from docflow.services import renewal
from docflow.web.helpers import current_actor, settings, store
from docflow.web.outgoing import job_runner

bp = Blueprint("archive", __name__, url_prefix="/archive")


@bp.get("/renewals")
@login_required
def renewals() -> ResponseReturnValue:
    """The ward's renewal runs, newest first, with the form that starts one."""
    runs = renewal.recent_runs(db.get_session(), actor=current_actor())
    return render_template("archive/renewals.html", runs=runs,
                           margin=settings().archive.renew_days_before)


@bp.post("/renewals")
@login_required
def start() -> ResponseReturnValue:
    """Start a renewal run (or a dry run) in the background; its report appears in the list when it ends."""
    dry_run = request.form.get("dry_run") == "1"
    with db.transaction() as s:
        job, work = renewal.start_renewal(s, settings=settings(), store=store(), actor=current_actor(),
                                          dry_run=dry_run)
        queued = renewal.queue_renewal(s, job=job, dry_run=dry_run)   # with a broker, a worker runs it
    flash(gettext("The renewal runs in the background; its report appears in this list when it ends."), "success")
    response = redirect(url_for("archive.renewals"))
    if not queued:
        # Started once the response is sent, after this request's own session has been closed.
        response.call_on_close(partial(job_runner().submit, job.id, work))
    return response


@bp.get("/renewals/<int:run_id>")
@login_required
def run(run_id: int) -> ResponseReturnValue:
    """One run's report: every issued version it looked at and what became of it."""
    found = renewal.get_run(db.get_session(), actor=current_actor(), run_id=run_id)
    return render_template("archive/renewal.html", run=found)

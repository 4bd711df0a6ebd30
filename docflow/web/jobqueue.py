"""Kiểm soát → Hàng đợi công việc: the ward's jobs in the job queue (with a broker configured): what waits, runs,
failed and why, with attempts and progress. The clerk, the auditor and the administrator read it."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import login_required

from docflow import db, jobqueue
from docflow.services.jobs import queued
from docflow.web.helpers import current_actor

bp = Blueprint("jobqueue", __name__, url_prefix="/admin/queue")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    jobs = queued.ward_jobs(db.get_session(), actor=current_actor())
    return render_template("jobqueue/index.html", jobs=jobs, broker=jobqueue.configured() is not None)

"""The audit trail for auditors and administrators: recent events and a chain check."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select

from docflow import db
from docflow.models import AuditEvent, Role
from docflow.services import audit as audit_service
from docflow.services.audit import AuditAction
from docflow.web.helpers import current_actor, small_int

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE = 50


@bp.before_request
@login_required
def _auditors_only() -> None:
    if current_actor().role not in (Role.AUDITOR, Role.ADMIN):
        abort(403)


@bp.get("/")
def index() -> ResponseReturnValue:
    """The newest events, fifty a page, by sequence number."""
    session = db.get_session()
    before = small_int(request.args.get("before"))
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(PAGE)
    if before is not None:
        stmt = stmt.where(AuditEvent.seq < before)
    events = list(session.execute(stmt).scalars())
    return render_template("audit/index.html", events=events, report=None)


@bp.post("/verify")
def verify() -> ResponseReturnValue:
    """Recompute the whole chain and show the first broken position, if any."""
    report = audit_service.verify_chain(db.get_session())  # a read: it holds no lock while it works
    with db.transaction() as s:
        audit_service.record(s, action=AuditAction.AUDIT_VERIFIED, actor=current_actor(), object_type="audit",
                             details={"checked": report.checked, "intact": report.intact,
                                      "problem_seq": report.problem.seq if report.problem else None})
    events = list(db.get_session().execute(
        select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(PAGE)).scalars())
    return render_template("audit/index.html", events=events, report=report)

"""The auditor's screens: search the audit log, verify its chain, a document's signature chain checked
against docflow's records, and the changes of access rights waiting for a leader's confirmation."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import Session

from docflow import db, policy
from docflow.errors import N_, ConfigurationError, DocflowError, ValidationError
from docflow.models import Document, RegisterKind, utc_now
from docflow.services.people import access_changes as access_service
from docflow.services import audit as audit_service
from docflow.services import evidence
from docflow.services.signatures import chain as chaincheck
from docflow.services.audit import AuditAction, AuditQuery
from docflow.services.audit import checkpoints as audit_checkpoints
from docflow.services.audit import readable
from docflow.services.audit.sentences import action_groups
from docflow.web import audit_text
from docflow.web.helpers import current_actor, form_int, form_str, parse_date, settings, small_int, store

bp = Blueprint("audit", __name__, url_prefix="/audit")
bp.context_processor(audit_text.template_helpers)
# Leaders come here only to confirm changes of access rights; everything else is for auditors and admins.
LEADER_ENDPOINTS = frozenset({"audit.access_changes", "audit.confirm_change", "audit.confirm_changes",
                              "audit.decline_change"})


# What an auditor may post: signing in and out, the language, the password, and verifying (which only
# keeps a report and an audit event). Everything else that changes state is refused before any view runs,
# so a view that forgets its own check still cannot be reached (the services refuse as well).
AUDITOR_MAY_POST = frozenset({
    "auth.login", "auth.logout", "auth.set_language", "auth.change_password", "signing.pki_ocsp",
    "signing.verify_document", "signing.verify_upload", "audit.verify", "audit.create_checkpoint",
    "audit.build_evidence", "audit.build_register_evidence",
})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@bp.before_app_request
def _auditors_change_nothing() -> None:
    if request.method in READ_METHODS or request.endpoint in AUDITOR_MAY_POST:
        return
    if getattr(current_user, "is_authenticated", False) and not policy.may_change_anything(current_actor()):
        abort(403)


@bp.before_request
@login_required
def _auditors_only() -> None:
    actor = current_actor()
    if policy.may_read_audit_log(actor):
        return
    if policy.may_confirm_access_changes(actor) and request.endpoint in LEADER_ENDPOINTS:
        return
    abort(403)


def _query() -> AuditQuery:
    args = request.args
    try:
        return AuditQuery(
            user=args.get("user", "").strip()[:80], document_id=small_int(args.get("document")),
            action=args.get("action", "").strip()[:60], date_from=parse_date(args.get("from", ""), "from"),
            date_to=parse_date(args.get("to", ""), "to"), before=small_int(args.get("before")))
    except ValidationError:
        return AuditQuery(before=small_int(args.get("before")))


def _index(report: object = None) -> ResponseReturnValue:
    session = db.get_session()
    query = _query()
    actor = current_actor()
    page = audit_service.search_events(session, actor=actor, query=query, tz=settings().app.zone)
    views = readable.describe_events(session, viewer=actor, events=page.events)
    return render_template("audit/index.html", page=page, views=views, query=query, report=report,
                           action_groups=action_groups(), known=set(audit_service.known_actions(session)))


@bp.get("/")
def index() -> ResponseReturnValue:
    """Search the log by user, document, action and days, newest first, fifty a page (keyset by seq)."""
    return _index()


@bp.post("/verify")
def verify() -> ResponseReturnValue:
    """Recompute the whole chain of the auditor's ward and every checkpoint signature; show the first broken
    position, if any."""
    # A read: it holds no lock while it works.
    report = audit_service.verify_chain(db.get_session(), trust=audit_checkpoints.trust_for(settings()),
                                        organisation_id=current_actor().organisation_id)
    with db.transaction() as s:
        audit_service.record(s, action=AuditAction.AUDIT_VERIFIED, actor=current_actor(), object_type="audit",
                             details={"checked": report.checked, "intact": report.intact,
                                      "checkpoints": report.checkpoints_checked,
                                      "problem_seq": report.problem.seq if report.problem else None,
                                      "proving_checkpoint": report.proving_checkpoint_seq})
    return _index(report)


@bp.get("/checkpoints")
def checkpoints() -> ResponseReturnValue:
    """The signed checkpoints, newest first, each verified against the ward's root."""
    rows, next_before = audit_service.list_checkpoints(db.get_session(), actor=current_actor(),
                                                       trust=audit_checkpoints.trust_for(settings()),
                                                       before=small_int(request.args.get("before")))
    return render_template("audit/checkpoints.html", rows=rows, next_before=next_before)


@bp.post("/checkpoints")
def create_checkpoint() -> ResponseReturnValue:
    """Sign the head of the ward's chain now."""
    try:
        with db.transaction() as s:
            checkpointer = audit_checkpoints.checkpointer_of(s)
            row = (audit_checkpoints.create_checkpoint(s, checkpointer=checkpointer, now=utc_now(),
                                                       organisation_id=current_actor().organisation_id)
                   if checkpointer else None)
    except ConfigurationError:
        row = None
    if row is None:
        flash(gettext("No checkpoint could be signed: the log is empty or there is no system key."), "danger")
    else:
        flash(gettext("Checkpoint signed at event #%(seq)s.", seq=row.seq), "success")
    return redirect(url_for("audit.checkpoints"))


@bp.post("/documents/<int:document_id>/evidence")
def build_evidence(document_id: int) -> ResponseReturnValue:
    """Build and download a document's evidence pack (audited, and anchored by a checkpoint)."""
    return _pack_response(lambda s: evidence.build_document_pack(
        s, settings=settings(), store=store(), actor=current_actor(), document_id=document_id, now=utc_now()),
        back=url_for("audit.document_chain", document_id=document_id))


def _pack_response(build: Callable[[Session], evidence.Pack], *, back: str) -> ResponseReturnValue:
    try:
        with db.transaction() as s:
            pack = build(s)
    except ConfigurationError:
        flash(gettext("The evidence pack needs a signed checkpoint, and there is no system key to sign one."),
              "danger")
        return redirect(back)
    return Response(pack.data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{pack.filename}"'})


@bp.get("/documents/<int:document_id>/chain")
def document_chain(document_id: int) -> ResponseReturnValue:
    """A document's signature chain as a timeline, each step checked against docflow's records."""
    with db.transaction() as s:
        result = chaincheck.check_document(s, settings=settings(), store=store(), actor=current_actor(),
                                           document_id=document_id)
        document = s.get_one(Document, document_id)
    return render_template("audit/chain.html", result=result, document=document)


@bp.post("/evidence/register")
def build_register_evidence() -> ResponseReturnValue:
    """Build and download the evidence pack of a register range (entries first..last of a year)."""
    kind = form_str("kind", max_length=20)
    if kind not in (RegisterKind.INCOMING.value, RegisterKind.OUTGOING.value):
        raise ValidationError(N_("Choose the incoming or the outgoing register."), field="kind")
    year, first, last = _required_int("year"), _required_int("first"), _required_int("last")
    return _pack_response(lambda s: evidence.build_register_pack(
        s, settings=settings(), store=store(), actor=current_actor(), kind=RegisterKind(kind), year=year,
        first=first, last=last, now=utc_now()), back=url_for("audit.checkpoints"))


def _required_int(name: str) -> int:
    value = form_int(name, required=True)
    if value is None:  # form_int already refuses a missing value; this says so to the type checker
        raise ValidationError(N_("This field is required."), field=name)
    return value


@bp.get("/access-changes")
def access_changes() -> ResponseReturnValue:
    """Changes of access rights no leader has confirmed yet (Decree 30, Annex VI)."""
    return _access_changes()


def _access_changes(status: int = 200) -> ResponseReturnValue:
    actor, session = current_actor(), db.get_session()
    changes = access_service.unconfirmed_changes(session, actor=actor)
    views = readable.describe_events(session, viewer=actor, events=[c.event for c in changes])
    return render_template("audit/access_changes.html", changes=list(zip(changes, views)),
                           can_confirm=policy.may_confirm_access_changes(actor),
                           concerns=access_service.concerns), status


@bp.post("/access-changes/confirm")
def confirm_changes() -> ResponseReturnValue:
    """A leader confirms the changes ticked on the list, all in one go; if one cannot be, none is."""
    seqs = [n for n in (small_int(v) for v in request.form.getlist("seq")) if n is not None]
    try:
        with db.transaction() as s:
            done = access_service.confirm_changes(s, actor=current_actor(), seqs=seqs)
    except DocflowError as error:
        reason = gettext(error.message, **error.params)
        if "seq" in error.params:
            reason = gettext("Nothing was confirmed: change #%(seq)s cannot be confirmed: %(reason)s",
                             seq=error.params["seq"], reason=reason)
        flash(reason, "danger")
        return _access_changes(error.status_code)
    flash(ngettext("%(num)s change confirmed.", "%(num)s changes confirmed.", len(done)), "success")
    return redirect(url_for("audit.access_changes"))


@bp.post("/access-changes/<int:seq>/confirm")
def confirm_change(seq: int) -> ResponseReturnValue:
    """A leader confirms one change of access rights."""
    with db.transaction() as s:
        access_service.confirm_change(s, actor=current_actor(), seq=seq)
    flash(gettext("Change #%(seq)s confirmed.", seq=seq), "success")
    return redirect(url_for("audit.access_changes"))


@bp.post("/access-changes/<int:seq>/decline")
def decline_change(seq: int) -> ResponseReturnValue:
    """A leader declines a proposed change (a lowering of confidentiality, a forward to another department)."""
    with db.transaction() as s:
        access_service.decline_change(s, actor=current_actor(), seq=seq)
    flash(gettext("Change #%(seq)s declined.", seq=seq), "success")
    return redirect(url_for("audit.access_changes"))

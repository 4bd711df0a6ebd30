"""Outgoing documents: the draft form, the template, the outgoing page with its route and actions, issue,
recall, replacement and correction."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, cast

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db, policy
from docflow.convert import ConverterMissingError
from docflow.errors import (
    N_,
    ConflictError,
    DocflowError,
    InvalidTransitionError,
    NotFoundError,
    SigningError,
    ValidationError,
)
from docflow.models import DocumentKind, DocumentRelation, DocumentStatus, Urgency, User, utc_now
from docflow.models.routing import StepKind, StepStatus
from docflow.services import drafting, jobs
from docflow.services.people import organisation
from docflow.services import documents as doc_service
from docflow.services import outgoing as outgoing_service
from docflow.services import signatures as signing_service
from docflow.services.documents import DocumentFilters, UploadedFile
from docflow.services.outgoing import DraftInput
from docflow.web import kept
from docflow.web.helpers import current_actor, form_int, form_str, receive_upload, settings, small_int, store
from docflow.web.attachments import panel_context
from docflow.web.formatchecks import finding_text, review_rows
from docflow.web.signing import panel_report

bp = Blueprint("outgoing", __name__, url_prefix="/outgoing")

PIN_MAX = 64
# Refusals the user can act on come back as a message on the page, not as an error page.
FLASHED = (SigningError, ConflictError, InvalidTransitionError, ValidationError, ConverterMissingError)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """Outgoing documents the user may see, newest first, with their status."""
    status = request.args.get("status", "")
    filters = DocumentFilters(kind=DocumentKind.OUTGOING, q=request.args.get("q", "")[:100],
                              status=DocumentStatus(status) if status in set(DocumentStatus) else None)
    page = doc_service.list_documents(db.get_session(), actor=current_actor(), filters=filters,
                                      page=small_int(request.args.get("page")) or 1,
                                      page_size=settings().uploads.page_size)
    return render_template("outgoing/index.html", page=page, statuses=list(DocumentStatus), status=status)


def today() -> Any:
    return signing_service.local_today(settings(), utc_now())


def _form_context(form: Any, **extra: Any) -> dict[str, Any]:
    session = db.get_session()
    actor = current_actor()
    return {"form": form, "departments": organisation.list_departments(session), "Urgency": Urgency,
            "signers": outgoing_service.signer_choices(session, actor=actor, doc_type=None, on=today()),
            "max_mb": settings().uploads.max_upload_mb, "word_templates": drafting.TEMPLATE_TYPES, **extra}


def _receive_draft(file: Any) -> UploadedFile:
    """A PDF checked and stored, or a .docx / .odt converted to PDF/A-2b with its fields and source, before
    the transaction that records it (a conversion takes seconds and holds no database lock)."""
    upload = UploadedFile(file.stream, file.filename)
    if drafting.is_word_upload(upload):
        return drafting.receive_word_upload(store(), upload, settings=settings())
    return receive_upload(upload)


def _draft_input() -> DraftInput:
    urgency_raw = form_str("urgency", max_length=20)
    try:
        urgency = Urgency(urgency_raw) if urgency_raw else Urgency.NORMAL
    except ValueError:
        raise ValidationError(N_("Choose a value from the list."), field="urgency") from None
    departments = [small_int(v) for v in request.form.getlist("recipient_department_ids")]
    if any(d is None for d in departments):
        raise ValidationError(N_("Choose an active department."), field="recipient_department_ids")
    return DraftInput(doc_type=form_str("doc_type", max_length=30), summary=form_str("summary", max_length=2000),
                      signer_id=form_int("signer_id"), urgency=urgency, department_id=form_int("department_id"),
                      recipient_department_ids=[d for d in departments if d is not None],
                      external_recipients=form_str("external_recipients", max_length=20000).splitlines(),
                      related_document_id=form_int("related_document_id"),
                      relation=form_str("relation", max_length=20))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    """Draft an outgoing document (or a replacement / correction of an issued one)."""
    actor = current_actor()
    if not policy.may_draft(actor):
        abort(403)
    if request.method == "GET":
        related_id = small_int(request.args.get("related"))
        related = (outgoing_service.get_outgoing(db.get_session(), actor=actor, document_id=related_id)
                   if related_id else None)
        relation = request.args.get("relation", "") if related else ""
        form = {"related_document_id": related.id if related else "", "relation": relation,
                "doc_type": "cong_van" if relation == DocumentRelation.CORRECTS else (related.doc_type if related else "")}
        return render_template("outgoing/new.html", related=related, **_form_context(form))
    file, upload = request.files.get("file"), None
    try:
        upload = _receive_draft(file) if file is not None and file.filename else kept.posted_or_kept(actor)
        if upload is None:
            raise ValidationError(N_("Choose a PDF file to upload."), field="file")
        with db.transaction() as s:
            document = outgoing_service.create_draft(
                s, actor=actor, data=_draft_input(), upload=upload, store=store(),
                max_bytes=settings().max_upload_bytes, settings=settings())
    except (ValidationError, InvalidTransitionError, ConverterMissingError) as exc:
        field = getattr(exc, "field", None)
        return render_template("outgoing/new.html", related=None, error=gettext(exc.message, **exc.params),
                               kept=kept.keep(actor, upload) or (None if field == "file" else kept.still_kept(actor)),
                               error_field=field, **_form_context(request.form)), 400
    flash(gettext("The draft has been saved. Send it for review when it is ready."), "success")
    return redirect(url_for("outgoing.detail", document_id=document.id))


@bp.get("/<int:document_id>")
@login_required
def detail(document_id: int) -> ResponseReturnValue:
    """The outgoing page: the PDF, the route step by step, the actions open to the user, recipients, thread."""
    session = db.get_session()
    actor = current_actor()
    document = outgoing_service.get_outgoing(session, actor=actor, document_id=document_id)
    signatures = signing_service.signatures_of(session, actor=actor, document_id=document_id)
    report = panel_report(document, signed_by_docflow=bool(signatures))
    steps = outgoing_service.steps_of(session, document.id)
    active = next((s for s in steps if s.status is StepStatus.ACTIVE), None)
    deciders = {s.decided_by_id: session.get(User, s.decided_by_id) for s in steps if s.decided_by_id}
    drafting_choices = _drafting_choices(session, actor, document)
    return render_template(
        "outgoing/detail.html", document=document, steps=steps, active=active, report=report, deciders=deciders,
        rounds=sorted({s.round for s in steps}, reverse=True), StepKind=StepKind, StepStatus=StepStatus,
        signatures=signatures,
        recipients=outgoing_service.recipients_of(session, document.id),
        comments=outgoing_service.comments_of(session, document.id),
        related=outgoing_service.related_of(session, actor=actor, document=document),
        may=policy.document_permissions(actor, document, active), format_review=review_rows(document),
        **drafting_choices,
        sources=drafting.sources_of(session, document),
        max_mb=settings().uploads.max_upload_mb, **panel_context(session, actor, document))


def _act(document_id: int, action: Callable[[Any], Any], success: str, anchor: str = "route",
         **params: Any) -> ResponseReturnValue:
    """Run one action in one transaction; refusals the user can act on become a message on the page."""
    try:
        with db.transaction() as s:
            action(s)
    except FLASHED as exc:
        flash(gettext(exc.message, **exc.params), "danger")
        for finding in getattr(exc, "findings", ()):   # a format refusal: each blocking finding, translated
            flash(f"{finding_text(finding)} ({finding.rule})", "danger")
    else:
        flash(gettext(success, **params), "success")
    return redirect(url_for("outgoing.detail", document_id=document_id, _anchor=anchor))


def _drafting_choices(session: Any, actor: User, document: Any) -> dict[str, Any]:
    """What a draft's page offers its drafter: the reviewers to choose (the defaults ticked), the trích yếu form."""
    if document.status is not DocumentStatus.DRAFT:
        return {"reviewer_choices": [], "default_reviewer_ids": set(), "may_edit_summary": False}
    defaults = outgoing_service.default_reviewers(session, document)
    return {"reviewer_choices": outgoing_service.reviewer_choices(session, document, defaults),
            "default_reviewer_ids": {u.id for u, _ in defaults},
            "may_edit_summary": outgoing_service.may_edit_summary(actor, document)}


def _pin() -> str:
    return request.form.get("pin", "")[:PIN_MAX]


@bp.post("/<int:document_id>/route")
@login_required
def start_route(document_id: int) -> ResponseReturnValue:
    """Send the draft for review (the default reviewers, then the signer, then the clerk)."""
    chosen = [i for i in (small_int(v) for v in request.form.getlist("reviewer_id")) if i is not None]
    reviewer_ids = chosen if request.form.get("choose_reviewers") == "1" and chosen else None
    return _act(document_id, lambda s: outgoing_service.start_route(s, actor=current_actor(), document_id=document_id,
                                                                       store=store(), reviewer_ids=reviewer_ids),
                N_("The draft has been sent for review."))


@bp.post("/<int:document_id>/summary")
@login_required
def edit_summary(document_id: int) -> ResponseReturnValue:
    """The drafter corrects the trích yếu of a draft."""
    return _act(document_id, lambda s: outgoing_service.edit_summary(
        s, actor=current_actor(), document_id=document_id, summary=form_str("summary", max_length=1000),
        expected_row_version=form_int("row_version", required=True) or 0), N_("The trích yếu has been changed."),
        anchor="")


@bp.post("/<int:document_id>/steps/<int:step_id>/approve")
@login_required
def approve(document_id: int, step_id: int) -> ResponseReturnValue:
    """Approve a review step, with a review initial when a PIN is given."""
    pin = _pin() if request.form.get("initial") else ""
    return _act(document_id, lambda s: outgoing_service.approve_step(
        s, actor=current_actor(), document_id=document_id, step_id=step_id,
        expected_row_version=form_int("row_version"), initial_pin=pin, settings=settings(), store=store()),
        N_("Approved."))


@bp.post("/<int:document_id>/steps/<int:step_id>/return")
@login_required
def return_(document_id: int, step_id: int) -> ResponseReturnValue:
    """Return the draft to the drafter with a reason."""
    return _act(document_id, lambda s: outgoing_service.return_step(
        s, actor=current_actor(), document_id=document_id, step_id=step_id,
        reason=form_str("reason", max_length=2000), expected_row_version=form_int("row_version")),
        N_("The draft has been returned to the drafter."))


@bp.post("/<int:document_id>/steps/<int:step_id>/sign")
@login_required
def sign(document_id: int, step_id: int) -> ResponseReturnValue:
    """The signer approves and signs with the PIN."""
    pin = _pin()
    if not pin:
        flash(gettext("Enter your signing PIN."), "danger")
        return redirect(url_for("outgoing.detail", document_id=document_id, _anchor="route"))
    return _act(document_id, lambda s: outgoing_service.sign_step(
        s, actor=current_actor(), settings=settings(), store=store(), document_id=document_id, step_id=step_id,
        pin=pin, expected_version=form_int("version"), expected_row_version=form_int("row_version")),
        N_("Signed. The document now awaits issue by the clerk."))


@bp.post("/<int:document_id>/issue")
@login_required
def issue(document_id: int) -> ResponseReturnValue:
    """The clerk issues: number, date, the organisation's signature, distribution."""
    pin = _pin()
    if not pin:
        flash(gettext("Enter your signing PIN."), "danger")
        return redirect(url_for("outgoing.detail", document_id=document_id, _anchor="route"))
    issued: list[Any] = []
    response = _act(document_id, lambda s: issued.append(outgoing_service.issue_document(
        s, actor=current_actor(), settings=settings(), store=store(), document_id=document_id, pin=pin,
        expected_version=form_int("version"))), N_("Issued."))
    if issued:
        flash(gettext("Number and symbol: %(number)s.", number=issued[0].number_symbol), "success")
    return response


@bp.post("/<int:document_id>/recall")
@login_required
def recall(document_id: int) -> ResponseReturnValue:
    """Recall an issued document with a reason."""
    return _act(document_id, lambda s: outgoing_service.recall_document(
        s, actor=current_actor(), document_id=document_id, reason=form_str("reason", max_length=2000),
        settings=settings()),
        N_("The document has been recalled; its recipients have been notified."))


@bp.post("/<int:document_id>/versions")
@login_required
def add_version(document_id: int) -> ResponseReturnValue:
    """A new version of the draft (after an approval, the route starts again)."""
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(gettext("Choose a PDF file to upload."), "danger")
        return redirect(url_for("outgoing.detail", document_id=document_id))
    try:
        doc_service.check_can_add_version(db.get_session(), actor=current_actor(), document_id=document_id,
                                          via_route=True)
        upload = _receive_draft(file)
    except FLASHED as exc:
        flash(gettext(exc.message, **exc.params), "danger")
        return redirect(url_for("outgoing.detail", document_id=document_id, _anchor="versions"))
    return _act(document_id, lambda s: outgoing_service.add_draft_version(
        s, actor=current_actor(), document_id=document_id, upload=upload,
        store=store(), max_bytes=settings().max_upload_bytes, note=form_str("note", max_length=500),
        expected_row_version=form_int("row_version")), N_("The new version has been added."), anchor="versions")


@bp.post("/<int:document_id>/comments")
@login_required
def comment(document_id: int) -> ResponseReturnValue:
    """Add a comment to the document's thread."""
    return _act(document_id, lambda s: outgoing_service.add_comment(
        s, actor=current_actor(), document_id=document_id, body=form_str("body", max_length=4000)),
        N_("Your comment has been added."), anchor="comments")



# --- batch signing: one PIN entry for many documents, as a job whose row any app process reads -------------

JOBS = "docflow.jobs"
# This process's job threads by job id (tests join them); a progress poll reads the job's row instead.
JOB_THREADS = "docflow.outgoing_batches"


def job_runner() -> jobs.JobRunner:
    """The app's runner: threads of this process (the embedded default), made at first use."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    runner = app.extensions.get(JOBS)
    if runner is None:
        runner = jobs.InProcessRunner(db.transaction, scope=app.app_context)
        runner = app.extensions.setdefault(JOBS, runner)
        app.extensions.setdefault(JOB_THREADS, runner.running)
    return cast(jobs.JobRunner, runner)


@bp.get("/batch")
@login_required
def batch() -> ResponseReturnValue:
    """The documents awaiting my signature, to sign together with one PIN entry."""
    documents = outgoing_service.awaiting_signature_of(db.get_session(), actor=current_actor())
    return render_template("outgoing/batch.html", documents=documents)


def _batch_refused(chosen: list[tuple[int, int | None]], error: str) -> ResponseReturnValue:
    """Back to the selection, the same documents ticked, the reason said once (beside the PIN)."""
    documents = outgoing_service.awaiting_signature_of(db.get_session(), actor=current_actor())
    return render_template("outgoing/batch.html", documents=documents, chosen={i for i, _ in chosen},
                           pin_error=error), 400


def _batch_choices() -> list[tuple[int, int | None]]:
    chosen = []
    for raw in request.form.getlist("documents")[:200]:
        document_id, _, version = raw.partition(":")
        if small_int(document_id) is None:
            raise ValidationError(N_("Choose the documents to sign."), field="documents")
        chosen.append((int(document_id), small_int(version)))
    return chosen


@bp.post("/batch")
@login_required
def start_batch() -> ResponseReturnValue:
    """Open the key with the PIN and start signing the chosen documents as a job; show the progress page
    (which says why when the key did not open)."""
    actor = current_actor()
    chosen, pin = _batch_choices(), _pin()
    if not chosen or not pin:
        return _batch_refused(chosen, gettext("Choose the documents to sign and enter your signing PIN."))
    work: jobs.JobWork | None = None
    try:
        with db.transaction() as s:
            job, work = outgoing_service.start_batch(s, settings=settings(), store=store(), actor=actor,
                                                     documents=chosen, pin=pin)
    except DocflowError as exc:
        with db.transaction() as s:   # the refused attempt is kept as a failed job, as before
            outgoing_service.refused_batch(s, actor=actor, total=len(chosen), error=exc)
        return _batch_refused(chosen, gettext(exc.message, **exc.params))
    response = redirect(url_for("outgoing.batch_progress", job_id=job.id))
    if work is not None:
        # Started once the response is sent, after this request's own session has been closed.
        response.call_on_close(partial(job_runner().submit, job.id, work))
    return response


@bp.get("/batch/<job_id>")
@login_required
def batch_progress(job_id: str) -> ResponseReturnValue:
    """A batch's progress and its result per document (JSON with ?format=json, for polling)."""
    try:
        job = outgoing_service.batch_job_for(db.get_session(), actor=current_actor(), job_id=job_id)
    except NotFoundError:
        abort(404)
    state = outgoing_service.batch_state(job)
    if request.args.get("format") == "json":
        return jsonify({**state, "error": gettext(state["error"][0], **state["error"][1]) if state["error"] else None,
                        "results": [{"document_id": r.document_id, "ok": r.ok,
                                     "message": gettext(r.message, **r.params) if r.message else ""}
                                    for r in state["results"]]})
    return render_template("outgoing/batch_progress.html", state=state, job_id=job_id)

"""Incoming documents and internal memos: the clerk's registration, the list (urgent first), the incoming page
with its timeline, and the leader's, head's and handler's actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db, policy
from docflow.errors import N_, ConflictError, InvalidTransitionError, NotFoundError, ValidationError, WrongKindError
from docflow.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Confidentiality,
    DocumentKind,
    Urgency,
    User,
    utc_now,
)
from docflow.services import incoming
from docflow.services.people import organisation
from docflow.services import signatures as signing_service
from docflow.services.documents import UploadedFile
from docflow.services.registers import slip
from docflow.services.incoming import Direction, DuplicateIncomingError, Target
from docflow.services import documents as doc_service
from docflow.services.exchange import status as exchange_status
from docflow.web.documents import document_input
from docflow.web import kept
from docflow.web.downloads import document_file_name, named
from docflow.web.helpers import (
    current_actor,
    form_int,
    form_str,
    parse_date,
    receive_upload,
    settings,
    small_int,
    store,
)

bp = Blueprint("incoming", __name__, url_prefix="/incoming")

PERSON_ROWS = (1, 2)      # extra rows of the direction form for people


def _uploaded_file(actor: User) -> UploadedFile:
    """The posted (or kept) PDF, checked and stored before the registration's transaction begins."""
    upload = kept.posted_or_kept(actor)
    if upload is None:
        raise ValidationError(N_("Choose a PDF file to upload."), field="file")
    return upload


def _form_context(**extra: object) -> dict[str, object]:
    session = db.get_session()
    return {"departments": organisation.list_departments(session), "Urgency": Urgency,
            "Confidentiality": Confidentiality, "max_mb": settings().uploads.max_upload_mb,
            "people": incoming.assignable_people(session, current_actor()), "roles": list(AssignmentRole),
            "now_local": utc_now().astimezone(settings().app.zone).strftime("%Y-%m-%dT%H:%M"),
            "person_rows": PERSON_ROWS, **extra}


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """Incoming (or internal) documents, urgent first."""
    kind = DocumentKind.INTERNAL if request.args.get("kind") == "internal" else DocumentKind.INCOMING
    page = incoming.list_incoming(db.get_session(), actor=current_actor(), kind=kind,
                                  scope=request.args.get("scope", incoming.Scope.OPEN),
                                  page=small_int(request.args.get("page")) or 1,
                                  page_size=settings().uploads.page_size)
    return render_template("incoming/index.html", page=page, scopes=incoming.SCOPES)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    """The clerk registers a received document."""
    actor = current_actor()
    if not policy.may_register_incoming(actor):
        abort(403)
    if request.method == "GET":
        return render_template("incoming/new.html", form={}, **_form_context())
    upload: UploadedFile | None = None
    try:
        upload = _uploaded_file(actor)
        data = document_input(DocumentKind.INCOMING)
    except ValidationError as exc:
        return _refused(exc, actor, upload)
    try:
        with db.transaction() as s:
            registration = incoming.register_incoming(
                s, actor=actor, data=data, upload=upload, store=store(), settings=settings(), now=utc_now(),
                receipt_note=form_str("receipt_note", max_length=300), confirm_duplicate=request.form.get("confirm_duplicate") == "1")
    except DuplicateIncomingError as exc:
        return _warn_duplicate(actor, exc, upload)
    except ValidationError as exc:
        return _refused(exc, actor, upload)
    finally:
        upload.stream.close()
    if registration.report is not None:
        flash(gettext("The PDF carries signatures; its verification report is shown below."), "info")
    flash(gettext("Registered as incoming no. %(number)s.", number=incoming.number_label(registration.document)),
          "success")
    return redirect(url_for("incoming.detail", document_id=registration.document.id))


def _refused(exc: ValidationError, actor: User, upload: UploadedFile | None) -> ResponseReturnValue:
    """The form again with the reason; the file, when it was good, is kept (not asked for again)."""
    held = kept.keep(actor, upload) or (None if exc.field == "file" else kept.still_kept(actor))
    return render_template("incoming/new.html", form=request.form, kept=held,
                           error=gettext(exc.message, **exc.params), error_field=exc.field,
                           **_form_context()), 400


def _warn_duplicate(actor: User, exc: DuplicateIncomingError, upload: UploadedFile) -> ResponseReturnValue:
    """Show the earlier entries and keep the file, so confirming does not ask for it again."""
    return render_template("incoming/new.html", form=request.form, duplicate=exc, kept=kept.keep(actor, upload),
                           **_form_context()), 409


def _targets() -> tuple[Target, ...]:
    """The assignee table of the direction and memo forms: one row per department, a few rows for people."""
    rows: list[tuple[str, str, dict[str, int | None]]] = []
    for department in organisation.list_departments(db.get_session()):
        rows.append((f"role_d{department.id}", f"deadline_d{department.id}", {"department_id": department.id}))
    for n in PERSON_ROWS:
        user_id = form_int(f"person_{n}")
        if user_id is not None:
            rows.append((f"role_p{n}", f"deadline_p{n}", {"user_id": user_id}))
    targets = []
    for role_field, deadline_field, who in rows:
        raw = form_str(role_field, max_length=10)
        if not raw:
            continue
        try:
            role = AssignmentRole(raw)
        except ValueError:
            raise ValidationError(N_("Choose a value from the list."), field=role_field) from None
        targets.append(Target(role=role, deadline=parse_date(form_str(deadline_field, max_length=20),
                                                              deadline_field), **who))
    return tuple(targets)


def _direction() -> Direction:
    return Direction(targets=_targets(), instruction=incoming.with_phrase(form_str("instruction", max_length=5000),
                                                                          form_str("phrase", max_length=500)))


@bp.route("/memos/new", methods=["GET", "POST"])
@login_required
def new_memo() -> ResponseReturnValue:
    """A department head or a leader sends an internal memo to other departments."""
    actor = current_actor()
    if not policy.may_write_memo(actor):
        abort(403)
    if request.method == "GET":
        return render_template("incoming/memo.html", form={}, **_form_context())
    try:
        file = request.files.get("file")
        if file is None or not file.filename:
            raise ValidationError(N_("Choose a PDF file to upload."), field="file")
        upload = receive_upload(UploadedFile(file.stream, file.filename))
        with db.transaction() as s:
            document = incoming.send_internal(s, actor=actor, data=document_input(DocumentKind.INTERNAL),
                                              upload=upload,
                                              direction=_direction(), store=store(), settings=settings(),
                                              now=utc_now())
    except ValidationError as exc:
        return render_template("incoming/memo.html", form=request.form, error=gettext(exc.message, **exc.params),
                               error_field=exc.field, **_form_context()), 400
    flash(gettext("The memo has been sent."), "success")
    return redirect(url_for("incoming.detail", document_id=document.id))


@bp.get("/<int:document_id>")
@login_required
def detail(document_id: int) -> ResponseReturnValue:
    """The incoming page: the document, its assignments, the timeline, and the forms this user may use."""
    session = db.get_session()
    actor = current_actor()
    now = utc_now()
    try:
        view = incoming.view_incoming(session, actor=actor, document_id=document_id, settings=settings(), now=now)
    except WrongKindError as exc:
        # Only incoming documents and memos have this page: any other is answered as a page that does not exist.
        raise NotFoundError(exc.message, **exc.params) from None
    if view.document.is_confidential:
        g.no_store = True
    current = view.document.current_version
    report = signing_service.cached_report(session, settings=settings(), sha256=current.sha256) if current else None
    acting = [row for row in view.assignments if row.can_act]
    today = incoming.local_date(settings(), now)
    context: dict[str, Any] = {}
    if view.can_direct:
        context["default_deadline"] = incoming.default_deadline(settings(), view.document, today)
        context["phrases"] = incoming.list_phrases(session, actor=actor)
    if any(row.can_assign for row in acting) and actor.department_id is not None:
        context["members"] = incoming.department_members(session, actor.department_id)
    if acting:
        context["reply_choices"] = incoming.reply_choices(session, actor)
    proposal = incoming.pending_proposal(session, view.document.id)
    context["proposal"] = proposal
    context["may_decide"] = proposal is not None and incoming.may_decide(session, actor, proposal)
    context["contributions"] = incoming.contributions_of(session, view.document.id)
    context["received_copy"] = exchange_status.received_copy(session, view.document.id)
    return render_template("incoming/detail.html", view=view, document=view.document, report=report,
                           acting=acting, today=today, **_form_context(**context))


def _act(back_to: int, action: Callable[..., Any], success: str | Callable[[Any], str],
         **kwargs: Any) -> ResponseReturnValue:
    """Run one assignment action in its transaction; a refusal the user can act on comes back as a message.
    ``success``: the message, or a function of the action's result giving it."""
    try:
        with db.transaction() as s:
            result = action(s, actor=current_actor(), now=utc_now(), **kwargs)
    except (ValidationError, ConflictError, InvalidTransitionError) as exc:
        flash(gettext(exc.message, **exc.params), "danger")
    else:
        flash(gettext(success(result) if callable(success) else success), "success")
    return redirect(url_for("incoming.detail", document_id=back_to))


@bp.post("/<int:document_id>/direct")
@login_required
def direct(document_id: int) -> ResponseReturnValue:
    """The leader's direction."""
    return _act(document_id, incoming.direct_document, N_("The document has been directed."),
                document_id=document_id, direction=_direction(), settings=settings(),
                expected_row_version=form_int("row_version"))


def _assignment_kwargs(assignment_id: int) -> dict[str, Any]:
    return {"assignment_id": assignment_id, "expected_row_version": form_int("row_version")}


@bp.post("/<int:document_id>/assignments/<int:assignment_id>/assign")
@login_required
def assign(document_id: int, assignment_id: int) -> ResponseReturnValue:
    """The head names a handler in the department."""
    return _act(document_id, incoming.assign_handler, N_("The handler has been assigned."),
                handler_id=form_int("handler_id", required=True), settings=settings(),
                instruction=form_str("instruction", max_length=5000),
                deadline=parse_date(form_str("deadline", max_length=20), "deadline"),
                **_assignment_kwargs(assignment_id))


@bp.post("/<int:document_id>/assignments/<int:assignment_id>/opinion")
@login_required
def opinion(document_id: int, assignment_id: int) -> ResponseReturnValue:
    """A handler's opinion."""
    return _act(document_id, incoming.add_opinion, N_("Your opinion has been recorded."),
                body=form_str("body", max_length=5000), **_assignment_kwargs(assignment_id))


@bp.post("/<int:document_id>/assignments/<int:assignment_id>/forward")
@login_required
def forward(document_id: int, assignment_id: int) -> ResponseReturnValue:
    """Pass the assignment on with a note."""
    return _act(document_id, incoming.forward_assignment, _forwarded,
                note=form_str("note", max_length=5000), settings=settings(), to_user_id=form_int("to_user_id"),
                to_department_id=form_int("to_department_id"), **_assignment_kwargs(assignment_id))


def _forwarded(new: Assignment) -> str:
    if new.status is AssignmentStatus.PENDING:
        return N_("The forward awaits a leader's confirmation: a confidential document leaves your department "
                  "only when a leader confirms.")
    return N_("The assignment has been forwarded.")


@bp.post("/<int:document_id>/assignments/<int:assignment_id>/reply")
@login_required
def reply(document_id: int, assignment_id: int) -> ResponseReturnValue:
    """Link an outgoing document as the reply."""
    return _act(document_id, incoming.attach_reply, N_("The reply has been attached."),
                reply_document_id=form_int("reply_document_id", required=True), **_assignment_kwargs(assignment_id))


@bp.post("/<int:document_id>/assignments/<int:assignment_id>/complete")
@login_required
def complete(document_id: int, assignment_id: int) -> ResponseReturnValue:
    """Complete the assignment with its result; for the lead, propose the document's completion (R43)."""
    return _act(document_id, incoming.complete_assignment, _completed,
                result=form_str("result", max_length=5000), settings=settings(), **_assignment_kwargs(assignment_id))


def _completed(assignment: Assignment) -> str:
    if assignment.role is AssignmentRole.LEAD:
        return N_("The completion has been proposed; it awaits the acceptance of the head who assigned you.")
    return N_("The assignment has been completed.")


@bp.post("/<int:document_id>/assignments/<int:assignment_id>/contribute")
@login_required
def contribute(document_id: int, assignment_id: int) -> ResponseReturnValue:
    """A co-handler's contribution (text and an optional PDF), optionally marking their part done."""
    file = request.files.get("file")
    try:
        upload = receive_upload(UploadedFile(file.stream, file.filename)) if file and file.filename else None
    except ValidationError as exc:
        flash(gettext(exc.message, **exc.params), "danger")
        return redirect(url_for("incoming.detail", document_id=document_id))
    return _act(document_id, incoming.contribute, N_("Your contribution has been recorded."),
                body=form_str("body", max_length=5000), file=upload, done=request.form.get("done") == "1",
                **_assignment_kwargs(assignment_id))


@bp.get("/<int:document_id>/contributions/<int:contribution_id>/file")
@login_required
def contribution_file(document_id: int, contribution_id: int) -> ResponseReturnValue:
    """A contribution's file, always as a sandboxed download."""
    contribution, stream = incoming.open_contribution_file(db.get_session(), actor=current_actor(),
                                                           document_id=document_id, contribution_id=contribution_id,
                                                           store=store())
    name = document_file_name(doc_service.get_document(db.get_session(), document_id), f"gop-y-{contribution.id}",
                              (contribution.file_name or "").rsplit(".", 1)[0][:60])
    response = named(send_file(stream, mimetype="application/pdf", as_attachment=True, download_name=name,
                               max_age=0), name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


@bp.post("/<int:document_id>/completion/<int:proposal_id>/accept")
@login_required
def accept_completion(document_id: int, proposal_id: int) -> ResponseReturnValue:
    """The assigning head (or the directing leader) accepts the lead's proposal: the document completes."""
    return _act(document_id, incoming.accept_completion, N_("The completion has been accepted."),
                proposal_id=proposal_id, settings=settings())


@bp.post("/<int:document_id>/completion/<int:proposal_id>/return")
@login_required
def return_completion(document_id: int, proposal_id: int) -> ResponseReturnValue:
    """... or returns it to the lead with a reason."""
    return _act(document_id, incoming.return_completion, N_("The completion has been returned to the lead."),
                proposal_id=proposal_id, reason=form_str("reason", max_length=5000))


@bp.get("/<int:document_id>/handling-record")
@login_required
def handling_record(document_id: int) -> ResponseReturnValue:
    """The phiếu giải quyết as a printable page, from the same records as slip.pdf."""
    with db.transaction() as s:
        data = slip.slip_data(s, actor=current_actor(), document_id=document_id, printed="handling_record")
        g.no_store = data.document.is_confidential
        return render_template("incoming/handling_record.html", data=data)


@bp.get("/<int:document_id>/slip.pdf")
@login_required
def resolution_slip(document_id: int) -> ResponseReturnValue:
    """The phiếu giải quyết văn bản đến of the document, printed from its records (Decree 30, Annex IV)."""
    with db.transaction() as s:
        data = slip.resolution_slip(s, actor=current_actor(), document_id=document_id, tz=settings().app.zone)
        name = document_file_name(doc_service.get_document(s, document_id), "phieu-giai-quyet")
    response = named(Response(data, mimetype="application/pdf"), name, inline=True)
    response.headers["Cache-Control"] = "private, no-store"
    return response

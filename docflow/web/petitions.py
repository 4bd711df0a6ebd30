"""The ward's petitions pages (signed in): the list of the petitions one handles, the clerk's form for the
hotline, the suggestion box and the desk, one petition with its routing, answer and apology forms. The
services decide who may read a petition (its personal data) and who may act; these views only parse."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required

from docflow import db
from docflow.errors import N_, ValidationError
from docflow.models import PetitionChannel, PetitionKind, utc_now
from docflow.policy import petitions as policy
from docflow.services import outgoing as outgoing_service
from docflow.services import petitions
from docflow.services.people import get_organisation
from docflow.web.helpers import current_actor, form_int, form_str, parse_date, settings, store
from docflow.web.outgoing import today

bp = Blueprint("petitions", __name__, url_prefix="/petitions")
CLERK_CHANNELS = (PetitionChannel.HOTLINE, PetitionChannel.SUGGESTION_BOX, PetitionChannel.IN_PERSON)
LABELS = {
    "online": N_("Online form"), "hotline": N_("Hotline"), "suggestion_box": N_("Suggestion box"),
    "in_person": N_("In person"), "complaint": N_("Report (phản ánh)"), "proposal": N_("Proposal (kiến nghị)"),
    "suggestion": N_("Suggestion (góp ý)"), "received": N_("Received"), "assigned": N_("Assigned"),
    "in_progress": N_("Answer being signed"), "answered": N_("Answered"), "closed": N_("Closed"),
}


@bp.app_template_filter("petition_label")
def petition_label(value: object) -> str:
    key = str(getattr(value, "value", value))
    return gettext(LABELS[key]) if key in LABELS else key


@bp.app_context_processor
def _menu() -> dict[str, bool]:
    signed_in = getattr(current_user, "is_authenticated", False)
    return {"petitions_menu": bool(signed_in and policy.may_list_petitions(current_actor()))}


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The petitions the user handles, nearest deadline first."""
    actor = current_actor()
    rows = petitions.list_petitions(db.get_session(), actor=actor, open_only=request.args.get("all") != "1")
    return render_template("petitions/index.html", rows=rows, today=today(),
                           may_register=policy.may_register_petition(actor))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    """The clerk enters a petition from the hotline, the suggestion box or the desk."""
    actor = current_actor()
    if not policy.may_register_petition(actor):
        abort(403)
    if request.method == "GET":
        return render_template("petitions/new.html", channels=CLERK_CHANNELS, kinds=tuple(PetitionKind), form={})
    try:
        channel = PetitionChannel(request.form.get("channel", ""))
        if channel not in CLERK_CHANNELS:
            raise ValueError(channel)
        kind = PetitionKind(request.form.get("kind", ""))
    except ValueError:
        abort(400)
    data = petitions.PetitionInput(kind=kind, citizen_name=form_str("citizen_name", max_length=200),
                                   phone=form_str("phone", max_length=30), subject=form_str("subject", max_length=300),
                                   content=form_str("content", max_length=10000),
                                   address=form_str("address", max_length=300), email=form_str("email", max_length=200))
    try:
        with db.transaction() as s:
            petition = petitions.register_petition(s, organisation=get_organisation(s), settings=settings(),
                                                   data=data, channel=channel, actor=actor)
            petition_id, code = petition.id, petition.receipt_code
    except ValidationError as exc:
        return render_template("petitions/new.html", channels=CLERK_CHANNELS, kinds=tuple(PetitionKind),
                               form=request.form, error=gettext(exc.message, **exc.params)), 400
    flash(gettext("Petition registered. Give the citizen the receipt code %(code)s.", code=code), "success")
    return redirect(url_for("petitions.show", petition_id=petition_id))


@bp.get("/<int:petition_id>")
@login_required
def show(petition_id: int) -> ResponseReturnValue:
    """One petition with the citizen's details, for its handlers only (403 for anyone else)."""
    session, actor = db.get_session(), current_actor()
    petition = petitions.get_petition(session, actor=actor, petition_id=petition_id)
    departments, handlers = petitions.route_choices(session, organisation_id=actor.organisation_id)
    apologies = petitions.apologies_of(session, petition)
    return render_template(
        "petitions/show.html", p=petition, departments=departments, handlers=handlers, apologies=apologies,
        may_route=policy.may_route(actor, petition), may_answer=policy.may_answer(actor, petition),
        signers=outgoing_service.signer_choices(session, actor=actor, doc_type="cong_van", on=today()),
        apology_due=petitions.is_due_apology(session, petition, settings=settings(), now=utc_now()))


@bp.post("/<int:petition_id>/assign")
@login_required
def assign(petition_id: int) -> ResponseReturnValue:
    with db.transaction() as s:
        petitions.assign_petition(s, actor=current_actor(), petition_id=petition_id,
                                  department_id=form_int("department_id", required=True) or 0,
                                  handler_id=form_int("handler_id"))
    flash(gettext("The petition has been assigned."), "success")
    return redirect(url_for("petitions.show", petition_id=petition_id))


@bp.post("/<int:petition_id>/answer")
@login_required
def answer(petition_id: int) -> ResponseReturnValue:
    """Answer by text, or (with a signer) draft the answer document for the outgoing route."""
    text, signer_id = form_str("answer_text", max_length=10000), form_int("signer_id")
    with db.transaction() as s:
        if request.form.get("mode") == "document":
            document = petitions.draft_answer(s, actor=current_actor(), petition_id=petition_id, text=text,
                                              signer_id=signer_id, settings=settings(), store=store())
            document_id = document.id
        else:
            petitions.answer_with_text(s, actor=current_actor(), petition_id=petition_id, text=text,
                                       settings=settings())
            document_id = None
    if document_id is not None:
        flash(gettext("The answer has been drafted: send it on its route to be signed and issued."), "success")
        return redirect(url_for("outgoing.detail", document_id=document_id))
    flash(gettext("The petition has been answered."), "success")
    return redirect(url_for("petitions.show", petition_id=petition_id))


@bp.post("/<int:petition_id>/apology")
@login_required
def apology(petition_id: int) -> ResponseReturnValue:
    """Draft the apology letter with the reason and the new date."""
    new_date: date | None = parse_date(form_str("new_deadline", max_length=20), "new_deadline")
    if new_date is None:
        raise ValidationError(N_("Give the new date."), field="new_deadline")
    with db.transaction() as s:
        made = petitions.draft_apology(s, actor=current_actor(), petition_id=petition_id,
                                       reason=form_str("reason", max_length=2000), new_deadline=new_date,
                                       signer_id=form_int("signer_id"), settings=settings(), store=store())
        document_id = made.document_id
    flash(gettext("The apology letter has been drafted: have it signed and issued before the deadline."), "success")
    return redirect(url_for("outgoing.detail", document_id=document_id))


@bp.post("/<int:petition_id>/close")
@login_required
def close(petition_id: int) -> ResponseReturnValue:
    with db.transaction() as s:
        petitions.close_petition(s, actor=current_actor(), petition_id=petition_id)
    flash(gettext("The petition has been closed."), "success")
    return redirect(url_for("petitions.show", petition_id=petition_id))

"""The citizens' pages (no sign-in): send a petition or feedback (phản ánh, kiến nghị, góp ý) and get a
receipt code; follow it with the code and the phone number; rate the answer once. Every form carries CSRF;
every request is counted per address (services.ratelimit) in its own transaction before the work, so a
refused request's count is kept. Codes and phones travel in POST bodies, never in URLs (server logs)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy.orm import Session

from docflow import db, wards
from docflow.errors import N_, DocflowError, NotFoundError, ValidationError
from docflow.models import Organisation, PetitionChannel, PetitionKind
from docflow.services import petitions
from docflow.services.people import list_wards
from docflow.web.helpers import count_this_address, form_int, form_str, settings

bp = Blueprint("citizens", __name__, url_prefix="/citizens")

# (hits, per): a person sends a few petitions an hour; looking one up takes a few tries, not thousands.
SUBMIT_LIMIT = (5, timedelta(hours=1))
TRACK_LIMIT = (20, timedelta(minutes=10))
KINDS = tuple(PetitionKind)


def _form_input() -> petitions.PetitionInput:
    try:
        kind = PetitionKind(request.form.get("kind", ""))
    except ValueError:
        raise ValidationError(N_("Choose what you are sending: a report, a proposal or a suggestion."),
                              field="kind") from None
    return petitions.PetitionInput(kind=kind, citizen_name=form_str("citizen_name", max_length=200),
                                   phone=form_str("phone", max_length=30), subject=form_str("subject", max_length=300),
                                   content=form_str("content", max_length=10000),
                                   address=form_str("address", max_length=300), email=form_str("email", max_length=200))


def _chosen_ward(session: Session) -> Organisation:
    """The ward the petition goes to: the deployment's only ward, or (a province's) the one the citizen chose."""
    choices = list_wards(session)
    if len(choices) == 1:
        return choices[0]
    chosen = form_int("ward")
    for ward in choices:
        if ward.id == chosen:
            return ward
    raise ValidationError(N_("Choose the ward or commune your petition is for."), field="ward")


@bp.get("/petition")
def petition_form() -> ResponseReturnValue:
    """The public form."""
    return render_template("citizens/petition.html", kinds=KINDS, form={}, wards=list_wards(db.get_session()))


@bp.post("/petition")
def submit() -> ResponseReturnValue:
    """Register the petition and show its receipt code."""
    count_this_address("public.petition", *SUBMIT_LIMIT)
    try:
        data = _form_input()
        with db.transaction() as s:
            petition = petitions.register_petition(s, organisation=_chosen_ward(s), settings=settings(),
                                                   data=data, channel=PetitionChannel.ONLINE)
            code, deadline = petition.receipt_code, petition.deadline
    except ValidationError as exc:
        return render_template("citizens/petition.html", kinds=KINDS, form=request.form,
                               wards=list_wards(db.get_session()), error=gettext(exc.message, **exc.params)), 400
    return render_template("citizens/receipt.html", code=code, deadline=deadline)


@bp.get("/track")
def track_form() -> ResponseReturnValue:
    """The tracking form: receipt code and phone."""
    return render_template("citizens/track.html", found=None)


@bp.post("/track")
def track() -> ResponseReturnValue:
    """The petition of this code and phone, or the same message for any mistake."""
    count_this_address("public.petition_track", *TRACK_LIMIT)
    organisation_id = wards.current_ward_id()   # unbound (public): whichever ward issued the code
    code, phone = form_str("code", max_length=40), form_str("phone", max_length=30)
    try:
        found = petitions.track(db.get_session(), organisation_id=organisation_id, code=code, phone=phone)
    except NotFoundError as exc:
        return render_template("citizens/track.html", found=None, code=code,
                               error=gettext(exc.message, **exc.params)), 404
    return render_template("citizens/track.html", found=found, code=code, phone=phone)


@bp.post("/rate")
def rate() -> ResponseReturnValue:
    """Rate the answer once (the code and phone come again with the rating)."""
    count_this_address("public.petition_track", *TRACK_LIMIT)
    organisation_id = wards.current_ward_id()   # unbound (public): whichever ward issued the code
    code, phone = form_str("code", max_length=40), form_str("phone", max_length=30)
    try:
        rating = form_int("rating", required=True) or 0
        with db.transaction() as s:
            petitions.rate_answer(s, organisation_id=organisation_id, code=code, phone=phone, rating=rating,
                                  comment=form_str("comment", max_length=2000))
    except DocflowError as exc:
        found = None
        if not isinstance(exc, NotFoundError):
            found = petitions.track(db.get_session(), organisation_id=organisation_id, code=code, phone=phone)
        return render_template("citizens/track.html", found=found, code=code, phone=phone,
                               error=gettext(exc.message, **exc.params)), exc.status_code
    found = petitions.track(db.get_session(), organisation_id=organisation_id, code=code, phone=phone)
    return render_template("citizens/track.html", found=found, code=code, phone=phone,
                           thanks=gettext("Thank you for rating the answer."))

"""The delegation register: list, create, revoke (leaders and administrators; auditors read it)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db, doctypes, policy
from docflow.errors import N_, DocflowError, PermissionDeniedError, ValidationError
from docflow.models import Role
from docflow.models.base import utc_now
from docflow.models.routing import SigningMode
from docflow.services.people import Basis
from docflow.services.people import delegations as delegation_service
from docflow.services.people import users as user_service
from docflow.services.signatures import local_today
from docflow.web.helpers import current_actor, form_int, form_str, parse_date, settings

bp = Blueprint("delegations", __name__, url_prefix="/delegations")

MODE_LABELS = {
    SigningMode.TM: N_("TM. — on behalf of the committee"),
    SigningMode.KT: N_("KT. — a deputy signing in place of the head (vice-chairman for the chairman)"),
    SigningMode.Q: N_("Q. — acting chairman"),
    SigningMode.TL: N_("TL. — by order of the chairman"),
    SigningMode.TUQ: N_("TUQ. — by written authorisation, with an end date (cannot be passed on)"),
}
STATE_LABELS = {
    delegation_service.DelegationState.CURRENT: N_("Current"),
    delegation_service.DelegationState.UPCOMING: N_("Not yet valid"),
    delegation_service.DelegationState.EXPIRED: N_("Expired"),
    delegation_service.DelegationState.REVOKED: N_("Revoked"),
}


def _context(**extra: Any) -> dict[str, Any]:
    session = db.get_session()
    actor = current_actor()
    today = local_today(settings(), utc_now())
    users = [u for u in user_service.list_users(session)
             if u.is_active and u.organisation_id == actor.organisation_id and u.role is not Role.AUDITOR]
    return {"rows": delegation_service.list_delegations(session, actor=actor, on=today), "today": today,
            "users": users, "leaders": [u for u in users if u.role is Role.LEADER],
            "can_manage": policy.may_manage_delegations(actor),
            "may_revoke": lambda delegation: policy.may_revoke_delegation(actor, delegation), "modes": list(SigningMode),
            "MODE_LABELS": MODE_LABELS, "STATE_LABELS": STATE_LABELS, "types": doctypes.DOCUMENT_TYPES,
            "form": {}, "chosen_types": request.form.getlist("doc_types"), **extra}


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The ward's delegations: current, not yet valid, expired, revoked."""
    return render_template("delegations/index.html", **_context())


def _mode() -> SigningMode:
    try:
        return SigningMode(request.form.get("mode", ""))
    except ValueError:
        raise ValidationError(N_("Choose a signing mode."), field="mode") from None


def _basis() -> Basis:
    """The written basis from the form: a document of the ward, or a number and symbol with its date."""
    return Basis(
        document_id=form_int("basis_document_id"), reference=form_str("basis_reference", max_length=100),
        issued_on=parse_date(form_str("basis_date", max_length=20), "basis_date"))


@bp.post("/")
@login_required
def create() -> ResponseReturnValue:
    """Record a delegation."""
    actor = current_actor()
    try:
        valid_from = parse_date(form_str("valid_from", max_length=20), "valid_from")
        if valid_from is None:
            raise ValidationError(N_("This field is required."), field="valid_from")
        delegator_id = form_int("delegator_id") if policy.may_delegate_for_others(actor) else actor.id
        with db.transaction() as s:
            delegation_service.create_delegation(
                s, actor=actor, delegate_id=form_int("delegate_id", required=True) or 0,
                delegator_id=delegator_id or 0, mode=_mode(), doc_types=request.form.getlist("doc_types"),
                valid_from=valid_from, valid_to=parse_date(form_str("valid_to", max_length=20), "valid_to"),
                parent_id=form_int("parent_id"), basis=_basis())
    except (ValidationError, PermissionDeniedError) as exc:
        db.get_session().rollback()
        return render_template("delegations/index.html", **_context(form=request.form,
                               error=gettext(exc.message, **exc.params))), exc.status_code
    flash(gettext("The delegation has been recorded."), "success")
    return redirect(url_for("delegations.index"))


@bp.post("/<int:delegation_id>/revoke")
@login_required
def revoke(delegation_id: int) -> ResponseReturnValue:
    """Revoke a delegation from now on."""
    try:
        with db.transaction() as s:
            delegation_service.revoke_delegation(s, actor=current_actor(), delegation_id=delegation_id)
    except DocflowError as exc:
        if exc.status_code != 409:
            raise
        flash(gettext(exc.message, **exc.params), "warning")
        return redirect(url_for("delegations.index"))
    flash(gettext("The delegation has been revoked."), "success")
    return redirect(url_for("delegations.index"))

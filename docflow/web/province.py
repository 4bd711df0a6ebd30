"""The province administrator's page: the deployment's wards, and a new ward with its first administrator
(who then manages that ward on the usual administration pages)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db, policy
from docflow.errors import N_, DocflowError, ValidationError
from docflow.services import wards as ward_service
from docflow.web.helpers import current_actor, form_str, settings

bp = Blueprint("province", __name__, url_prefix="/province")


@bp.before_request
@login_required
def _province_admin_only() -> None:
    # The services check again; this only keeps everyone else off the screens.
    if not policy.may_administer_province(current_actor()):
        abort(403)


@bp.get("/wards")
def wards() -> ResponseReturnValue:
    """Every ward of the deployment, and the form for a new one."""
    rows = ward_service.ward_overview(db.get_session(), actor=current_actor())
    return render_template("province/wards.html", rows=rows, form={})


@bp.post("/wards")
def create_ward() -> ResponseReturnValue:
    """A new ward with its registers, keys and first administrator."""
    try:
        if request.form.get("password", "") != request.form.get("confirm_password", ""):
            raise ValidationError(N_("The two passwords do not match."), field="confirm_password")
        data = ward_service.NewWard(
            name=form_str("name", max_length=200), code=form_str("code", max_length=30),
            organ_id=form_str("organ_id", max_length=13), admin_username=form_str("username", max_length=80),
            admin_full_name=form_str("full_name", max_length=200), admin_password=request.form.get("password", ""))
        with db.transaction() as s:
            ward, admin = ward_service.create_ward_with_admin(s, settings=settings(), actor=current_actor(),
                                                              data=data)
            names = ward.name, admin.username
    except DocflowError as exc:
        rows = ward_service.ward_overview(db.get_session(), actor=current_actor())
        return render_template("province/wards.html", rows=rows, form=request.form,
                               error=gettext(exc.message, **exc.params)), exc.status_code
    flash(gettext("The ward %(name)s has been created; its administrator is %(username)s.", name=names[0],
                  username=names[1]), "success")
    return redirect(url_for("province.wards"))

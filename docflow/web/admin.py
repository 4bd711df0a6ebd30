"""Administration: users (create, edit role/post/department, deactivate), departments, certificates, the
ward's seal image."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db, policy
from docflow.errors import N_, DocflowError, ValidationError
from docflow.models import Role, User, utc_now
from docflow.services import keys as key_service
from docflow.services import seals as seal_service
from docflow.services.people import organisation as org_service
from docflow.services.keys import pins
from docflow.services.people import users as user_service
from docflow.services.people import UserInput
from docflow.signing.base import CertificateKind
from docflow.web.helpers import current_actor, form_int, form_str, settings, store

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only() -> None:
    # The services check again; this only keeps non-admins off the screens.
    if not policy.may_administer(current_actor()):
        abort(403)


def _role() -> Role:
    try:
        return Role(request.form.get("role", ""))
    except ValueError:
        raise ValidationError(N_("Choose a role."), field="role") from None


@bp.get("/users")
def users() -> ResponseReturnValue:
    """All accounts."""
    session = db.get_session()
    return render_template("admin/users.html", users=user_service.list_users(session),
                           departments=org_service.list_departments(session), Role=Role, form={})


@bp.post("/users")
def create_user() -> ResponseReturnValue:
    """Create an account."""
    session = db.get_session()
    try:
        if request.form.get("password", "") != request.form.get("confirm_password", ""):
            raise ValidationError(N_("The two passwords do not match."), field="confirm_password")
        with db.transaction() as s:
            user = user_service.create_user(
                s, actor=current_actor(), organisation=org_service.get_organisation(s),
                password=request.form.get("password", ""),
                data=UserInput(username=form_str("username", max_length=80),
                               full_name=form_str("full_name", max_length=200), role=_role(),
                               post=form_str("post", max_length=200), department_id=form_int("department_id")))
    except DocflowError as exc:
        return render_template("admin/users.html", users=user_service.list_users(session),
                               departments=org_service.list_departments(session), Role=Role,
                               form=request.form, error=gettext(exc.message, **exc.params)), exc.status_code
    flash(gettext("The account %(username)s has been created.", username=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> ResponseReturnValue:
    """Change a user's role, post, department and name."""
    session = db.get_session()
    user = user_service.get_user(session, user_id, actor=current_actor())
    if request.method == "GET":
        return render_template("admin/user_edit.html", user=user,
                               departments=org_service.list_departments(session), Role=Role)
    try:
        with db.transaction() as s:
            user_service.update_user(s, actor=current_actor(), user_id=user_id, role=_role(),
                                     post=form_str("post", max_length=200), department_id=form_int("department_id"),
                                     full_name=form_str("full_name", max_length=200))
    except ValidationError as exc:
        session.rollback()
        return render_template("admin/user_edit.html", user=user, Role=Role,
                               departments=org_service.list_departments(session),
                               error=gettext(exc.message, **exc.params)), 400
    flash(gettext("The account has been updated."), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int) -> ResponseReturnValue:
    """Deactivate or reactivate an account."""
    active = request.form.get("active") == "1"
    with db.transaction() as s:
        user = user_service.set_user_active(s, actor=current_actor(), user_id=user_id, active=active)
    flash(gettext("%(username)s can sign in again.", username=user.username) if active else
          gettext("%(username)s can no longer sign in.", username=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.get("/departments")
def departments() -> ResponseReturnValue:
    """All departments."""
    return render_template("admin/departments.html",
                           departments=org_service.list_departments(db.get_session(), include_inactive=True))


@bp.post("/departments")
def create_department() -> ResponseReturnValue:
    """Create a department."""
    with db.transaction() as s:
        org_service.create_department(s, actor=current_actor(), organisation=org_service.get_organisation(s),
                                      name=form_str("name", max_length=200), code=form_str("code", max_length=30))
    flash(gettext("The department has been created."), "success")
    return redirect(url_for("admin.departments"))


@bp.post("/departments/<int:department_id>")
def update_department(department_id: int) -> ResponseReturnValue:
    """Rename, deactivate or reactivate a department."""
    with db.transaction() as s:
        org_service.update_department(s, actor=current_actor(), department_id=department_id,
                                      name=form_str("name", max_length=200),
                                      is_active=request.form.get("is_active") == "1")
    flash(gettext("The department has been updated."), "success")
    return redirect(url_for("admin.departments"))


@bp.get("/certificates")
def certificates() -> ResponseReturnValue:
    """Every signing certificate, its holder, status and expiry; those expiring soon first."""
    session = db.get_session()
    rows = key_service.list_certificates(session, actor=current_actor())
    return render_template("admin/certificates.html", rows=rows, now=utc_now(),
                           guards=pins.lock_states(session, [r.certificate.id for r in rows]),
                           expiring=key_service.expiring(rows, settings()),
                           users=[u for u in user_service.list_users(session) if u.is_active and u.role is not Role.AUDITOR],
                           development=settings().signing.ca == "development",
                           warning_days=settings().signing.expiry_warning_days)


@bp.post("/certificates")
def issue_certificate() -> ResponseReturnValue:
    """Issue a certificate and show its one-time enrolment code; the holder chooses the PIN with it."""
    try:
        kind = CertificateKind(form_str("kind", max_length=20) or "personal")
    except ValueError:
        raise ValidationError(N_("Choose a kind of certificate."), field="kind") from None
    try:
        with db.transaction() as s:
            holder = s.get(User, form_int("holder_id") or 0) if kind is CertificateKind.PERSONAL else None
            enrolment = key_service.issue_for_enrolment(s, settings=settings(), actor=current_actor(),
                                                        holder=holder, kind=kind)
    except DocflowError as exc:
        flash(gettext(exc.message, **exc.params), "danger")
        return redirect(url_for("admin.certificates"))
    # Shown once, on this page only (never in a flash message, which travels in the session cookie).
    response = make_response(render_template("admin/enrolment_code.html", enrolment=enrolment))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/certificates/<int:certificate_id>/unlock")
def unlock_certificate(certificate_id: int) -> ResponseReturnValue:
    """End a wrong-PIN lock before its time; the holder is told."""
    try:
        with db.transaction() as s:
            pins.unlock_key(s, actor=current_actor(), certificate_id=certificate_id)
    except DocflowError as exc:
        flash(gettext(exc.message, **exc.params), "danger")
        return redirect(url_for("admin.certificates"))
    flash(gettext("The signing key is unlocked; its holder has been told."), "success")
    return redirect(url_for("admin.certificates"))


@bp.post("/certificates/<int:certificate_id>/revoke")
def revoke_certificate(certificate_id: int) -> ResponseReturnValue:
    """Revoke a certificate with a reason."""
    try:
        with db.transaction() as s:
            row = key_service.revoke_certificate(s, settings=settings(), actor=current_actor(),
                                                 certificate_id=certificate_id,
                                                 reason=form_str("reason", max_length=40))
    except DocflowError as exc:
        flash(gettext(exc.message, **exc.params), "danger")
        return redirect(url_for("admin.certificates"))
    flash(gettext("Certificate %(serial)s revoked.", serial=row.serial), "success")
    return redirect(url_for("admin.certificates"))


@bp.route("/seal", methods=["GET", "POST"])
def seal() -> ResponseReturnValue:
    """The ward's seal image and its real diameter, which the organisation's signature shows."""
    error = None
    if request.method == "POST":
        try:
            _save_seal()
            flash(gettext("The ward's seal has been saved."), "success")
            return redirect(url_for("admin.seal"))
        except ValidationError as exc:
            db.get_session().rollback()
            error = gettext(exc.message, **exc.params)
    current = seal_service.active_seal(db.get_session(), current_actor().organisation_id)
    return render_template("admin/seal.html", seal=current, error=error,
                           low=int(seal_service.MIN_DIAMETER_MM), high=int(seal_service.MAX_DIAMETER_MM),
                           default=seal_service.DEFAULT_DIAMETER_MM), 400 if error else 200


def _save_seal() -> None:
    """A new seal image at the diameter given, or the same image at a new diameter."""
    diameter = seal_service.parse_diameter(form_str("diameter", max_length=10))
    file = request.files.get("image")
    with db.transaction() as s:
        if file is not None and file.filename:
            seal_service.upload_seal(s, actor=current_actor(), data=file.stream.read(seal_service.MAX_SEAL_BYTES + 1),
                                     diameter_mm=diameter, store=store())
        else:
            seal_service.set_seal_diameter(s, actor=current_actor(), diameter_mm=diameter)


@bp.get("/seal/image.png")
def seal_image() -> ResponseReturnValue:
    """The seal image in use (PNG)."""
    current = seal_service.active_seal(db.get_session(), current_actor().organisation_id)
    if current is None:
        abort(404)
    return Response(store().read(current.sha256), mimetype="image/png", headers={"Cache-Control": "private, no-store"})

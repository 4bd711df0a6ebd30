"""Liên thông: the administrator's partners (trusted agencies, each under one root) and the clerk's documents
received from other agencies (register, return to the sender, answer a recall). Thin: the services decide who
may do what."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import db
from docflow.errors import N_, ValidationError
from docflow.models import utc_now
from docflow.services.exchange import inbox, partners
from docflow.services.incoming import DuplicateIncomingError
from docflow.web.downloads import content_disposition
from docflow.web.helpers import current_actor, form_int, form_str, settings, store

bp = Blueprint("exchange", __name__, url_prefix="/exchange")
MAX_ROOT_UPLOAD = partners.MAX_ROOT_BYTES


@bp.get("/partners")
@login_required
def partner_list() -> ResponseReturnValue:
    """The agencies the ward trusts."""
    rows = partners.partners_page(db.get_session(), actor=current_actor())
    return render_template("exchange/partners.html", partners=rows)


@bp.post("/partners")
@login_required
def partner_add() -> ResponseReturnValue:
    """Trust an agency under the root certificate uploaded."""
    actor = current_actor()
    upload = request.files.get("trust_root")
    root = upload.stream.read(MAX_ROOT_UPLOAD + 1) if upload is not None and upload.filename else b""
    if not root:
        raise ValidationError(N_("The trust root is not a certificate (PEM or DER)."), field="trust_root")
    with db.transaction() as s:
        partners.add_partner(s, organisation=actor.organisation, organ_id=form_str("organ_id", max_length=20),
                             trust_root=root, actor=actor, now=utc_now(), name=form_str("name", max_length=300),
                             url=form_str("url", max_length=500))
    flash(gettext("The agency is now a trusted exchange partner."), "success")
    return redirect(url_for("exchange.partner_list"))


@bp.post("/partners/<organ_id>/deactivate")
@login_required
def partner_deactivate(organ_id: str) -> ResponseReturnValue:
    actor = current_actor()
    with db.transaction() as s:
        partners.deactivate_partner(s, organisation=actor.organisation, organ_id=organ_id[:20], actor=actor,
                                    now=utc_now())
    flash(gettext("The agency is no longer trusted: its messages are refused."), "success")
    return redirect(url_for("exchange.partner_list"))


@bp.get("/received")
@login_required
def received() -> ResponseReturnValue:
    """Documents received from other agencies awaiting the clerk, and the senders' recall requests."""
    session = db.get_session()
    actor = current_actor()
    items = inbox.awaiting(session, actor=actor)
    return render_template("exchange/received.html", items=[(i, inbox.header_of(i)) for i in items],
                           departments=inbox.departments_for(session, actor=actor))


@bp.get("/received/<int:inbox_id>/file")
@login_required
def received_file(inbox_id: int) -> ResponseReturnValue:
    """The received PDF, for the clerk to read before registering it (as an attachment, never inline)."""
    item = inbox.get_inbox(db.get_session(), actor=current_actor(), inbox_id=inbox_id)
    name = f"lien-thong-{item.id}.pdf"
    return Response(store().read(item.pdf_sha256), mimetype="application/pdf",
                    headers={"Content-Disposition": content_disposition(name)})


def _answer(action: str, success: str, **kw: object) -> ResponseReturnValue:
    try:
        with db.transaction() as s:
            done = getattr(inbox, action)(s, actor=current_actor(), settings=settings(), now=utc_now(), **kw)
    except DuplicateIncomingError as exc:
        flash(gettext(exc.message, **exc.params), "warning")
        return redirect(url_for("exchange.received"))
    except ValidationError as exc:
        flash(gettext(exc.message, **exc.params), "danger")
        return redirect(url_for("exchange.received"))
    flash(gettext(success), "success")
    document_id = getattr(getattr(done, "document", None), "id", None)
    if document_id is not None:
        return redirect(url_for("documents.detail", document_id=document_id))
    return redirect(url_for("exchange.received"))


@bp.post("/received/<int:inbox_id>/register")
@login_required
def register(inbox_id: int) -> ResponseReturnValue:
    return _answer("register_received", N_("Registered."), inbox_id=inbox_id, store=store(),
                   department_id=form_int("department_id"), confirm_duplicate=request.form.get("confirm") == "1")


@bp.post("/received/<int:inbox_id>/return")
@login_required
def return_to_sender(inbox_id: int) -> ResponseReturnValue:
    return _answer("return_to_sender", N_("Returned to the sender with the reason."), inbox_id=inbox_id,
                   reason=form_str("reason"))


@bp.post("/received/<int:inbox_id>/recall/agree")
@login_required
def recall_agree(inbox_id: int) -> ResponseReturnValue:
    return _answer("agree_recall", N_("The recall is agreed: the copy is recalled."), inbox_id=inbox_id)


@bp.post("/received/<int:inbox_id>/recall/refuse")
@login_required
def recall_refuse(inbox_id: int) -> ResponseReturnValue:
    return _answer("refuse_recall", N_("The recall is refused; the sender is told why."), inbox_id=inbox_id,
                   reason=form_str("reason"))


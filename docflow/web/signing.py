"""Signing a document's version, its signature panel and reports, the "verify a PDF" page, the PKI endpoints."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required
from sqlalchemy.orm import Session

from docflow import db, pdfcheck, policy
from docflow.errors import N_, ConfigurationError, ConflictError, SigningError, ValidationError
from docflow.models import Document, utc_now
from docflow.services import keys, renewal
from docflow.services.formatcheck import FormatRefusedError
from docflow.services.formatcheck.gate import BlockMismatchError
from docflow.services.signatures import verification_log
from docflow.services import documents as doc_service
from docflow.services import signatures as signing_service
from docflow.signing.base import SignatureKind
from docflow.web.formatchecks import finding_text
from docflow.web.downloads import content_disposition, document_file_name
from docflow.web.helpers import current_actor, form_int, form_str, settings, store

bp = Blueprint("signing", __name__)

# The PIN is a secret: the form field never comes back filled, and it is never logged or audited.
PIN_MAX = 64


@bp.post("/documents/<int:document_id>/sign")
@login_required
def sign(document_id: int) -> ResponseReturnValue:
    """Sign the current version with the actor's key and PIN."""
    try:
        kind = SignatureKind(form_str("kind", max_length=30))
    except ValueError:
        raise ValidationError(N_("Choose a kind of signature."), field="kind") from None
    pin = request.form.get("pin", "")[:PIN_MAX]
    if not pin:
        flash(gettext("Enter your signing PIN."), "danger")
        return redirect(url_for("documents.detail", document_id=document_id, _anchor="sign"))
    try:
        with db.transaction() as s:
            outcome = signing_service.sign_version(
                s, settings=settings(), store=store(), actor=current_actor(), document_id=document_id,
                kind=kind, pin=pin, expected_version=form_int("version"),
                reason=form_str("reason", max_length=200))
    except (SigningError, ConflictError, FormatRefusedError, BlockMismatchError) as exc:
        # a wrong PIN, a stale page, or a draft the format check refuses: the message says what to do
        flash(gettext(exc.message, **exc.params), "danger")
        for finding in getattr(exc, "findings", ()):
            flash(f"{finding_text(finding)} ({finding.rule})", "danger")
        return redirect(url_for("documents.detail", document_id=document_id, _anchor="sign"))
    finally:
        del pin
    flash(gettext("Signed. Version %(n)s holds your signature.", n=outcome.version.number), "success")
    return redirect(url_for("documents.detail", document_id=document_id, _anchor="signatures"))


def panel_report(document: Document, *, signed_by_docflow: bool) -> dict[str, Any] | None:
    """The report the signature panel shows: the kept one, or, when docflow signed the current version and
    nobody verified it yet, a fresh one (kept by the file's SHA-256 from then on). Commits when it verifies."""
    report = signing_service.current_report(db.get_session(), settings=settings(), document=document)
    if report is None and signed_by_docflow:
        with db.transaction() as s:
            report = signing_service.verify_version(s, settings=settings(), store=store(), actor=current_actor(),
                                                    document_id=document.id, version_number=None)
    return report


@bp.post("/documents/<int:document_id>/verify")
@login_required
def verify_document(document_id: int) -> ResponseReturnValue:
    """Verify the current version (or ?version=N) and keep the report."""
    with db.transaction() as s:
        report = signing_service.verify_version(s, settings=settings(), store=store(), actor=current_actor(),
                                                document_id=document_id, version_number=form_int("version"))
        verification_log.record_verification(s, actor=current_actor(), report=report, document_id=document_id,
                                             version=form_int("version"))
    return redirect(url_for("documents.detail", document_id=document_id, _anchor="signatures"))


@bp.get("/documents/<int:document_id>/versions/<int:number>/verification")
@login_required
def version_report(document_id: int, number: int) -> ResponseReturnValue:
    """The verification report of one version: printable page, or JSON with ?format=json."""
    with db.transaction() as s:
        report = signing_service.verify_version(s, settings=settings(), store=store(), actor=current_actor(),
                                                document_id=document_id, version_number=number)
        document = doc_service.get_document_for(s, actor=current_actor(), document_id=document_id)
        title = f"{document.number_symbol or document.summary[:60]} — v{number}"
        filename = document_file_name(document, f"v{number}", "kiem-tra-chu-ky", ext="json")
    return _report_response(report, title=title, filename=filename)


def _report_response(report: dict[str, Any], *, title: str, filename: str,
                     issued: renewal.IssuedMatch | None = None) -> ResponseReturnValue:
    """The report as JSON or a page; an uploaded file's (``/verify/<sha256>``) also says whether it is the
    issued bytes of a document, or a renewal of them."""
    asked = request.endpoint == "signing.upload_report"
    if request.args.get("format") == "json":
        public = {k: v for k, v in report.items() if k != "msgids"}
        if asked:
            public["issued"] = issued.to_json() if issued is not None else None
        return Response(json.dumps(public, ensure_ascii=False, indent=2), mimetype="application/json",
                        headers={"Content-Disposition": content_disposition(filename)})
    document = db.get_session().get(Document, issued.document_id) if issued is not None else None
    return render_template("signing/report.html", report=report, title=title, issued=issued, ask_issued=asked,
                           issued_link=document is not None and policy.can_view(current_actor(), document))


@bp.route("/verify", methods=["GET", "POST"])
@login_required
def verify_upload() -> ResponseReturnValue:
    """Upload any PDF and see whether its signatures hold."""
    if not policy.may_verify_uploads(current_actor()):
        abort(403)
    if request.method == "GET":
        return render_template("signing/verify.html", max_mb=settings().uploads.max_upload_mb)
    file = request.files.get("file")
    if file is None or not file.filename:
        return _verify_error(N_("Choose a PDF file to verify."))
    data = file.stream.read(settings().max_upload_bytes + 1)
    if len(data) > settings().max_upload_bytes:
        return _verify_error(N_("The file is larger than %(limit)s MB."), limit=settings().uploads.max_upload_mb)
    try:
        pdfcheck.check_pdf_bytes(data, doc_service.parse_limits(settings().uploads))
        signing_service.verify_ahead(db.get_session(), settings=settings(), data=data)
        issued = renewal.match_bytes(db.get_session(), store=store(), data=data,
                                     organisation_id=current_actor().organisation_id)
        with db.transaction() as s:
            report = signing_service.verify_bytes(s, settings=settings(), data=data)
            verification_log.record_verification(s, actor=current_actor(), report=report,
                                                 issued=issued.to_json() if issued is not None else None)
    except ValidationError as exc:  # UnreadablePdfError included
        return _verify_error(exc.message, **exc.params)
    return redirect(url_for("signing.upload_report", sha256=report["sha256"]))


def _verify_error(message: str, **params: Any) -> ResponseReturnValue:
    return render_template("signing/verify.html", max_mb=settings().uploads.max_upload_mb,
                           verify_error=gettext(message, **params)), 400


@bp.get("/verify/<sha256>")
@login_required
def upload_report(sha256: str) -> ResponseReturnValue:
    """The kept report of a file (by its SHA-256), for those who hold the file or may see a document with it."""
    session = db.get_session()
    report = verification_log.report_by_digest(session, actor=current_actor(), settings=settings(), sha256=sha256)
    actor = current_actor()
    issued = renewal.answer_for_digest(session, store=store(), actor_id=actor.id,
                                       organisation_id=actor.organisation_id, sha256=sha256)
    return _report_response(report, title=sha256[:16] + "…", filename=f"verification-{sha256[:16]}.json",
                            issued=issued)


# -- the development CA's public endpoints (certificates point here for CRL and OCSP) -------------------

@bp.get("/pki/root.pem")
def pki_root() -> ResponseReturnValue:
    """The ward's root certificate, for verifiers elsewhere."""
    ca = _ca_or_404()
    return Response(ca.root_pem(), mimetype="application/x-pem-file",
                    headers={"Content-Disposition": 'attachment; filename="ward-root.pem"'})


@bp.get("/pki/crl")
def pki_crl() -> ResponseReturnValue:
    """The issuing CA's current CRL (DER)."""
    return Response(_ca_or_404().crl_der(), mimetype="application/pkix-crl")


@bp.route("/pki/ocsp", methods=["POST"])
@bp.route("/pki/ocsp/<path:encoded>", methods=["GET"])
def pki_ocsp(encoded: str | None = None) -> ResponseReturnValue:
    """RFC 6960 OCSP over HTTP POST, or GET with the request base64 in the path."""
    if encoded is not None:
        try:
            body = base64.b64decode(encoded.replace("%2F", "/").replace("%2B", "+"), validate=False)
        except ValueError:
            body = b""
    else:
        body = request.get_data(cache=False)[:65536]
    return Response(_ca_or_404().ocsp_response(body), mimetype="application/ocsp-response")


def _ca_or_404() -> Any:
    if settings().signing.ca != "development":
        abort(404)
    try:
        return keys.open_ca(settings())
    except ConfigurationError:  # `docflow keys init` has not run: nothing to serve
        abort(404)



@bp.route("/account/signature", methods=["GET", "POST"])
@login_required
def my_signature() -> ResponseReturnValue:
    """My certificates, and the handwritten signature image drawn into my visible signatures."""
    actor = current_actor()
    error = None
    if request.method == "POST":
        file = request.files.get("image")
        try:
            if file is None or not file.filename:
                raise ValidationError(N_("Choose a PNG image."), field="image")
            with db.transaction() as s:
                signing_service.set_signature_image(s, actor=actor, data=file.stream.read(1024 * 1024 + 1),
                                                    store=store())
            flash(gettext("Your signature image has been saved."), "success")
            return redirect(url_for("signing.my_signature"))
        except ValidationError as exc:
            db.get_session().rollback()
            error = gettext(exc.message, **exc.params)
    session = db.get_session()
    return render_template("signing/my_signature.html", image_error=error,
                           certificates=signing_service.my_certificates(session, actor=actor),
                           pending=keys.pending_enrolments(session, actor=actor),
                           pin_certificates=keys.pin_certificates(session, actor=actor),
                           now=utc_now()), 400 if error else 200


@bp.post("/account/pin/enrol")
@login_required
def enrol_pin() -> ResponseReturnValue:
    """Redeem the administrator's enrolment code with a signing PIN of my own choosing."""
    return _pin_action(lambda s: keys.enrol_pin(
        s, settings=settings(), actor=current_actor(), certificate_id=form_int("certificate_id") or 0,
        code=form_str("code", max_length=40), pin=_secret("pin"), confirm=_secret("confirm_pin")),
        gettext("Your signing PIN has been set. Only you know it; docflow does not keep it."))


@bp.post("/account/pin/change")
@login_required
def change_pin() -> ResponseReturnValue:
    """Replace my signing PIN, proving the current one."""
    return _pin_action(lambda s: keys.change_pin(
        s, settings=settings(), actor=current_actor(), certificate_id=form_int("certificate_id") or 0,
        old_pin=_secret("old_pin"), new_pin=_secret("pin"), confirm=_secret("confirm_pin")),
        gettext("Your signing PIN has been changed."))


def _secret(name: str) -> str:
    return request.form.get(name, "")[:64]


def _pin_action(action: Callable[[Session], object], done: str) -> ResponseReturnValue:
    try:
        with db.transaction() as s:
            action(s)
    except (ValidationError, SigningError) as exc:
        flash(gettext(exc.message, **exc.params), "danger")
        return redirect(url_for("signing.my_signature"))
    flash(done, "success")
    return redirect(url_for("signing.my_signature"))


@bp.get("/account/signature/image")
@login_required
def my_signature_image() -> ResponseReturnValue:
    """The current user's signature image (PNG)."""
    actor = current_actor()
    if not actor.signature_image_sha256:
        abort(404)
    return Response(store().read(actor.signature_image_sha256), mimetype="image/png",
                    headers={"Cache-Control": "private, no-store"})

"""/api/v1/incoming: register a received PDF as an incoming document, as the clerk's screen does (the same
service: the user's right to register, the checks, the duplicate warning, the signatures verified at once)."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from docflow import policy
from docflow.errors import N_, PermissionDeniedError, ValidationError
from docflow.models import DocumentKind, utc_now
from docflow.services import incoming
from docflow.services.documents import UploadedFile
from docflow.web.api import serialise
from docflow.web.api.base import actor, audited_transaction, bp, scope
from docflow.web.documents import document_input
from docflow.web.helpers import form_str, receive_upload, settings, store


@bp.post("/incoming")
@scope("incoming:write")
def register_incoming() -> ResponseReturnValue:
    """Register the posted PDF (multipart ``file``) with its metadata; 201 with the new document."""
    user = actor()
    if not policy.may_register_incoming(user):     # before the file is stored: the service checks again
        raise PermissionDeniedError(N_("Only the clerk (văn thư) registers incoming documents."))
    file = request.files.get("file")
    if file is None or not file.filename:
        raise ValidationError(N_("Choose a PDF file to upload."), field="file")
    data = document_input(DocumentKind.INCOMING)
    upload = receive_upload(UploadedFile(file.stream, file.filename[:255]))
    try:
        with audited_transaction(201) as session:
            done = incoming.register_incoming(
                session, actor=user, data=data, upload=upload, store=store(), settings=settings(), now=utc_now(),
                receipt_note=form_str("receipt_note", max_length=300),
                confirm_duplicate=request.form.get("confirm_duplicate") in ("1", "true"))
            body = {**serialise.document(done.document), "number": done.number,
                    "number_label": incoming.number_label(done.document),
                    "duplicate_of": list(done.duplicate_of),
                    "verification": _verdict(done.report)}
    finally:
        upload.stream.close()
    return jsonify(body), 201


def _verdict(report: dict[str, object] | None) -> dict[str, object] | None:
    """Whether the signatures hold, and how many there are (the whole report: POST the file to /verify)."""
    if report is None:
        return None
    signatures = report.get("signatures")
    return {"valid": bool(report.get("valid")), "signatures": len(signatures) if isinstance(signatures, list) else 0}

"""/api/v1/verify: a posted PDF's verification report, the JSON the "verify a PDF" page offers, with whether
the bytes are a document this ward issued (or a renewal of one)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from docflow import db, pdfcheck, policy
from docflow.errors import N_, PermissionDeniedError, ValidationError
from docflow.services import documents as doc_service
from docflow.services import renewal
from docflow.services import signatures as signing_service
from docflow.services.signatures import verification_log
from docflow.web.api.base import actor, audited_transaction, bp, scope
from docflow.web.helpers import settings, store


@bp.post("/verify")
@scope("verify")
def verify() -> ResponseReturnValue:
    """Verify the posted PDF (multipart ``file``); the report is kept as the page keeps it."""
    user = actor()
    if not policy.may_verify_uploads(user):
        raise PermissionDeniedError(N_("You may not verify uploaded files."))
    file = request.files.get("file")
    if file is None or not file.filename:
        raise ValidationError(N_("Choose a PDF file to verify."), field="file")
    data = file.stream.read(settings().max_upload_bytes + 1)
    if len(data) > settings().max_upload_bytes:
        raise ValidationError(N_("The file is larger than %(limit)s MB."), field="file",
                              limit=settings().uploads.max_upload_mb)
    pdfcheck.check_pdf_bytes(data, doc_service.parse_limits(settings().uploads))
    signing_service.verify_ahead(db.get_session(), settings=settings(), data=data)
    issued = renewal.match_bytes(db.get_session(), store=store(), data=data, organisation_id=user.organisation_id)
    with audited_transaction(200) as session:
        report = signing_service.verify_bytes(session, settings=settings(), data=data)
        verification_log.record_verification(session, actor=user, report=report,
                                             issued=issued.to_json() if issued is not None else None)
    body: dict[str, Any] = {k: v for k, v in report.items() if k != "msgids"}
    body["issued"] = issued.to_json() if issued is not None else None
    return jsonify(body)

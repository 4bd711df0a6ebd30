"""A PDF chosen in a form that came back with an error (or a duplicate warning): browsers cannot refill a
file input, so the file is kept in the content store and named in the form by a token signed for this user
("Đã chọn: name.pdf (… KB) — chọn tệp khác"). A token from another user, a forged or an expired one names
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from docflow.errors import N_, ValidationError
from docflow.models import User
from docflow.services.documents import UploadedFile
from docflow.web.helpers import receive_upload, store

KEPT_MAX_AGE = 3600   # a kept file can be used within an hour
FIELD = "held"        # the hidden field's name (the incoming form's duplicate warning named it first)
EXPIRED = N_("The kept file has expired; choose the PDF again.")


@dataclass(frozen=True)
class KeptFile:
    token: str
    name: str
    size: int


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="docflow.incoming.held-upload")


def keep(actor: User, upload: UploadedFile | None) -> KeptFile | None:
    """A token for a received (checked and stored) upload of ``actor``'s; None for anything else."""
    if upload is None or upload.stored is None or upload.source is not None:
        return None
    token = _serializer().dumps({"u": actor.id, "sha": upload.stored.sha256, "name": upload.filename,
                                 "size": upload.stored.size})
    return KeptFile(token, upload.filename, upload.stored.size)


def _claims(actor: User) -> dict[str, Any] | None:
    token = request.form.get(FIELD, "")
    if not token:
        return None
    try:
        claims = _serializer().loads(token, max_age=KEPT_MAX_AGE)
    except BadSignature:
        raise ValidationError(EXPIRED, field="file") from None
    if not isinstance(claims, dict) or claims.get("u") != actor.id or not store().exists(str(claims.get("sha", ""))):
        raise ValidationError(EXPIRED, field="file")
    return claims


def still_kept(actor: User) -> KeptFile | None:
    """The file the form kept already, to keep offering it (None when none, or when its token is not good)."""
    try:
        claims = _claims(actor)
    except ValidationError:
        return None
    if claims is None:
        return None
    return KeptFile(request.form.get(FIELD, ""), str(claims.get("name", "document.pdf")), int(claims.get("size", 0)))


def posted_or_kept(actor: User) -> UploadedFile | None:
    """The file posted now, else the one kept for ``actor``: checked and stored before the action's
    transaction (None when there is neither). Raises ValidationError (not a PDF, too large, expired token)."""
    file = request.files.get("file")
    if file is not None and file.filename:
        return receive_upload(UploadedFile(file.stream, file.filename))
    claims = _claims(actor)
    if claims is None:
        return None
    upload = UploadedFile(store().open(str(claims["sha"])), str(claims.get("name", "document.pdf")))
    try:
        return receive_upload(upload)
    finally:
        upload.stream.close()

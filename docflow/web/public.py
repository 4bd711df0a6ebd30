"""The public verification page (issue 15 §2): /v/<code> opens from the QR code of an issued document, with
no sign-in. It shows what the document prints, its signatures' validity and its legal status now, and checks
an uploaded PDF against the issued bytes. Every request is counted per client address (guessing codes is
rate-limited); an unknown code is the same 404 as any other."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from docflow import db
from docflow.errors import N_, ValidationError
from docflow.services.public import page as public_page
from docflow.services.public.codes import public_url
from docflow.services.public.upload import check_upload
from docflow.signing.footer import grouped
from docflow.web.helpers import count_this_address, settings, store

bp = Blueprint("public", __name__)

# A citizen opens a page a few times; a program trying codes opens thousands.
PAGE_LIMIT, PAGE_WINDOW = 60, timedelta(minutes=10)
UPLOAD_LIMIT, UPLOAD_WINDOW = 10, timedelta(hours=1)
# An issued document is a few MB; the public check takes no more than this whatever the upload limit.
UPLOAD_MAX_BYTES = 20 * 1024 * 1024


@bp.get("/v/<code>")
def verify(code: str) -> ResponseReturnValue:
    """The public page of the document issued under ``code``."""
    count_this_address("public.verify", PAGE_LIMIT, PAGE_WINDOW)
    return _page(code, answer=None)


@bp.post("/v/<code>")
def verify_upload(code: str) -> ResponseReturnValue:
    """Check an uploaded PDF against the document issued under ``code``."""
    count_this_address("public.upload", UPLOAD_LIMIT, UPLOAD_WINDOW)
    public_page.issued_document(db.get_session(), code)   # an unknown code is a 404 before the file is read
    upload = request.files.get("file")
    data = upload.stream.read(UPLOAD_MAX_BYTES + 1) if upload is not None else b""
    try:
        if not data:
            raise ValidationError(N_("Choose the PDF file to check."), field="file")
        if len(data) > UPLOAD_MAX_BYTES:
            raise ValidationError(N_("The file is larger than the limit of %(limit)s MB."), field="file",
                                  limit=UPLOAD_MAX_BYTES // (1024 * 1024))
        answer = check_upload(db.get_session(), store=store(), code=code, data=data)
    except ValidationError as exc:
        return _page(code, answer=None, error=gettext(exc.message, **exc.params)), 400
    return _page(code, answer=answer)


def _page(code: str, *, answer: Any, error: str | None = None) -> str:
    with db.transaction() as session:   # the issued version's report is kept the first time it is asked for
        view = public_page.public_view(session, settings=settings(), store=store(), code=code)
    return render_template("public/verify.html", view=view, answer=answer, error=error,
                           shown_code=grouped(view.code), page_url=public_url(settings(), view.code), link=_link)


def _link(code: str | None) -> str | None:
    return public_url(settings(), code) if code else None

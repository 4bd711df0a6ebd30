"""Small helpers shared by the blueprints: settings, the current actor, form parsing, filters."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import request, url_for
from flask_babel import format_datetime, get_locale, gettext
from flask_login import current_user
from werkzeug.routing import IntegerConverter, Map

from docflow import appctx, db, doctypes, policy, wards
from docflow.config import Settings
from docflow.errors import N_, NotFoundError, ValidationError
from docflow.models import DocumentKind, DocumentStatus, Role, User, utc_now
from docflow.services import ratelimit
from docflow.services import documents as doc_service
from docflow.services import signatures as signing_service
from docflow.services.documents import DocumentFilters, UploadedFile
from docflow.services.people.organisation import first_ward
from docflow.signing.base import SignatureKind
from docflow.storage import DocumentStore
from docflow.web import certnames


def settings() -> Settings:
    """The running app's settings (docflow.appctx; kept here for the blueprints that import it)."""
    return appctx.settings()


def store() -> DocumentStore:
    """The running app's document store (docflow.appctx)."""
    return appctx.store()


def current_actor() -> User:
    """The signed-in User row behind flask-login's proxy."""
    user: User = current_user._get_current_object()
    return user


def receive_upload(upload: UploadedFile) -> UploadedFile:
    """Check, store and (when it carries signatures) verify an uploaded PDF before the action's transaction
    begins: neither the parse nor the verification then holds a database lock. Raises ValidationError."""
    received = doc_service.receive_upload(store(), upload, settings=settings())
    signing_service.verify_upload_ahead(db.get_session(), settings=settings(), store=store(), upload=received)
    return received


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: no scheme, no host, no '//' or backslash tricks."""
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


def form_str(name: str, *, max_length: int = 2000) -> str:
    value = request.form.get(name, "")
    return value[: max_length + 1]


MAX_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def small_int(raw: str | None) -> int | None:
    """An ASCII whole number that fits the database's integer columns, else None (never int("²"))."""
    if raw is None or not _DIGITS.fullmatch(raw.strip()):
        return None
    value = int(raw.strip())
    return value if value <= MAX_ID else None


def document_filters(args: Mapping[str, str], *, max_query: int) -> DocumentFilters:
    """The list filters a URL's arguments give (the documents list, the search page and its exports): a
    malformed choice, date or number is left out, never an error; the query is cut at ``max_query``."""
    def choice(cls: type[enum.Enum], name: str) -> Any:
        try:
            return cls(args[name]) if args.get(name) else None
        except ValueError:
            return None

    def day(name: str) -> date | None:
        try:
            return parse_date(args.get(name, ""), name)
        except ValidationError:
            return None

    sort = args.get("sort") or "created"
    return DocumentFilters(
        q=args.get("q", "")[:max_query], kind=choice(DocumentKind, "kind"), status=choice(DocumentStatus, "status"),
        doc_type=(args.get("doc_type") or "")[:30] or None, department_id=small_int(args.get("department_id")),
        date_from=day("date_from"), date_to=day("date_to"),
        sort=sort if sort in doc_service.SORTS else "created", descending=args.get("order", "desc") != "asc")


def form_int(name: str, *, required: bool = False) -> int | None:
    raw = request.values.get(name, "").strip()
    if not raw:
        if required:
            raise ValidationError(N_("This field is required."), field=name)
        return None
    value = small_int(raw)
    if value is None:
        raise ValidationError(N_("Enter a whole number."), field=name)
    return value


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in URLs, capped at what the database stores: 99999999999999999999 is a 404, not a 500."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def json_text(value: Any) -> str:
    """JSON for people to read: Vietnamese stays Vietnamese (autoescaping keeps it safe in HTML)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def parse_date(raw: str, field: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(N_("Enter a date as YYYY-MM-DD."), field=field) from None


ROLE_LABELS = {
    Role.CLERK: N_("Clerk"),
    Role.OFFICIAL: N_("Official"),
    Role.HEAD: N_("Department head"),
    Role.LEADER: N_("Leader"),
    Role.AUDITOR: N_("Auditor"),
    Role.ADMIN: N_("Administrator"),
}

ENUM_LABELS: dict[str, str] = {
    # kinds
    "incoming": N_("Incoming"), "outgoing": N_("Outgoing"), "internal": N_("Internal"),
    # statuses
    "draft": N_("Draft"), "registered": N_("Registered"), "in_progress": N_("In progress"),
    "for_information": N_("For information (để biết)"),
    "in_review": N_("In review"), "awaiting_signature": N_("Awaiting signature"), "signed": N_("Signed"),
    "issued": N_("Issued"), "completed": N_("Completed"), "recalled": N_("Recalled"),
    "replaced": N_("Replaced"),
    # urgency
    "normal": N_("Normal"), "urgent": N_("Urgent (Khẩn)"), "very_urgent": N_("Very urgent (Thượng khẩn)"),
    "express": N_("Express (Hỏa tốc)"),
    # confidentiality
    "confidential": N_("Confidential (Mật)"), "secret": N_("Secret (Tối mật)"),
    "top_secret": N_("Top secret (Tuyệt mật)"),
    # signature kinds
    "initial": N_("Review initial (ký nháy)"), "personal": N_("Personal signature"),
    "organisation": N_("Organisation signature (seal)"),
    "organisation_text": N_("Organisation signature (attachment, text only)"),
    # certificate kinds and states
    "system": N_("System"), "valid": N_("Valid"), "revoked": N_("Revoked"), "superseded": N_("Superseded"),
    "expired": N_("Expired"), "expiring": N_("Expires soon"),
}

COVERAGE_LABELS = {"whole_file": N_("the whole file"), "whole_revision": N_("its revision (later updates follow)"),
                   "partial": N_("only part of its revision")}
MODIFICATION_LABELS = {"none": N_("none"), "form_filling": N_("form filling"), "annotations": N_("annotations"),
                       "other": N_("other changes")}


def coverage_label(value: str | None) -> str:
    return gettext(COVERAGE_LABELS[value]) if value in COVERAGE_LABELS else (value or "—")


def modification_label(value: str | None) -> str:
    return gettext(MODIFICATION_LABELS[value]) if value in MODIFICATION_LABELS else (value or "—")


def iso_datetime(value: str | None) -> str:
    """An ISO 8601 time from a kept report, shown in the ward's time zone."""
    if not value:
        return ""
    try:
        return local_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return value


def label(value: Any) -> str:
    key = getattr(value, "value", value)
    if isinstance(value, Role):
        return gettext(ROLE_LABELS[value])
    text = ENUM_LABELS.get(str(key))
    return gettext(text) if text else str(key)


def doc_type_name(code: str) -> str:
    t = doctypes.get_type(code)
    if t is None:
        return code
    return t.name_vi if str(get_locale()) == "vi" else t.name_en


def local_datetime(value: datetime | None) -> str:
    return format_datetime(value, "dd/MM/yyyy HH:mm") if value else ""


def local_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def file_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


FILTERS = {"json_text": json_text, "label": label, "doc_type_name": doc_type_name, "dt": local_datetime, "d": local_date,
           "filesize": file_size, "isodt": iso_datetime, "coverage_label": coverage_label,
           "modification_label": modification_label, **certnames.FILTERS}


def page_url(page: int) -> str:
    """The current URL with another page number, keeping the filters."""
    values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict(), "page": str(page)}
    return url_for(str(request.endpoint), **values)


def template_globals() -> dict[str, Any]:
    signed_in = current_user.is_authenticated
    return {"Role": Role, "current_locale": str(get_locale()), "DOCUMENT_TYPES": doctypes.DOCUMENT_TYPES,
            # the signed-in user's ward as the database names it (as the sign-in page does), else the configured
            "org_name": current_actor().organisation.name if signed_in else settings().app.organisation_name,
            "page_url": page_url,
            # the signing menu follows the signature policy, like every sign button
            "may_sign_batches": signed_in and policy.may_apply(current_actor(), SignatureKind.PERSONAL)}


def count_this_address(bucket: str, limit: int, per: timedelta) -> int:
    """One hit of the client's address for ``bucket`` on a page anyone may open, committed on its own so that
    a refused request counts too. Raises RateLimitedError (429 with Retry-After). Returns the id of the ward the
    hit is counted in: the bound ward, else (a public page of a province's deployment, before it knows whose
    document or petition is asked for) the deployment's first ward, which counts the address for every ward."""
    with db.transaction() as session:
        organisation_id = wards.current_ward_id()
        if organisation_id is None:
            first = first_ward(session)
            if first is None:
                raise NotFoundError(N_("docflow is not initialised yet: run `docflow init`."))
            organisation_id = first.id
        ratelimit.take(session, organisation_id=organisation_id, bucket=bucket, caller=request.remote_addr or "",
                       limit=limit, per=per, now=utc_now())
    return organisation_id

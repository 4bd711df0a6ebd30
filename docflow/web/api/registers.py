"""/api/v1/registers: the year's registers with their counts, and one register's entries a page at a time."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from docflow import db
from docflow.config import local_date
from docflow.errors import N_, NotFoundError
from docflow.models import RegisterKind, utc_now
from docflow.services import registers
from docflow.services.registers import EntryFilters
from docflow.web.api import serialise
from docflow.web.api.base import actor, bp, scope
from docflow.web.api.documents import page_args
from docflow.web.helpers import settings, small_int


def _kind(raw: str) -> RegisterKind:
    try:
        return RegisterKind(raw)
    except ValueError:
        raise NotFoundError(N_("There is no such register.")) from None


@bp.get("/registers")
@scope("registers:read")
def register_list() -> ResponseReturnValue:
    """The registers of ``year`` (this year by default) with their number of entries, and the years there are."""
    session, user, today = db.get_session(), actor(), local_date(settings(), utc_now())
    years = registers.register_years(session, actor=user, organisation_id=user.organisation_id,
                                     this_year=today.year)
    year = small_int(request.args.get("year")) or today.year
    if not 1900 <= year <= 9999:
        year = today.year
    items = [{"kind": kind.value, "year": year,
              "entries": registers.count_entries(session, actor=user, organisation_id=user.organisation_id,
                                                 kind=kind, year=year, filters=EntryFilters(),
                                                 tz=settings().app.zone)}
             for kind in RegisterKind]
    return jsonify({"year": year, "years": years, "items": items})


@bp.get("/registers/<int:year>/<kind>/entries")
@scope("registers:read")
def register_entries(year: int, kind: str) -> ResponseReturnValue:
    """One register's entries of ``year`` in number order (``order=desc`` for newest first)."""
    register_kind = _kind(kind)
    if not 1900 <= year <= 9999:
        raise NotFoundError(N_("There is no such register."))
    page, size = page_args()
    found = registers.list_entries(db.get_session(), actor=actor(), kind=register_kind, year=year,
                                   filters=EntryFilters(descending=request.args.get("order") == "desc"),
                                   page=page, page_size=size, tz=settings().app.zone,
                                   today=local_date(settings(), utc_now()))
    return jsonify({"kind": register_kind.value, "year": year, "items": [serialise.entry(e) for e in found.items],
                    "total": found.total, "page": found.page, "page_size": found.page_size, "pages": found.pages})

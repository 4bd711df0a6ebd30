"""Full-text search: the search page, saved searches (R53) and the result list exported to CSV or XLSX."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import login_required

from docflow import csvexport, db, xlsxexport
from docflow.errors import N_, ValidationError
from docflow.services import search as search_service
from docflow.services.documents import DocumentFilters
from docflow.services.people import organisation
from docflow.web.helpers import current_actor, document_filters, form_str, small_int

bp = Blueprint("search", __name__, url_prefix="/search")

PAGE_SIZE = 20
FILTER_KEYS = ("q", "kind", "doc_type", "status", "department_id", "date_from", "date_to")
# Where a snippet comes from, as the result list says it ("trong ý kiến của …").
WHERE = {
    "metadata": N_("In the document's details"),
    "page": N_("On page %(page)s"),
    "opinion": N_("In the opinion of %(name)s"),
    "comment": N_("In the comment of %(name)s"),
    "directive": N_("In the directive of %(name)s"),
    "forward": N_("In the forwarding note of %(name)s"),
    "reply": N_("In the reply note of %(name)s"),
    "instruction": N_("In the instruction of %(name)s"),
    "contribution": N_("In the contribution of %(name)s"),
}


def filters_from(args: Mapping[str, str]) -> DocumentFilters:
    """The query and filters of a search URL; anything malformed is left out."""
    return document_filters(args, max_query=search_service.MAX_QUERY)


def url_args(filters: DocumentFilters) -> dict[str, str]:
    """The search URL's arguments for ``filters`` (what a saved search reruns)."""
    values = {"q": filters.q, "kind": filters.kind.value if filters.kind else "", "doc_type": filters.doc_type or "",
              "status": filters.status.value if filters.status else "",
              "department_id": str(filters.department_id or ""),
              "date_from": filters.date_from.isoformat() if filters.date_from else "",
              "date_to": filters.date_to.isoformat() if filters.date_to else ""}
    return {key: value for key, value in values.items() if value}


def _search_url(filters: DocumentFilters) -> str:
    return url_for("search.index") + "?" + urlencode(url_args(filters))


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The search box, filters, ranked results and the user's saved searches."""
    session = db.get_session()
    actor = current_actor()
    filters = filters_from(request.args)
    results = search_service.search_documents(session, actor=actor, filters=filters,
                                              page=small_int(request.args.get("page")) or 1, page_size=PAGE_SIZE)
    return render_template("search/index.html", results=results, f=filters, args=url_args(filters), WHERE=WHERE,
                           saved=search_service.list_saved_searches(session, actor=actor),
                           departments=organisation.list_departments(session))


@bp.get("/export.<any(csv, xlsx):fmt>")
@login_required
def export(fmt: str) -> ResponseReturnValue:
    """The whole result list (up to the export limit) as a spreadsheet, audited; no copy in any cache."""
    actor, filters = current_actor(), filters_from(request.args)
    rows = search_service.export_results(db.get_session(), actor=actor, filters=filters)
    with db.transaction() as session:   # only the audit row writes: no lock held while the search ran
        search_service.record_export(session, actor=actor, filters=filters, fmt=fmt, number=len(rows))
    if fmt == "xlsx":
        body = xlsxexport.workbook(search_service.EXPORT_HEADER, rows, title="Kết quả tìm kiếm")
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mimetype = csvexport.csv_bytes(search_service.EXPORT_HEADER, rows), "text/csv; charset=utf-8"
    g.no_store = True
    return send_file(io.BytesIO(body), mimetype=mimetype, as_attachment=True,
                     download_name=f"tim-kiem_{date.today().isoformat()}.{fmt}")


@bp.post("/saved")
@login_required
def save() -> ResponseReturnValue:
    """Save the current query and filters under a name."""
    filters = filters_from(request.form)
    try:
        with db.transaction() as session:
            search_service.save_search(session, actor=current_actor(), name=form_str("name", max_length=200),
                                       filters=filters)
        flash(gettext("Search saved."))
    except ValidationError as exc:
        flash(gettext(exc.message, **exc.params), "danger")
    return redirect(_search_url(filters))


@bp.get("/saved/<int:saved_id>")
@login_required
def rerun(saved_id: int) -> ResponseReturnValue:
    """Run a saved search again."""
    saved = search_service.get_saved_search(db.get_session(), actor=current_actor(), saved_id=saved_id)
    return redirect(_search_url(search_service.saved_filters(saved)))


@bp.post("/saved/<int:saved_id>/delete")
@login_required
def delete(saved_id: int) -> ResponseReturnValue:
    """Delete one of the user's saved searches."""
    with db.transaction() as session:
        search_service.delete_saved_search(session, actor=current_actor(), saved_id=saved_id)
    flash(gettext("Saved search deleted."))
    return redirect(url_for("search.index"))

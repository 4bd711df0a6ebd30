"""Full-text search (issue 13 §1; Decree 30 Annex VI.III.6, R53): documents found by words or "exact
phrases" in their metadata, page texts (services/textindex) and thread, only among those the reader may view;
saved searches per user; the rows of an exported result list.

query.py (what the box's text means), engine.py (the SQL per database), searching.py (filters, ranking,
pages), snippets.py (best page and marked snippet), saved.py (saved searches), export.py (result rows)."""

from docflow.services.search.export import EXPORT_HEADER, export_results, export_rows, record_export
from docflow.services.search.query import MAX_QUERY, Query, Term, parse_query
from docflow.services.search.saved import (
    delete_saved_search,
    get_saved_search,
    list_saved_searches,
    save_search,
    saved_filters,
)
from docflow.services.search.searching import (
    COUNT_LIMIT,
    Hit,
    Results,
    hits_for,
    search_all,
    search_documents,
)
from docflow.services.search.snippets import Snippet, Unit, plain

__all__ = [
    "COUNT_LIMIT", "EXPORT_HEADER", "MAX_QUERY", "Hit", "Query", "Results", "Snippet", "Term", "Unit",
    "delete_saved_search", "export_results", "export_rows", "record_export", "get_saved_search", "hits_for", "list_saved_searches", "parse_query",
    "plain", "save_search", "saved_filters", "search_all", "search_documents",
]

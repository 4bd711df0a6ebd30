"""`docflow search QUERY --user NAME [--json]`: the search page's results on the command line, as that user
sees them (only what they may view, snippets included). Exit 0 with hits, 1 without."""

from __future__ import annotations

import json
import sys

import click

from docflow import db
from docflow.commands.context import with_app
from docflow.services import search as search_service
from docflow.services.documents import DocumentFilters
from docflow.services.people import find_user_by_username

EXIT_FOUND, EXIT_NOTHING = 0, 1


@click.command("search")
@click.argument("query")
@click.option("--user", "username", required=True, help="search as this user: only what they may view is found")
@click.option("--json", "as_json", is_flag=True, help="a JSON list of hits: document_id, number, summary, page, "
              "snippet")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@with_app
def search(query: str, username: str, as_json: bool, limit: int) -> None:
    """Find documents by words in their metadata, pages and opinions ("a phrase" in quotes matches exactly)."""
    session = db.get_session()
    actor = find_user_by_username(session, username)
    if actor is None or not actor.is_active:
        raise click.ClickException(f"no active user named {username}")
    hits = search_service.search_all(session, actor=actor, filters=DocumentFilters(q=query), limit=limit)
    rows = [{"document_id": h.document.id, "number": h.document.number_symbol or "", "summary": h.document.summary,
             "page": h.page, "snippet": search_service.plain(h.snippet)} for h in hits]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            page = f" (trang {row['page']})" if row["page"] else ""
            click.echo(f"#{row['document_id']} {row['number'] or '—'} · {row['summary']}{page}\n    {row['snippet']}")
        click.echo(f"{len(rows)} kết quả", err=True)
    sys.exit(EXIT_FOUND if rows else EXIT_NOTHING)

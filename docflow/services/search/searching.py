"""Search the documents a user may view: every term of the query in the document's metadata, page texts or
thread (opinions, instructions, comments, contributions), filters as on the document list; ranked with the
documents whose own number, trích yếu or issuing body has every term first, then the newest (among the
newest COUNT_LIMIT hits)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from docflow.models import Document, User
from docflow.services.documents import DocumentFilters, filter_conditions
from docflow.services.search.engine import Engine
from docflow.services.search.query import Query, parse_query
from docflow.services.search.snippets import Snippet, Unit, best_page, best_unit, snippet, units_of

COUNT_LIMIT = 1_000      # "more than 1,000 documents" is as useful as the exact figure, and much cheaper
EXPORT_LIMIT = 5_000


@dataclass(frozen=True)
class Hit:
    document: Document
    page: int | None          # the page with the most terms, when a page has any
    where: Unit               # the text the snippet is from (kind, page, author)
    snippet: Snippet


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    total: int                # at most COUNT_LIMIT; ``more`` says there are more
    page: int
    page_size: int
    query: Query = field(default_factory=lambda: Query(terms=()))
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


def search_documents(session: Session, *, actor: User, filters: DocumentFilters, page: int = 1,
                     page_size: int = 20) -> Results:
    """One page of the documents ``actor`` may view that have every term of ``filters.q``, with each hit's
    best page and snippet. An empty query finds nothing. Reads only."""
    query = parse_query(filters.q)
    page_size = max(1, min(page_size, 100))
    if not query:
        return Results(hits=[], total=0, page=1, page_size=page_size, query=query)
    # One query ranks and counts: the ids of the first COUNT_LIMIT + 1 hits in rank order.
    ranked = _ranked_ids(session, actor, filters, query, limit=COUNT_LIMIT + 1)
    total = min(len(ranked), COUNT_LIMIT)
    page = max(1, min(page, max(1, math.ceil(total / page_size))))
    documents = _documents(session, ranked[(page - 1) * page_size:page * page_size])
    return Results(hits=hits_for(session, documents, query), total=total, page=page, page_size=page_size,
                   query=query, more=len(ranked) > COUNT_LIMIT)


def search_all(session: Session, *, actor: User, filters: DocumentFilters, limit: int = EXPORT_LIMIT) -> list[Hit]:
    """Every hit up to ``limit``, in rank order: what an export of the result list writes."""
    query = parse_query(filters.q)
    if not query:
        return []
    ranked = _ranked_ids(session, actor, filters, query, limit=limit)
    hits: list[Hit] = []
    for start in range(0, len(ranked), 100):
        hits += hits_for(session, _documents(session, ranked[start:start + 100]), query)
    return hits


def _ranked_ids(session: Session, actor: User, filters: DocumentFilters, query: Query, *, limit: int) -> list[int]:
    """The newest ``limit`` hits (an index walk that stops there), then those whose own number, trích yếu
    or issuing body has every term first: relevance among the newest, the price of answering in time."""
    engine = Engine(session)
    where = filter_conditions(actor, filters) + [engine.found(t) for t in query.terms]
    ids = list(session.execute(select(Document.id).where(*where)
                               .order_by(Document.created_at.desc(), Document.id.desc()).limit(limit)).scalars())
    titled: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        titled.update(session.execute(select(Document.id).where(
            Document.id.in_(chunk), *[engine.in_metadata(t) for t in query.terms])).scalars())
    return [i for i in ids if i in titled] + [i for i in ids if i not in titled]


def _documents(session: Session, ids: list[int]) -> list[Document]:
    loaded = {d.id: d for d in session.execute(select(Document).where(Document.id.in_(ids))
                                               .options(selectinload(Document.department))).scalars()}
    return [loaded[i] for i in ids if i in loaded]


def hits_for(session: Session, documents: list[Document], query: Query) -> list[Hit]:
    """The best page and snippet of each of ``documents`` (which the reader may view)."""
    units = units_of(session, documents)
    hits = []
    for document in documents:
        best = best_unit(units[document.id], query)
        hits.append(Hit(document=document, page=best.page_no or best_page(units[document.id], query),
                        where=best, snippet=snippet(best.body, query)))
    return hits

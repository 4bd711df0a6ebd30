"""Search the documents a user may view: every term of the query in the document's metadata, page texts or
thread (opinions, instructions, comments, contributions), filters as on the document list; ranked with the
documents whose own number, trích yếu or issuing body has every term first, then the others, each newest
first."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from docflow.models import Document, User
from docflow.services.documents import DocumentFilters, filter_conditions
from docflow.services.search.engine import Engine
from docflow.services.search.query import Query, parse_query
from docflow.services.search.snippets import Matcher, Snippet, Unit, units_of

COUNT_LIMIT = 1_000      # the deepest hit a page reaches (page × page size)
EXPORT_LIMIT = 5_000
PHRASE_BATCH = 50        # candidates read at once for a quoted phrase's accents, doubled each time
PHRASE_CANDIDATES = 5_000   # the most candidates a quoted phrase's accents are checked on per request


@dataclass(frozen=True)
class Hit:
    document: Document
    page: int | None          # the page with the most terms, when a page has any
    where: Unit               # the text the snippet is from (kind, page, author)
    snippet: Snippet


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    total: int                # the hits up to this page; ``more`` says there are more
    page: int
    page_size: int
    query: Query = field(default_factory=lambda: Query(terms=()))
    more: bool = False

    @property
    def pages(self) -> int:
        """The pages known: up to this one, and the next when there are more hits."""
        return max(1, math.ceil(self.total / self.page_size)) + (1 if self.more else 0)


def search_documents(session: Session, *, actor: User, filters: DocumentFilters, page: int = 1,
                     page_size: int = 20) -> Results:
    """One page of the documents ``actor`` may view that have every term of ``filters.q``, with each hit's
    best page and snippet. An empty query finds nothing. Reads only."""
    query = parse_query(filters.q)
    page_size = max(1, min(page_size, 100))
    page = max(1, min(page, COUNT_LIMIT // page_size))
    if not query:
        return Results(hits=[], total=0, page=1, page_size=page_size, query=query)
    ids, more, units = _ranked_ids(session, actor, filters, query, offset=(page - 1) * page_size,
                                   limit=page_size, keep_units=True)
    if not ids and page > 1:
        return search_documents(session, actor=actor, filters=filters, page=1, page_size=page_size)
    # Hits are counted only as far as this page (and one more): counting every document a common word is
    # in costs what finding them all costs; "more than 20" is what the reader needs to refine the query.
    total = (page - 1) * page_size + len(ids)
    return Results(hits=hits_for(session, _documents(session, ids), query, units=units), total=total, page=page,
                   page_size=page_size, query=query, more=more)


def search_all(session: Session, *, actor: User, filters: DocumentFilters, limit: int = EXPORT_LIMIT) -> list[Hit]:
    """Every hit up to ``limit``, in rank order: what an export of the result list writes."""
    query = parse_query(filters.q)
    if not query:
        return []
    ranked, _, _ = _ranked_ids(session, actor, filters, query, offset=0, limit=limit)
    hits: list[Hit] = []
    for start in range(0, len(ranked), 100):
        hits += hits_for(session, _documents(session, ranked[start:start + 100]), query)
    return hits


def _ranked_ids(session: Session, actor: User, filters: DocumentFilters, query: Query, *, offset: int,
                limit: int, keep_units: bool = False) -> tuple[list[int], bool, dict[int, list[Unit]]]:
    """Hits ``offset`` to ``offset + limit`` in rank order, and whether there are more: first the documents
    whose own number, trích yếu or issuing body has every term (from the metadata index), then the others
    (from the document-level index); each newest (highest id) first, so the database walks the newest
    documents and stops at the page, however common the words. With ``keep_units``, the texts a quoted
    phrase's check read of the hits in that range, for hits_for not to read them again."""
    engine = Engine(session)
    visible = filter_conditions(actor, filters)
    wanted = offset + limit + 1
    first = list(session.execute(engine.titled(query, visible).limit(wanted)).scalars())
    rest: list[int] = []
    units: dict[int, list[Unit]] = {}
    if len(first) < wanted:
        # ``first`` holds every titled document, and each of them is a candidate too: skip them.
        keep = range(offset - len(first), offset + limit - len(first)) if keep_units else range(0)
        rest = _others(session, engine, query, visible, skip=set(first), needed=wanted - len(first),
                       keep=keep, units=units)
    ranked = first + rest
    return ranked[offset:offset + limit], len(ranked) > offset + limit, units


def _others(session: Session, engine: Engine, query: Query, visible: list[ColumnElement[bool]], *,
            skip: set[int], needed: int, keep: range = range(0),
            units: dict[int, list[Unit]] | None = None) -> list[int]:
    """The ``needed`` newest candidates not in ``skip``; with quoted phrases, those that have each phrase
    with its accents in one of their texts, checked in batches of candidates newest first until the page
    is full or PHRASE_CANDIDATES candidates were read (older ones are then not found). The texts read of
    the found ones at the places in ``keep`` are put in ``units`` (only those: a phrase may read thousands)."""
    exact = [t for t in query.terms if t.exact]
    if not exact:
        ids = session.execute(engine.candidates(query, visible).limit(needed + len(skip))).scalars()
        return [i for i in ids if i not in skip][:needed]
    found: list[int] = []
    below: int | None = None
    size, read = PHRASE_BATCH, 0
    while len(found) < needed and read < PHRASE_CANDIDATES:
        batch = list(session.execute(engine.candidates(query, visible, below=below).limit(size)).scalars())
        documents = _documents(session, [i for i in batch if i not in skip])
        read_units = units_of(session, documents)
        matcher = Matcher()         # a batch's texts are not asked about again
        for d in documents:
            if all(matcher.has_term(read_units[d.id], t) for t in exact):
                if units is not None and len(found) in keep:
                    units[d.id] = read_units[d.id]
                found.append(d.id)
        if len(batch) < size:
            break
        below, read = batch[-1], read + size
        size = min(2 * size, PHRASE_CANDIDATES - read)
    return found[:needed]


def _documents(session: Session, ids: list[int]) -> list[Document]:
    loaded = {d.id: d for d in session.execute(select(Document).where(Document.id.in_(ids))
                                               .options(selectinload(Document.department))).scalars()}
    return [loaded[i] for i in ids if i in loaded]


def hits_for(session: Session, documents: list[Document], query: Query, *,
             units: dict[int, list[Unit]] | None = None) -> list[Hit]:
    """The best page and snippet of each of ``documents`` (which the reader may view); ``units`` holds the
    texts of some of them already read (by a quoted phrase's check), the others' are read here."""
    units = dict(units or {})
    units.update(units_of(session, [d for d in documents if d.id not in units]))
    matcher = Matcher()
    hits = []
    for document in documents:
        best = matcher.best_unit(units[document.id], query)
        hits.append(Hit(document=document, page=best.page_no or matcher.best_page(units[document.id], query),
                        where=best, snippet=matcher.snippet(best.body, query)))
    return hits

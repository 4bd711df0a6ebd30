"""The SQL that finds a query's documents, per database, over the same folded words: the document-level
index of migration 0023 (SQLite: FTS5 search_fts_all, rowid = document id; PostgreSQL: the GIN-indexed
tsvector search_texts.search_fts_words) for candidates, and the metadata index of 0021 (search_fts_documents)
for the documents whose own number, trích yếu or issuing body has a term."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, column, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import table

from docflow.models import Document, SearchText
from docflow.services.search.query import Query, Term

METADATA_EXACT = (Document.summary, Document.number_symbol, Document.issuing_body)
_SIMPLE: ColumnElement[str] = literal_column("'simple'")
_ALL = table("search_fts_all", column("rowid"))


class Engine:
    """Builds the match conditions for one session's database."""

    def __init__(self, session: Session) -> None:
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def candidates(self, query: Query, where: list[ColumnElement[bool]], *, below: int | None = None) -> Select[int]:
        """The documents meeting ``where`` whose text has every term's folded words (a quoted phrase's words
        in a row; its accents are not checked here), newest (highest id) first, below id ``below`` if given.
        Walked from the document-level index, so a LIMIT stops the walk."""
        if below is not None:
            where = [*where, Document.id < below]
        if self.sqlite:
            # Driven from FTS5 in rowid order (ORDER BY rowid DESC is answered by the index itself), each
            # candidate's document row then read by its id and checked against ``where``.
            match = literal_column("search_fts_all").op("MATCH")(literal(_fts_query(query)))
            return (select(Document.id).select_from(_ALL).join(Document, Document.id == _ALL.c.rowid)
                    .where(match, *where).order_by(_ALL.c.rowid.desc()))
        # The planner walks documents newest first probing each one's tsvector for a common word, or reads a
        # rare word's few documents from the GIN index and sorts them.
        words: ColumnElement[str] = literal_column("search_texts.search_fts_words")
        match = words.op("@@")(func.to_tsquery(_SIMPLE, literal(" & ".join(_ts_phrase(t) for t in query.terms))))
        return (select(Document.id).join(SearchText, SearchText.document_id == Document.id)
                .where(match, *where).order_by(Document.id.desc()))

    def in_metadata(self, term: Term) -> ColumnElement[bool]:
        """The document's own number, trích yếu or issuing body has ``term`` (a phrase with its accents)."""
        if self.sqlite:
            fts = table("search_fts_documents", column("rowid"))
            found = Document.id.in_(select(fts.c.rowid).where(
                literal_column("search_fts_documents").op("MATCH")(literal(_fts_phrase(term.words)))))
        else:
            # The stored words column migration 0021_search made and indexed (PostgreSQL only, so not a
            # model attribute).
            words: ColumnElement[str] = literal_column("documents.search_fts_words")
            found = words.op("@@")(func.to_tsquery(_SIMPLE, literal(_ts_phrase(term))))
        variants = term.variants()
        if not variants:
            return found
        position = func.instr if self.sqlite else func.strpos
        return and_(found, or_(*[position(c, literal(v)) > 0 for c in METADATA_EXACT for v in variants]))


def _fts_phrase(words: tuple[str, ...]) -> str:
    return '"' + " ".join(words).replace('"', '""') + '"'


def _fts_query(query: Query) -> str:
    """Every term as an FTS5 phrase; FTS5 ANDs them."""
    return " ".join(_fts_phrase(t.words) for t in query.terms)


def _ts_phrase(term: Term) -> str:
    # every word is letters and digits only (textsearch.words), so quoting it in the tsquery is safe
    return "(" + " <-> ".join(f"'{w}'" for w in term.words) + ")"

"""The SQL that finds a query's documents, per database, over the same folded words: the document-level
index of migration 0025 (SQLite: FTS5 search_fts_all, rowid = document id; PostgreSQL: the GIN-indexed
tsvector search_texts.search_fts_words) for candidates, and the metadata index of 0021 (search_fts_documents)
for the documents whose own number, trích yếu or issuing body has a term."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, column, func, literal, literal_column, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import table

from docflow.models import Document, SearchText
from docflow.services.search.query import Query, Term

METADATA_EXACT = (Document.summary, Document.number_symbol, Document.issuing_body)
_SIMPLE: ColumnElement[str] = literal_column("'simple'")


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
        return self._walk("search_fts_all", query, where)

    def titled(self, query: Query, where: list[ColumnElement[bool]]) -> Select[int]:
        """The documents meeting ``where`` whose own number, trích yếu or issuing body has every term (a
        quoted phrase with its accents), newest first, walked from the metadata index."""
        exact = [or_(*[position(c, literal(v)) > 0 for c in METADATA_EXACT for v in t.variants()])
                 for t in query.terms if t.exact for position in [func.instr if self.sqlite else func.strpos]]
        return self._walk("search_fts_documents", query, [*where, *exact])

    def _walk(self, index: str, query: Query, where: list[ColumnElement[bool]]) -> Select[int]:
        if self.sqlite:
            # Driven from FTS5 in rowid order (ORDER BY rowid DESC is answered by the index itself), each
            # match's document row then read by its id and checked against ``where``.
            fts = table(index, column("rowid"))
            match = literal_column(index).op("MATCH")(literal(_fts_query(query)))
            return (select(Document.id).select_from(fts).join(Document, Document.id == fts.c.rowid)
                    .where(match, *where).order_by(fts.c.rowid.desc()))
        # The stored words columns of migrations 0021 (documents) and 0025 (search_texts), GIN-indexed
        # (PostgreSQL only, so not model attributes). The planner walks documents newest first probing each
        # one's words for a common word, or reads a rare word's few documents from the index and sorts them.
        stmt = select(Document.id).order_by(Document.id.desc())
        if index == "search_fts_all":
            stmt = stmt.join(SearchText, SearchText.document_id == Document.id)
        words: ColumnElement[str] = literal_column(
            f"{'search_texts' if index == 'search_fts_all' else 'documents'}.search_fts_words")
        tsquery = " & ".join(_ts_phrase(t) for t in query.terms)
        return stmt.where(words.op("@@")(func.to_tsquery(_SIMPLE, literal(tsquery))), *where)


def _fts_phrase(words: tuple[str, ...]) -> str:
    return '"' + " ".join(words).replace('"', '""') + '"'


def _fts_query(query: Query) -> str:
    """Every term as an FTS5 phrase; FTS5 ANDs them."""
    return " ".join(_fts_phrase(t.words) for t in query.terms)


def _ts_phrase(term: Term) -> str:
    # every word is letters and digits only (textsearch.words), so quoting it in the tsquery is safe
    return "(" + " <-> ".join(f"'{w}'" for w in term.words) + ")"

"""The SQL that finds a term, per database: SQLite's FTS5 tables and PostgreSQL's tsvector GIN indexes made
by migration 0021_search over the same folded words, so both find the same rows."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement, Select, and_, column, func, literal, literal_column, or_, select, true, union, union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import table

from docflow.models import Assignment, Contribution, Document, Opinion, PageText
from docflow.services.search.query import Term


@dataclass(frozen=True)
class Source:
    """One searchable text: its index (named as in migration 0021_search), its table's id and document id,
    the folded column the index covers and the accented columns a quoted phrase is checked against."""
    index: str
    row_id: InstrumentedAttribute[int]
    document_id: InstrumentedAttribute[int]
    folded: InstrumentedAttribute[str]
    exact: tuple[InstrumentedAttribute[str | None], ...]


PAGES = Source("search_fts_pages", PageText.id, PageText.document_id, PageText.folded, (PageText.body,))
METADATA = Source("search_fts_documents", Document.id, Document.id, Document.search_text,
                  (Document.summary, Document.number_symbol, Document.issuing_body))
OPINIONS = Source("search_fts_opinions", Opinion.id, Opinion.document_id, Opinion.folded, (Opinion.body,))
INSTRUCTIONS = Source("search_fts_assignments", Assignment.id, Assignment.document_id,
                      Assignment.instruction_folded, (Assignment.instruction,))
CONTRIBUTIONS = Source("search_fts_contributions", Contribution.id, Contribution.document_id,
                       Contribution.folded, (Contribution.body,))
SOURCES = (METADATA, PAGES, OPINIONS, INSTRUCTIONS, CONTRIBUTIONS)
_SIMPLE: ColumnElement[str] = literal_column("'simple'")


class Engine:
    """Builds the match conditions for one session's database."""

    def __init__(self, session: Session) -> None:
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def found(self, term: Term) -> ColumnElement[bool]:
        """The documents where ``term`` is found in any of their texts (a condition on Document)."""
        if self.sqlite:
            return Document.id.in_(union(*[self._sqlite_rows(source, term) for source in SOURCES]))
        # PostgreSQL: IN over a UNION ALL, which the planner flattens into an append of the texts, so it may
        # walk the newest documents and probe each one's rows by document_id (a common word stops after
        # the first page of hits), or read a rare word's few rows from the GIN indexes first.
        return Document.id.in_(union_all(*[
            select(source.document_id).where(self._exact(source, term, self._pg_words(source, term))).correlate(None)
            for source in SOURCES]))

    def in_metadata(self, term: Term) -> ColumnElement[bool]:
        """The document's own number, trích yếu or issuing body has ``term``."""
        if self.sqlite:
            return Document.id.in_(self._sqlite_rows(METADATA, term))
        return self._exact(METADATA, term, self._pg_words(METADATA, term))

    def _sqlite_rows(self, source: Source, term: Term) -> Select[int]:
        # Driven from the FTS5 table (then the row by its id): SQLite would otherwise scan the source table
        # and probe the matches, reading every page's text. correlate(None): it reads its own tables.
        fts = table(source.index, column("rowid"))
        stmt = (select(source.document_id).select_from(fts).join(source.row_id.class_, source.row_id == fts.c.rowid)
                .where(literal_column(source.index).op("MATCH")(literal(_fts_phrase(term.words)))))
        return stmt.where(self._exact(source, term, true())).correlate(None)

    def _pg_words(self, source: Source, term: Term) -> ColumnElement[bool]:
        # The stored words column migration 0021_search made and indexed (PostgreSQL only, so not a model
        # attribute); every word is letters and digits only, so quoting it in the tsquery is safe.
        words: ColumnElement[str] = literal_column(f"{source.folded.class_.__tablename__}.search_fts_words")
        tsquery = " <-> ".join(f"'{w}'" for w in term.words)
        return words.op("@@")(func.to_tsquery(_SIMPLE, literal(tsquery)))

    def _exact(self, source: Source, term: Term, found: ColumnElement[bool]) -> ColumnElement[bool]:
        """``found``, and for a quoted phrase its accented text in one of the source's columns."""
        variants = term.variants()
        if not variants:
            return found
        position = func.instr if self.sqlite else func.strpos
        return and_(found, or_(*[position(c, literal(v)) > 0 for c in source.exact for v in variants]))


def _fts_phrase(words: tuple[str, ...]) -> str:
    return '"' + " ".join(words).replace('"', '""') + '"'
